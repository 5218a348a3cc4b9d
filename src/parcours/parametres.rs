//! The parcours settings of a structure (stored in `structures.parametres.parcours`),
//! with the defaults of domain.md.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ParametresParcours {
    /// A criterion counts if verified at most this many months before the date (default 6).
    pub eligibilite_mois: u32,
    /// Monthly cap: this many hours per week overlapped by the contrat (default 48).
    pub heures_max_semaine: u32,
    /// Monthly cap: never more than this many hours per working day (default 10).
    pub heures_max_jour_ouvre: u32,
    /// The follow-up is due this many months after a contrat ends (default 6).
    pub suivi_mois_apres_fin: u32,
    /// A participant is anonymised this many years after its last contrat or exit
    /// (RGPD retention; default 5).
    pub anonymisation_annees: u32,
}

impl Default for ParametresParcours {
    fn default() -> Self {
        ParametresParcours { eligibilite_mois: 6, heures_max_semaine: 48, heures_max_jour_ouvre: 10, suivi_mois_apres_fin: 6, anonymisation_annees: 5 }
    }
}

impl ParametresParcours {
    /// Reads the settings from a structure's `parametres` JSON; missing keys take defaults.
    pub fn from_structure(parametres: &serde_json::Value) -> ParametresParcours {
        parametres.get("parcours").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), Vec<crate::error::FieldError>> {
        use crate::error::FieldError;
        let mut errors = Vec::new();
        if !(1..=36).contains(&self.eligibilite_mois) {
            errors.push(FieldError::new("eligibilite_mois", "Entre 1 et 36 mois."));
        }
        if !(1..=60).contains(&self.heures_max_semaine) {
            errors.push(FieldError::new("heures_max_semaine", "Entre 1 et 60 heures."));
        }
        if !(1..=12).contains(&self.heures_max_jour_ouvre) {
            errors.push(FieldError::new("heures_max_jour_ouvre", "Entre 1 et 12 heures."));
        }
        if !(1..=30).contains(&self.anonymisation_annees) {
            errors.push(FieldError::new("anonymisation_annees", "Entre 1 et 30 ans."));
        }
        if !(1..=24).contains(&self.suivi_mois_apres_fin) {
            errors.push(FieldError::new("suivi_mois_apres_fin", "Entre 1 et 24 mois."));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}
