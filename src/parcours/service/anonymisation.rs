//! RGPD retention: a participant is anonymised `anonymisation_annees` years (setting of
//! its structure, default 5) after its last activity — the end of its last contrat (or
//! its start if it has no end), its last exit, or its registration. Its name, contact
//! details, address, prescriber's name, the justifications of its criteria and the texts
//! of its confidential étapes are erased; what the bilans count stays (sex, date of
//! birth for the age bands, QPV, level, criteria codes, contrats and hours), so a bilan
//! gives the same figures before and after. The job `anonymisation` runs it daily.

use chrono::{Months, NaiveDate};
use entities::{contrats, criteres, etapes, participants, sorties, structures};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::AppResult;

/// The participants anonymised (or that would be, in a dry run), per structure.
#[derive(Debug, Default)]
pub struct Bilan {
    pub anonymises: u64,
}

/// The last activity of a participant: its last contrat's end (or start), last exit, or
/// its registration.
fn derniere_activite(p: &participants::Model, contrats: &[contrats::Model], sorties: &[sorties::Model]) -> NaiveDate {
    let fin_contrat = contrats.iter().filter(|c| c.participant_id == p.id).map(|c| c.date_fin_reelle.or(c.date_fin_prevue).unwrap_or(c.date_debut));
    let sortie = sorties.iter().filter(|s| s.participant_id == p.id).map(|s| s.date_sortie);
    fin_contrat.chain(sortie).chain(std::iter::once(p.created_at.date_naive())).max().unwrap_or(p.created_at.date_naive())
}

/// Anonymises the participants past their retention in every structure, as at `jour`.
pub async fn anonymiser(db: &(impl ConnectionTrait + TransactionTrait), clock: &Clock, jour: NaiveDate, essai: bool) -> AppResult<Bilan> {
    let mut bilan = Bilan::default();
    for s in structures::Entity::find().all(db).await? {
        let annees = super::super::parametres::ParametresParcours::from_structure(&s.parametres).anonymisation_annees;
        let limite = jour.checked_sub_months(Months::new(12 * annees)).unwrap_or(NaiveDate::MIN);
        let acteur = Acteur::systeme(s.id);
        let candidats = participants::Entity::find().filter(participants::Column::StructureId.eq(s.id)).filter(participants::Column::AnonymiseAt.is_null()).filter(participants::Column::CreatedAt.lt(limite.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())).all(db).await?;
        if candidats.is_empty() {
            continue;
        }
        let ids: Vec<i64> = candidats.iter().map(|p| p.id).collect();
        let cs = contrats::Entity::find().filter(contrats::Column::ParticipantId.is_in(ids.clone())).all(db).await?;
        let ss = sorties::Entity::find().filter(sorties::Column::ParticipantId.is_in(ids)).all(db).await?;
        for p in candidats.into_iter().filter(|p| derniere_activite(p, &cs, &ss) < limite) {
            bilan.anonymises += 1;
            if essai {
                continue;
            }
            let txn = crate::db::ecrire(db).await?;
            let id = p.id;
            let mut m: participants::ActiveModel = p.into();
            m.nom = Set("Anonyme".into());
            m.prenom = Set(format!("n° {id}"));
            m.adresse = Set(None);
            m.code_postal = Set(None);
            m.telephone = Set(None);
            m.email = Set(None);
            m.prescripteur_nom = Set(None);
            m.qpv_code = Set(None);
            m.anonymise_at = Set(Some(clock.now()));
            m.updated_at = Set(clock.now());
            m.update(&txn).await?;
            criteres::Entity::update_many().col_expr(criteres::Column::Justification, Expr::value(Option::<String>::None)).col_expr(criteres::Column::Justificatif, Expr::value("(anonymisé)")).filter(criteres::Column::ParticipantId.eq(id)).exec(&txn).await?;
            etapes::Entity::update_many()
                .col_expr(etapes::Column::Intitule, Expr::value("(anonymisé)"))
                .col_expr(etapes::Column::Resultat, Expr::value(Option::<String>::None))
                .filter(etapes::Column::ParticipantId.eq(id))
                .filter(etapes::Column::Sensible.eq(true))
                .exec(&txn)
                .await?;
            crate::audit::record(&txn, clock, &acteur, "anonymisation", "participant", id, None::<&()>, None).await?;
            txn.commit().await?;
        }
    }
    Ok(bilan)
}
