//! Input of the clause module, parsed into validated values (French errors per field).

use entities::enums::{TypeDonneurOrdre, TypeEntreprise};
use serde::Deserialize;
use utoipa::ToSchema;

use super::siret::Identifiant;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

/// A buyer's or a company's identity, shared by both forms.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub nom: String,
    /// A buyer's is always a SIRET.
    pub identifiant: Identifiant,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
}

fn organisation(nom_field: &str, nom: &str, (type_identifiant, siret): (entities::enums::TypeIdentifiant, &str), adresse: &Option<String>, code_postal: &Option<String>, commune: &Option<String>) -> AppResult<Organisation> {
    let mut errors = Vec::new();
    let nom = nom.trim();
    if nom.is_empty() || nom.chars().count() > 255 {
        errors.push(FieldError::new(nom_field, "Obligatoire, 255 caractères au plus."));
    }
    let siret = Identifiant::parse(type_identifiant, siret).map_err(|m| errors.push(FieldError::new("siret", m))).ok();
    let code_postal = clean(code_postal);
    if let Some(cp) = &code_postal {
        if cp.len() != 5 || !cp.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(FieldError::new("code_postal", "Le code postal compte 5 caractères."));
        }
    }
    match siret {
        Some(identifiant) if errors.is_empty() => Ok(Organisation { nom: nom.to_string(), identifiant, adresse: clean(adresse), code_postal, commune: clean(commune) }),
        _ => Err(AppError::Invalid(errors)),
    }
}


#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonneurOrdreInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub nom: String,
    #[serde(deserialize_with = "crate::texte::court")]
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeDonneurOrdre,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub adresse: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_postal: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub commune: Option<String>,
}

impl DonneurOrdreInput {
    pub fn parse(&self) -> AppResult<Organisation> {
        organisation("nom", &self.nom, (entities::enums::TypeIdentifiant::Siret, &self.siret), &self.adresse, &self.code_postal, &self.commune)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntrepriseInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub raison_sociale: String,
    /// The SIRET, or the identifier of the kind `type_identifiant`.
    #[serde(deserialize_with = "crate::texte::court")]
    pub siret: String,
    /// `siret` by default; a company without a SIRET: `tva`, `hors_ue`, `tahiti`,
    /// `ridet`, `frwf`, `irep` (its identifier kept as given).
    #[serde(default)]
    pub type_identifiant: entities::enums::TypeIdentifiant,
    #[serde(rename = "type")]
    pub type_: TypeEntreprise,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub adresse: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_postal: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub commune: Option<String>,
}

impl EntrepriseInput {
    pub fn parse(&self) -> AppResult<Organisation> {
        organisation("raison_sociale", &self.raison_sociale, (self.type_identifiant, &self.siret), &self.adresse, &self.code_postal, &self.commune)
    }
}

// ---------------------------------------------------------------- opérations, marchés

use chrono::NaiveDate;
use entities::enums::{Modalite, NatureMarche, RoleAttribution, Secteur, TypeClause, TypeContrat};

use crate::comptage::{ppm, ReglesComptage};

/// Euros as a JSON number (at most 2 decimals) → cents.
pub fn cents(field: &str, euros: f64, errors: &mut Vec<FieldError>) -> i64 {
    let c = euros * 100.0;
    if !euros.is_finite() || euros < 0.0 || euros > 1e13 {
        errors.push(FieldError::new(field, "Montant positif attendu."));
        return 0;
    }
    if (c - c.round()).abs() > 1e-6 {
        errors.push(FieldError::new(field, "Deux décimales au plus."));
    }
    c.round() as i64
}

/// A ratio in `(0, 1]` with at most 6 decimals → parts per million.
pub fn ratio(field: &str, value: f64, errors: &mut Vec<FieldError>) -> i64 {
    if !(value > 0.0 && value <= 1.0) {
        errors.push(FieldError::new(field, "Un taux entre 0 et 1 est attendu (0,05 = 5 %)."));
        return 0;
    }
    ppm(value)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationInput {
    pub donneur_ordre_id: i64,
    #[serde(deserialize_with = "crate::texte::court")]
    pub nom: String,
    #[serde(deserialize_with = "crate::texte::court")]
    pub commune: String,
    pub qpv: bool,
    #[serde(default)]
    pub anru: bool,
    pub secteur: Secteur,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_debut: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_fin: Option<NaiveDate>,
    /// The facilitateur in charge (a user of the structure).
    pub facilitateur_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub numero: String,
    #[serde(deserialize_with = "crate::texte::long")]
    pub intitule: String,
    pub montant_ht: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarcheInput {
    pub operation_id: i64,
    #[serde(deserialize_with = "crate::texte::court")]
    pub numero: String,
    #[serde(deserialize_with = "crate::texte::long")]
    pub objet: String,
    pub nature: NatureMarche,
    pub montant_ht: f64,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_debut: NaiveDate,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_fin: NaiveDate,
    /// Without lots, the marché gets one lot ("unique") carrying its amount.
    #[serde(default)]
    pub lots: Vec<LotInput>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_cpv: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub procedure: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_notification: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub lieu_execution: Option<String>,
}

/// The marchés to gather into an opération.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegroupementInput {
    pub marche_ids: Vec<i64>,
}

/// What a regrouping did.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Regroupement {
    /// Marchés that changed opération.
    pub deplaces: u64,
    /// Opérations left without marché, deleted.
    pub operations_supprimees: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributionInput {
    pub entreprise_id: i64,
    pub lot_id: i64,
    pub role: RoleAttribution,
    /// Amount carried by a cotraitant or sous-traitant (rule 6 of the counting).
    pub montant_ht: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub nom: String,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub prenom: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub fonction: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub telephone: Option<String>,
    #[serde(default = "yes")]
    pub recoit_relances: bool,
    #[serde(default)]
    pub recoit_bilans: bool,
}

fn yes() -> bool {
    true
}

// ---------------------------------------------------------------- clauses

/// The objective of a clause, by mode.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectifInput {
    /// A fixed number of hours.
    Heures { heures: f64 },
    /// montant HT × part de main-d'œuvre × taux d'insertion ÷ coût horaire chargé.
    Calcul { montant_ht: f64, part_main_oeuvre: f64, taux_insertion: f64, cout_horaire: f64 },
    /// A share of the hours worked on the marché (reported later).
    PourcentageHeures { pourcentage: f64, heures_travaillees_marche: Option<f64> },
    /// Hours per € invoiced: one hour every `euros_par_heure` € (amount invoiced reported later).
    HeuresParEuro { euros_par_heure: f64, montant_facture_ht: Option<f64> },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseInput {
    pub lot_id: i64,
    #[serde(rename = "type")]
    pub type_: TypeClause,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_debut: NaiveDate,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_fin: NaiveDate,
    pub globalisable: bool,
    pub objectif: ObjectifInput,
    /// € per missing hour.
    pub penalite_par_heure: Option<f64>,
    #[serde(default)]
    pub regles: Option<ReglesComptage>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectifForceInput {
    /// The forced objective in hours; `null` removes the override.
    pub heures: Option<f64>,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub motif: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReglesInput {
    pub regles: ReglesComptage,
    /// Rule 7: whether this lot's surplus and shortfall globalise with the other lots of
    /// the marché (unchanged when absent).
    pub globalisable: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssietteInput {
    /// Hours worked on the marché (objective "pourcentage_heures").
    pub heures_travaillees_marche: Option<f64>,
    /// Amount invoiced so far, € HT (objective "heures_par_euro").
    pub montant_facture_ht: Option<f64>,
}

// ---------------------------------------------------------------- mises en emploi

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MiseEnEmploiInput {
    pub participant_id: i64,
    pub employeur_id: i64,
    pub clause_id: i64,
    /// The attributaire on whose marché the hours are worked.
    pub attributaire_id: i64,
    pub modalite: Modalite,
    pub type_contrat: TypeContrat,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_debut: NaiveDate,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_fin_prevue: Option<NaiveDate>,
    pub heures_hebdo: f64,
    #[serde(deserialize_with = "crate::texte::court")]
    pub poste: String,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_rome: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateParam {
    /// Progress computed as at this date (`YYYY-MM-DD`); today when absent.
    pub date: Option<NaiveDate>,
}
