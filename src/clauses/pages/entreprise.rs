//! The company's home: its clauses with its own progress (the hours retained from the
//! contrats worked for it as attributaire — never another company's), and every month
//! where its clause contrats wait for hours, with the due date and the days late.

use std::collections::BTreeMap;

use entities::{lots, marches};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Serialize;

use super::heures::MoisVu;
use crate::auth::session::Connecte;
use crate::clauses::service::compte::{charger, Filtre, Selection};
use crate::error::AppResult;
use crate::parcours::limites::heures;
use crate::state::AppState;

#[derive(Serialize)]
struct ClauseEntreprise {
    marche: String,
    lot: String,
    objectif: f64,
    retenues: f64,
    taux: f64,
    statut: String,
    barre: f64,
    repere: f64,
}

/// What the company's home shows, in the page's context.
pub(super) async fn contexte(state: &AppState, c: &Connecte, ctx: &mut tera::Context) -> AppResult<()> {
    let a = &c.acteur;
    let today = state.clock.today();
    let entreprise = a.entreprise_id.unwrap_or(-1);
    let mois = crate::relances::declarations::mois_a_traiter(&state.db, a, today).await?;
    ctx.insert("a_traiter", &mois.into_iter().map(MoisVu::from).collect::<Vec<_>>());
    let charge = charger(&state.db, a, Selection::Entreprise(entreprise), Filtre { du: None, au: today, attributaire: Some(entreprise), expliquer: false }).await?;
    let lots: BTreeMap<i64, lots::Model> = a.scoped::<lots::Entity>().filter(lots::Column::Id.is_in(charge.clauses.iter().map(|k| k.clause.lot_id).collect::<Vec<_>>())).all(&state.db).await?.into_iter().map(|l| (l.id, l)).collect();
    let marches: BTreeMap<i64, marches::Model> = a.scoped::<marches::Entity>().filter(marches::Column::Id.is_in(charge.clauses.iter().map(|k| k.marche_id).collect::<Vec<_>>())).all(&state.db).await?.into_iter().map(|m| (m.id, m)).collect();
    let clauses: Vec<ClauseEntreprise> = charge
        .clauses
        .iter()
        .map(|k| {
            let objectif = k.objectif_minutes;
            let retenues = k.comptage.retenues;
            let part = |x: i64| if objectif > 0 { (x as f64 / objectif as f64 * 100.0).clamp(0.0, 100.0) } else { 0.0 };
            ClauseEntreprise {
                marche: marches.get(&k.marche_id).map(|m| format!("{} — {}", m.numero, m.objet)).unwrap_or_default(),
                lot: lots.get(&k.clause.lot_id).map(super::nom_lot).unwrap_or_default(),
                objectif: heures(objectif),
                retenues: heures(retenues),
                taux: k.avancement.taux_realisation,
                statut: crate::text::code(k.avancement.statut),
                barre: part(retenues),
                repere: part(k.avancement.attendu),
            }
        })
        .collect();
    ctx.insert("clauses_entreprise", &clauses);
    ctx.insert("entreprise_id", &entreprise);
    Ok(())
}
