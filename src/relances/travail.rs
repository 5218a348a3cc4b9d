//! What needs the facilitateurs at a date: the worklists of their weekly digest and of
//! their dashboard, read once here for both.

use chrono::{Datelike, Days, Months, NaiveDate};
use entities::{contrats, criteres, heures_mensuelles, marches, mises_en_emploi, participants, suivis_six_mois};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};

use super::declarations::{a_declarer_par_employeur, declarations_a_valider};
use crate::auth::Acteur;
use crate::error::AppResult;

/// A company late with the declarations of a month.
#[derive(Debug, Clone)]
pub struct Retard {
    pub employeur_id: i64,
    pub mois: NaiveDate,
    /// Contrats of the month still to declare (or to correct).
    pub contrats: usize,
    /// The due date (the 10th of the next month).
    pub echeance: NaiveDate,
}

/// A worklist: how many, and the first ones (a structure may have thousands).
pub struct Extrait<T> {
    pub total: usize,
    pub premiers: Vec<T>,
}

/// The first `n` of an ordered query (`Select` or `SelectTwo`) and their count.
macro_rules! extrait {
    ($db:expr, $select:expr, $n:expr) => {{
        use sea_orm::{PaginatorTrait, QuerySelect};
        let select = $select;
        let total = select.clone().count($db).await? as usize;
        let premiers = select.limit($n).all($db).await?;
        Extrait { total, premiers }
    }};
}

pub struct Travail {
    pub a_valider: Extrait<(heures_mensuelles::Model, Option<contrats::Model>)>,
    pub en_retard: Vec<Retard>,
    pub fin_proche: Extrait<(contrats::Model, Option<participants::Model>)>,
    pub criteres: Extrait<(criteres::Model, Option<participants::Model>)>,
    pub suivis: Extrait<suivis_six_mois::Model>,
    pub demarrages: Extrait<marches::Model>,
}

/// The day a month's declarations are due: the 10th of the next month.
pub fn echeance(mois: NaiveDate) -> NaiveDate {
    let suivant = mois + Months::new(1);
    NaiveDate::from_ymd_opt(suivant.year(), suivant.month(), 10).unwrap_or(suivant)
}

/// The worklists of the caller's structure at `today` (30 days ahead for what ends,
/// expires or starts; 7 days for the follow-ups due): each its count and its first
/// `premiers`.
pub async fn travail(db: &impl ConnectionTrait, a: &Acteur, today: NaiveDate, premiers: u64) -> AppResult<Travail> {
    let dans_30 = today + Days::new(30);
    let a_valider = extrait!(db, declarations_a_valider(a), premiers);

    // Late: the month before last is always due; last month once its 10th has passed.
    let dernier = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today) - Months::new(1);
    let mut mois = vec![dernier - Months::new(1)];
    if today > echeance(dernier) {
        mois.push(dernier);
    }
    let mut en_retard = Vec::new();
    for m in mois {
        let par_employeur = a_declarer_par_employeur(db, a, m).await?;
        en_retard.extend(par_employeur.into_iter().map(|(employeur_id, contrats)| Retard { employeur_id, mois: m, contrats: contrats as usize, echeance: echeance(m) }));
    }

    let fin_proche = extrait!(
        db,
        a.scoped::<contrats::Entity>()
            .filter(contrats::Column::DateFinReelle.is_null())
            .filter(contrats::Column::DateFinPrevue.between(today, dans_30))
            .filter(contrats::Column::Id.in_subquery(Query::select().column(mises_en_emploi::Column::ContratId).from(mises_en_emploi::Entity).to_owned()))
            .find_also_related(participants::Entity)
            .order_by_asc(contrats::Column::DateFinPrevue)
            .order_by_asc(contrats::Column::Id),
        premiers
    );
    let criteres = extrait!(
        db,
        a.scoped::<criteres::Entity>()
            .filter(criteres::Column::RetireAt.is_null())
            .filter(criteres::Column::ValideJusquAu.between(today, dans_30))
            .find_also_related(participants::Entity)
            .order_by_asc(criteres::Column::ValideJusquAu)
            .order_by_asc(criteres::Column::Id),
        premiers
    );
    let suivis = extrait!(
        db,
        a.scoped::<suivis_six_mois::Entity>()
            .filter(suivis_six_mois::Column::DateRealisation.is_null())
            .filter(suivis_six_mois::Column::DateEcheance.lte(today + Days::new(7)))
            .order_by_asc(suivis_six_mois::Column::DateEcheance)
            .order_by_asc(suivis_six_mois::Column::Id),
        premiers
    );
    let demarrages = extrait!(db, a.scoped::<marches::Entity>().filter(marches::Column::DateDebut.between(today, dans_30)).order_by_asc(marches::Column::DateDebut).order_by_asc(marches::Column::Id), premiers);
    Ok(Travail { a_valider, en_retard, fin_proche, criteres, suivis, demarrages })
}
