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

    /// The text of the cell: the number, or "< 5" when masked (« masqué » for a row of
    /// 5 or more hidden so that another cannot be deduced from the total).
    pub fn texte(&self) -> String {
        match (self.masque, self.n) {
            (false, n) => n.to_string(),
            (true, 0..5) => "< 5".into(),
            (true, _) => MASQUE.into(),
        }
    }
}

/// In OpenAPI: an integer, or the string "< 5".
impl utoipa::PartialSchema for Compte {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .item(ObjectBuilder::new().schema_type(Type::String).description(Some("\"< 5\" ou \"masqué\" : effectif masqué (bilans des donneurs d'ordre)")))
            .into()
    }
}

impl ToSchema for Compte {}

impl Serialize for Compte {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.masque { s.serialize_str(&self.texte()) } else { s.serialize_u64(self.n) }
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
    /// Null when the row is masked (buyer-facing bilans): its hours would be a few
    /// people's.
    pub heures_realisees: Option<f64>,
    pub heures_retenues: Option<f64>,
}

/// The text of a row's hours in exports and pages: the figure, or « masqué ».
pub fn heures_ou_masque(h: Option<f64>, format: impl Fn(f64) -> String) -> String {
    h.map(format).unwrap_or_else(|| MASQUE.to_string())
}

/// What a masked cell says when it is not a count below 5.
pub const MASQUE: &str = "masqué";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoisBilan {
    pub mois: String,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
}

/// One month of the progression: cumulative retained hours against the expected line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progression {
    pub mois: String,
    /// Retained hours from the period's start to the month's end.
    pub heures_retenues_cumulees: f64,
    /// Hours the clauses expected over the same months at a steady pace.
    pub heures_attendues_cumulees: f64,
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
    /// Every month of the period: cumulative retained and expected hours.
    pub progression: Vec<Progression>,
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
            masquer_ventilation(v);
        }
        for c in self.par_public.values_mut().chain(self.situation_6_mois.values_mut()) {
            m(c);
        }
    }
}

/// The one rule of a breakdown shown to a buyer: a row counting 1 to 4 people or contrats
/// hides its counts and its hours (primary suppression); when that leaves a single hidden
/// row, the smallest other non-empty row is hidden too (secondary suppression), so that no
/// hidden row can be recovered by subtracting the others from the bilan's total.
pub fn masquer_ventilation(v: &mut BTreeMap<String, Ventilation>) {
    let petit = |c: &Ventilation| (1..5).contains(&c.participants.n) || (1..5).contains(&c.contrats.n);
    let mut caches: Vec<String> = v.iter().filter(|(_, c)| petit(c)).map(|(k, _)| k.clone()).collect();
    if caches.len() == 1 {
        let autre = v.iter().filter(|(k, c)| !caches.contains(k) && (c.participants.n > 0 || c.contrats.n > 0)).min_by_key(|(k, c)| (c.participants.n, c.contrats.n, (*k).clone())).map(|(k, _)| k.clone());
        caches.extend(autre);
    }
    for k in caches {
        if let Some(c) = v.get_mut(&k) {
            c.contrats.masque = true;
            c.participants.masque = true;
            c.heures_realisees = None;
            c.heures_retenues = None;
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

    fn ligne(n: u64, h: f64) -> super::Ventilation {
        super::Ventilation { contrats: Compte::new(n), participants: Compte::new(n), heures_realisees: Some(h), heures_retenues: Some(h) }
    }

    #[test]
    fn one_small_row_hides_another_so_that_no_total_gives_it_away() {
        // One person per métier: every row is hidden.
        let mut v: std::collections::BTreeMap<String, super::Ventilation> = [("Maçon", ligne(1, 120.0)), ("Peintre", ligne(1, 90.0)), ("Coffreur", ligne(1, 70.0))].into_iter().map(|(k, l)| (k.to_string(), l)).collect();
        super::masquer_ventilation(&mut v);
        assert!(v.values().all(|l| l.heures_retenues.is_none() && l.participants.texte() == "< 5"));
        // Exactly one small row: the smallest other row is hidden with it, the rest shown.
        let mut v: std::collections::BTreeMap<String, super::Ventilation> = [("Maçon", ligne(2, 300.0)), ("Peintre", ligne(8, 900.0)), ("Coffreur", ligne(12, 1500.0))].into_iter().map(|(k, l)| (k.to_string(), l)).collect();
        super::masquer_ventilation(&mut v);
        assert_eq!((v["Maçon"].heures_retenues, v["Maçon"].participants.texte()), (None, "< 5".to_string()));
        assert_eq!((v["Peintre"].heures_retenues, v["Peintre"].participants.texte()), (None, "masqué".to_string()));
        assert_eq!((v["Coffreur"].heures_retenues, v["Coffreur"].participants.texte()), (Some(1500.0), "12".to_string()));
        // No small row: nothing hidden.
        let mut v: std::collections::BTreeMap<String, super::Ventilation> = [("Maçon", ligne(6, 300.0)), ("Peintre", ligne(8, 900.0))].into_iter().map(|(k, l)| (k.to_string(), l)).collect();
        super::masquer_ventilation(&mut v);
        assert!(v.values().all(|l| l.heures_retenues.is_some()));
    }
}
