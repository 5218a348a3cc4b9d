//! The référent's home: what its participants need of it, from the clause module's
//! events (the same as its e-mails) and the parcours' criteria and follow-ups. Only its
//! own participants (the parcours core stays free of the clause module: this page lives
//! here).

use std::collections::HashMap;

use entities::participants;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::parcours::service::participants as service;
use crate::state::AppState;

/// A line of the référent's home: a participant and what needs its référent.
#[derive(Serialize)]
struct AFaire {
    participant_id: i64,
    participant: String,
    texte: String,
}

/// The référent's home: clause contrats started or ended in the last 30 days and exit
/// thresholds crossed by its participants (the same events as its e-mails),
/// criteria expiring within 30 days, six-month follow-ups due within 7 days; and how many
/// participants it follows. Only its own participants.
pub(super) async fn contexte(state: &AppState, c: &Connecte, ctx: &mut tera::Context) -> Result<(), AppError> {
    use entities::{contrats, criteres, suivis_six_mois};
    use sea_orm::sea_query::Query;
    use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};
    let a = &c.acteur;
    let moi = a.utilisateur_id;
    let today = state.clock.today();
    let nom = |p: &participants::Model| format!("{} {}", p.prenom, p.nom);
    let (_, evenements) = crate::relances::avis::evenements(&state.db, a, today, Some(moi)).await?;
    let evenements: Vec<AFaire> = evenements.into_iter().map(|(_, e)| AFaire { participant_id: e.participant_id, participant: e.participant, texte: e.texte }).collect();
    let miens = Query::select().column(participants::Column::Id).from(participants::Entity).and_where(participants::Column::StructureId.eq(a.structure_id)).and_where(participants::Column::ReferentId.eq(moi)).to_owned();
    let criteres: Vec<AFaire> = a
        .scoped::<criteres::Entity>()
        .filter(criteres::Column::RetireAt.is_null())
        .filter(criteres::Column::ValideJusquAu.between(today, today + chrono::Days::new(30)))
        .filter(criteres::Column::ParticipantId.in_subquery(miens.clone()))
        .find_also_related(participants::Entity)
        .order_by_asc(criteres::Column::ValideJusquAu)
        .limit(50)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(k, p)| {
            let p = p?;
            Some(AFaire { participant_id: p.id, participant: nom(&p), texte: format!("critère « {} » valable jusqu'au {}", crate::libelles::de("critere", k.code), k.valide_jusqu_au.map(crate::text::date_num).unwrap_or_default()) })
        })
        .collect();
    let contrats_miens = Query::select().column(contrats::Column::Id).from(contrats::Entity).and_where(contrats::Column::ParticipantId.in_subquery(miens.clone())).to_owned();
    let suivis = a
        .scoped::<suivis_six_mois::Entity>()
        .filter(suivis_six_mois::Column::DateRealisation.is_null())
        .filter(suivis_six_mois::Column::DateEcheance.lte(today + chrono::Days::new(7)))
        .filter(suivis_six_mois::Column::ContratId.in_subquery(contrats_miens))
        .order_by_asc(suivis_six_mois::Column::DateEcheance)
        .limit(50)
        .all(&state.db)
        .await?;
    let des_contrats: HashMap<i64, participants::Model> = a
        .scoped::<contrats::Entity>()
        .filter(contrats::Column::Id.is_in(suivis.iter().map(|s| s.contrat_id).collect::<Vec<_>>()))
        .find_also_related(participants::Entity)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(k, p)| Some((k.id, p?)))
        .collect();
    let suivis: Vec<AFaire> = suivis
        .into_iter()
        .filter_map(|s| {
            let p = des_contrats.get(&s.contrat_id)?;
            let quand = if s.date_echeance < today { format!("en retard depuis le {}", crate::text::date_num(s.date_echeance)) } else { format!("à faire d'ici le {}", crate::text::date_num(s.date_echeance)) };
            Some(AFaire { participant_id: p.id, participant: nom(p), texte: format!("suivi six mois après le contrat : {quand}") })
        })
        .collect();
    let suivis_nombre = service::participants_visibles(a)?.count(&state.db).await?;
    ctx.insert("evenements", &evenements);
    ctx.insert("criteres_expirant", &criteres);
    ctx.insert("suivis_dus", &suivis);
    ctx.insert("nombre_participants", &suivis_nombre);
    Ok(())
}
