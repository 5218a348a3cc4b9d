//! The bilan (api.md §4): one value, rendered to JSON, CSV, XLSX and XML from the same
//! figures.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::clauses::views::HeuresNonRetenues;

/// A count of people or contrats; masked as "< 5" between 1 and 4 in buyer-facing bilans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compte {
    pub n: u64,
    pub masque: bool,
}

impl Compte {
    pub fn new(n: u64) -> Compte {
        Compte { n, masque: false }
    }

    /// The text of the cell: the number, or "< 5" when masked.
    pub fn texte(&self) -> String {
        if self.masque { "< 5".into() } else { self.n.to_string() }
    }
}

/// In OpenAPI: an integer, or the string "< 5".
impl utoipa::PartialSchema for Compte {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .item(ObjectBuilder::new().schema_type(Type::String).description(Some("\"< 5\" : effectif masqué (bilans des donneurs d'ordre)")))
            .into()
    }
}

impl ToSchema for Compte {}

impl Serialize for Compte {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.masque { s.serialize_str("< 5") } else { s.serialize_u64(self.n) }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Perimetre {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: Option<i64>,
    pub nom: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Periode {
    pub du: Option<NaiveDate>,
    pub au: Option<NaiveDate>,
}

/// One cell of a breakdown.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Ventilation {
    pub contrats: Compte,
    pub participants: Compte,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoisBilan {
    pub mois: String,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bilan {
    pub perimetre: Perimetre,
    pub periode: Periode,
    pub heures_objectif: f64,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
    pub taux_realisation: f64,
    /// Objective minus retained hours (0 when reached).
    pub ecart: f64,
    pub penalites_theoriques: f64,
    pub heures_non_retenues: HeuresNonRetenues,
    /// Estimated from sous-traitance amounts (rule 6), included in retenues.
    pub heures_estimees: f64,
    pub clauses: u64,
    pub participants: Compte,
    pub contrats: Compte,
    pub entreprises: u64,
    pub siae: u64,
    pub par_type_contrat: BTreeMap<String, Ventilation>,
    pub par_modalite: BTreeMap<String, Ventilation>,
    pub par_type_employeur: BTreeMap<String, Ventilation>,
    pub par_niveau: BTreeMap<String, Ventilation>,
    pub par_metier: BTreeMap<String, Ventilation>,
    pub par_secteur: BTreeMap<String, Ventilation>,
    /// Participants by sex, age at contrat start, QPV, level and criterion.
    pub par_public: BTreeMap<String, Compte>,
    /// Participants by situation 6 months after the end of their contrat.
    pub situation_6_mois: BTreeMap<String, Compte>,
    pub par_mois: Vec<MoisBilan>,
}

impl Bilan {
    /// The breakdowns in a fixed order, with their French titles (exports).
    /// The breakdowns: (key in JSON/XML, title, enumeration of the labels in
    /// `libelles` — empty for free text —, table).
    pub fn ventilations(&self) -> [(&'static str, &'static str, &'static str, &BTreeMap<String, Ventilation>); 6] {
        [
            ("par_type_contrat", "Par type de contrat", "type_contrat", &self.par_type_contrat),
            ("par_modalite", "Par modalité", "modalite", &self.par_modalite),
            ("par_type_employeur", "Par type d'employeur", "type_entreprise", &self.par_type_employeur),
            ("par_niveau", "Par niveau de formation", "niveau_formation", &self.par_niveau),
            ("par_metier", "Par métier", "", &self.par_metier),
            ("par_secteur", "Par secteur", "secteur", &self.par_secteur),
        ]
    }

    /// Masks every count of people or contrats between 1 and 4 (buyer-facing bilans).
    pub fn masquer(&mut self) {
        let m = |c: &mut Compte| c.masque = (1..5).contains(&c.n);
        m(&mut self.participants);
        m(&mut self.contrats);
        for v in [&mut self.par_type_contrat, &mut self.par_modalite, &mut self.par_type_employeur, &mut self.par_niveau, &mut self.par_metier, &mut self.par_secteur] {
            for cell in v.values_mut() {
                m(&mut cell.contrats);
                m(&mut cell.participants);
            }
        }
        for c in self.par_public.values_mut().chain(self.situation_6_mois.values_mut()) {
            m(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Compte;

    #[test]
    fn counts_mask_as_text() {
        assert_eq!(serde_json::to_value(Compte { n: 3, masque: true }).unwrap(), "< 5");
        assert_eq!(serde_json::to_value(Compte::new(3)).unwrap(), 3);
        assert_eq!(Compte { n: 0, masque: false }.texte(), "0");
    }
}
