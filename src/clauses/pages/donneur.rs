//! The donneur d'ordre's home: its opérations and their marchés, each with its progress
//! (objective, retained hours, taux, status) and a link to its bilan; the bilan of all its
//! opérations. Only its own: the selection is its donneur d'ordre's opérations.

use std::collections::BTreeMap;

use sea_orm::{EntityTrait, QuerySelect};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::clauses::service::compte::{charger, Filtre, Selection};
use crate::clauses::service::{marches as marche_service, operations as operation_service};
use crate::comptage::avancement::StatutAvancement;
use crate::error::AppResult;
use crate::parcours::limites::heures;
use crate::state::AppState;

/// An opération or a marché with its progress.
#[derive(Serialize)]
struct Avance {
    nom: String,
    bilan: String,
    objectif: f64,
    retenues: f64,
    attendu: f64,
    taux: f64,
    statut: String,
    barre: f64,
    repere: f64,
    marches: Vec<Avance>,
}

/// Sums of a set of clauses: objective, retained, expected (minutes) and the most urgent
/// status.
#[derive(Default, Clone, Copy)]
struct Somme {
    objectif: i64,
    retenues: i64,
    attendu: i64,
    statut: Option<StatutAvancement>,
}

/// How urgent a status is, most urgent first: the status of a set of clauses is its most
/// urgent one (an opération with one critical clause is critical).
fn urgence(s: StatutAvancement) -> u8 {
    match s {
        StatutAvancement::Critique => 0,
        StatutAvancement::NonDemarree => 1,
        StatutAvancement::EnRetard => 2,
        StatutAvancement::Conforme => 3,
        StatutAvancement::EnAvance => 4,
        StatutAvancement::Atteinte => 5,
    }
}

impl Somme {
    /// Adds a clause's, or a marché's sums.
    fn ajouter(&mut self, autre: Somme) {
        self.objectif += autre.objectif;
        self.retenues += autre.retenues;
        self.attendu += autre.attendu;
        self.statut = match (self.statut, autre.statut) {
            (Some(s), Some(t)) => Some(if urgence(s) <= urgence(t) { s } else { t }),
            (s, t) => s.or(t),
        };
    }

    fn avance(&self, nom: String, bilan: String, marches: Vec<Avance>) -> Avance {
        let part = |x: i64| if self.objectif > 0 { (x as f64 / self.objectif as f64 * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let statut = if self.objectif > 0 && self.retenues >= self.objectif { Some(StatutAvancement::Atteinte) } else { self.statut };
        Avance {
            nom,
            bilan,
            objectif: heures(self.objectif),
            retenues: heures(self.retenues),
            attendu: heures(self.attendu),
            taux: if self.objectif > 0 { self.retenues as f64 / self.objectif as f64 } else { 0.0 },
            statut: statut.map(crate::text::code).unwrap_or_default(),
            barre: part(self.retenues),
            repere: part(self.attendu),
            marches,
        }
    }
}

/// What the buyer's home shows, in the page's context.
pub(super) async fn contexte(state: &AppState, c: &Connecte, p: &crate::web::liste::Params, ctx: &mut tera::Context) -> AppResult<()> {
    let a = &c.acteur;
    let Some(donneur) = a.donneur_ordre_id else { return Ok(()) };
    let today = state.clock.today();
    let (charge, operations, marches, nom) = tokio::try_join!(
        charger(&state.db, a, Selection::DonneurOrdre(donneur), Filtre { du: None, au: today, attributaire: None, expliquer: false }),
        async { Ok(operation_service::list_operations(a, Some(donneur))?.all(&state.db).await?) },
        async { Ok(marche_service::list_marches(a, None)?.all(&state.db).await?) },
        async { Ok(entities::donneurs_ordre::Entity::find_by_id(donneur).select_only().column(entities::donneurs_ordre::Column::Nom).into_tuple::<String>().one(&state.db).await?) },
    )?;
    let mut par_marche: BTreeMap<i64, Somme> = BTreeMap::new();
    for k in &charge.clauses {
        par_marche.entry(k.marche_id).or_default().ajouter(Somme { objectif: k.objectif_minutes, retenues: k.globalisation.retenues, attendu: k.avancement.attendu, statut: Some(k.avancement.statut) });
    }
    // The opérations found by the search, one page of them (by name).
    let operations: Vec<_> = operations.into_iter().filter(|o| crate::web::liste::contient(&o.nom, &p.q)).collect();
    let (operations, pagination) = p.tranche(operations);
    let vues: Vec<Avance> = operations
        .iter()
        .map(|o| {
            let mut somme = Somme::default();
            let lignes = marches
                .iter()
                .filter(|m| m.operation_id == o.id)
                .map(|m| {
                    let s = par_marche.get(&m.id).copied().unwrap_or_default();
                    somme.ajouter(s);
                    s.avance(format!("Marché {} — {}", m.numero, m.objet), format!("/marches/{}/bilan", m.id), Vec::new())
                })
                .collect();
            somme.avance(o.nom.clone(), format!("/operations/{}/bilan", o.id), lignes)
        })
        .collect();
    ctx.insert("operations_do", &vues);
    ctx.insert("pagination", &pagination);
    ctx.insert("q", &p.q);
    ctx.insert("donneur", &(donneur, nom.unwrap_or_default()));
    Ok(())
}
