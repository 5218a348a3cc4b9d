//! The structure's settings of clause follow-up (stored in `structures.parametres.suivi`):
//! the progress thresholds its clauses start with, and which reminders it sends. The
//! parcours settings live in `parcours::parametres`; the page `/reglages` shows both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::comptage::regles::{ReglesComptage, SeuilsAvancement};
use crate::error::FieldError;
use crate::text::nombre_fr;
use crate::web::formulaire::Formulaire;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ParametresSuivi {
    /// The progress thresholds of the clauses created from now on (each clause keeps its
    /// own, changed on its settings page or with `PUT /clauses/{id}/regles`).
    pub avancement: SeuilsAvancement,
    /// The reminders the structure sends (all by default). A job switched off here still
    /// runs on its schedule for the other structures.
    pub relances: RelancesActives,
}

/// Each reminder job of domain.md §6, on or off for the structure. The names are the
/// jobs' (`jobs.horaires` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RelancesActives {
    pub declaration_reminder: bool,
    pub declaration_relance: bool,
    pub declaration_derniere_relance: bool,
    pub renvoi_declaration: bool,
    pub digest_facilitateur: bool,
    pub digest_referent: bool,
    pub avis_referents: bool,
    pub suivi_six_mois: bool,
    pub bilan_donneur_ordre: bool,
}

impl Default for RelancesActives {
    fn default() -> Self {
        RelancesActives {
            declaration_reminder: true,
            declaration_relance: true,
            declaration_derniere_relance: true,
            renvoi_declaration: true,
            digest_facilitateur: true,
            digest_referent: true,
            avis_referents: true,
            suivi_six_mois: true,
            bilan_donneur_ordre: true,
        }
    }
}

/// Each reminder with its French name, in the order the page shows them.
pub const RELANCES: &[(&str, &str)] = &[
    ("declaration_reminder", "Rappel de déclaration aux entreprises (début du mois)"),
    ("declaration_relance", "Relance des entreprises en retard (échéance)"),
    ("declaration_derniere_relance", "Dernière relance, et liste des retards aux facilitateurs"),
    ("renvoi_declaration", "Avis à l'entreprise d'un mois renvoyé pour correction"),
    ("digest_facilitateur", "Point de la semaine des facilitateurs"),
    ("digest_referent", "Point du trimestre des référents"),
    ("avis_referents", "Avis aux référents (début, fin de contrat, seuils de sortie)"),
    ("suivi_six_mois", "Suivi à 6 mois dû"),
    ("bilan_donneur_ordre", "Bilan mensuel des donneurs d'ordre"),
];

impl RelancesActives {
    fn champ(&mut self, tache: &str) -> Option<&mut bool> {
        Some(match tache {
            "declaration_reminder" => &mut self.declaration_reminder,
            "declaration_relance" => &mut self.declaration_relance,
            "declaration_derniere_relance" => &mut self.declaration_derniere_relance,
            "renvoi_declaration" => &mut self.renvoi_declaration,
            "digest_facilitateur" => &mut self.digest_facilitateur,
            "digest_referent" => &mut self.digest_referent,
            "avis_referents" => &mut self.avis_referents,
            "suivi_six_mois" => &mut self.suivi_six_mois,
            "bilan_donneur_ordre" => &mut self.bilan_donneur_ordre,
            _ => return None,
        })
    }

    /// Whether the job named `tache` sends for the structure (a job that is not a
    /// reminder always runs).
    pub fn active(&self, tache: &str) -> bool {
        self.clone().champ(tache).is_none_or(|b| *b)
    }
}

impl ParametresSuivi {
    /// Reads the settings from a structure's `parametres` JSON; missing keys take defaults.
    pub fn from_structure(parametres: &serde_json::Value) -> ParametresSuivi {
        parametres.get("suivi").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        match self.avancement.erreur() {
            Some(m) => Err(vec![FieldError::new("avancement", m)]),
            None => Ok(()),
        }
    }

    /// The rule set a new clause of the structure starts with.
    pub fn regles_par_defaut(&self) -> ReglesComptage {
        ReglesComptage { avancement: self.avancement.clone(), ..ReglesComptage::default() }
    }
}

const PCT: f64 = 100.0;

/// The thresholds as form fields `<prefixe>.retard`… (shares in %).
pub fn seuils_en_champs(prefixe: &str, s: &SeuilsAvancement, v: &mut BTreeMap<String, String>) {
    v.insert(format!("{prefixe}.retard"), nombre_fr(s.retard * PCT));
    v.insert(format!("{prefixe}.critique"), nombre_fr(s.critique * PCT));
    v.insert(format!("{prefixe}.critique_periode_ecoulee"), nombre_fr(s.critique_periode_ecoulee * PCT));
    v.insert(format!("{prefixe}.avance"), nombre_fr(s.avance * PCT));
    v.insert(format!("{prefixe}.non_demarree_mois"), s.non_demarree_mois.to_string());
}

/// The thresholds typed in a form; a blank field takes `defaut`'s value, a refused one
/// gets its error next to it.
pub fn seuils_du_formulaire(f: &mut Formulaire, prefixe: &str, defaut: &SeuilsAvancement) -> SeuilsAvancement {
    let mois_champ = format!("{prefixe}.non_demarree_mois");
    let non_demarree_mois = match f.nombre(&mois_champ) {
        Some(x) if x.fract() == 0.0 && (0.0..=24.0).contains(&x) => x as u32,
        Some(_) => {
            f.erreur(&mois_champ, "Nombre entier de mois attendu, de 0 à 24.");
            defaut.non_demarree_mois
        }
        None => defaut.non_demarree_mois,
    };
    SeuilsAvancement {
        retard: f.pourcentage(&format!("{prefixe}.retard")).unwrap_or(defaut.retard),
        critique: f.pourcentage(&format!("{prefixe}.critique")).unwrap_or(defaut.critique),
        critique_periode_ecoulee: f.pourcentage(&format!("{prefixe}.critique_periode_ecoulee")).unwrap_or(defaut.critique_periode_ecoulee),
        avance: f.pourcentage(&format!("{prefixe}.avance")).unwrap_or(defaut.avance),
        non_demarree_mois,
    }
}

/// The reminders as check boxes `relances.<job>` (checked = sent).
pub fn relances_en_champs(r: &RelancesActives, v: &mut BTreeMap<String, String>) {
    for (tache, _) in RELANCES {
        if r.active(tache) {
            v.insert(format!("relances.{tache}"), "oui".into());
        }
    }
}

pub fn relances_du_formulaire(f: &Formulaire) -> RelancesActives {
    let mut r = RelancesActives::default();
    for (tache, _) in RELANCES {
        if let Some(b) = r.champ(tache) {
            *b = f.case(&format!("relances.{tache}"));
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reminder_has_its_switch_and_a_missing_section_is_all_on() {
        let p = ParametresSuivi::from_structure(&serde_json::json!({"parcours": {}}));
        assert_eq!(p, ParametresSuivi::default());
        let mut r = RelancesActives::default();
        for (tache, _) in RELANCES {
            assert!(r.active(tache));
            *r.champ(tache).expect(tache) = false;
            assert!(!r.active(tache), "{tache}");
        }
        assert!(r.active("anonymisation"), "not a reminder: always runs");
        let lu = ParametresSuivi::from_structure(&serde_json::json!({"suivi": {"relances": {"digest_referent": false}}}));
        assert!(!lu.relances.active("digest_referent") && lu.relances.active("digest_facilitateur"));
    }
}
