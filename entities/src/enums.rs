//! Enumerations stored as their snake_case code (domain.md), in text columns on every backend.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Role of a user (domain.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Role {
    #[sea_orm(string_value = "admin")]
    #[serde(rename = "admin")]
    Admin,
    #[sea_orm(string_value = "facilitateur")]
    #[serde(rename = "facilitateur")]
    Facilitateur,
    #[sea_orm(string_value = "referent")]
    #[serde(rename = "referent")]
    Referent,
    #[sea_orm(string_value = "entreprise")]
    #[serde(rename = "entreprise")]
    Entreprise,
    #[sea_orm(string_value = "donneur_ordre")]
    #[serde(rename = "donneur_ordre")]
    DonneurOrdre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Sexe {
    #[sea_orm(string_value = "F")]
    #[serde(rename = "F")]
    F,
    #[sea_orm(string_value = "M")]
    #[serde(rename = "M")]
    M,
}

/// Niveau de formation, nomenclature 2019 (infra 3 kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum NiveauFormation {
    #[sea_orm(string_value = "infra3")]
    #[serde(rename = "infra3")]
    Infra3,
    #[sea_orm(string_value = "3")]
    #[serde(rename = "3")]
    N3,
    #[sea_orm(string_value = "4")]
    #[serde(rename = "4")]
    N4,
    #[sea_orm(string_value = "5")]
    #[serde(rename = "5")]
    N5,
    #[sea_orm(string_value = "6+")]
    #[serde(rename = "6+")]
    N6Plus,
}

/// Eligibility criteria codes of clause publics (domain.md §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CodeCritere {
    #[sea_orm(string_value = "deld")]
    #[serde(rename = "deld")]
    Deld,
    #[sea_orm(string_value = "rsa")]
    #[serde(rename = "rsa")]
    Rsa,
    #[sea_orm(string_value = "ass")]
    #[serde(rename = "ass")]
    Ass,
    #[sea_orm(string_value = "aah")]
    #[serde(rename = "aah")]
    Aah,
    #[sea_orm(string_value = "jeune_peu_qualifie")]
    #[serde(rename = "jeune_peu_qualifie")]
    JeunePeuQualifie,
    #[sea_orm(string_value = "th")]
    #[serde(rename = "th")]
    Th,
    #[sea_orm(string_value = "senior")]
    #[serde(rename = "senior")]
    Senior,
    #[sea_orm(string_value = "iae")]
    #[serde(rename = "iae")]
    Iae,
    #[sea_orm(string_value = "plie")]
    #[serde(rename = "plie")]
    Plie,
    #[sea_orm(string_value = "accompagnement_jeune")]
    #[serde(rename = "accompagnement_jeune")]
    AccompagnementJeune,
    #[sea_orm(string_value = "qpv")]
    #[serde(rename = "qpv")]
    Qpv,
    #[sea_orm(string_value = "zrr")]
    #[serde(rename = "zrr")]
    Zrr,
    #[sea_orm(string_value = "bpi")]
    #[serde(rename = "bpi")]
    Bpi,
    #[sea_orm(string_value = "autre")]
    #[serde(rename = "autre")]
    Autre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeEtape {
    #[sea_orm(string_value = "accueil_diagnostic")]
    #[serde(rename = "accueil_diagnostic")]
    AccueilDiagnostic,
    #[sea_orm(string_value = "mobilisation")]
    #[serde(rename = "mobilisation")]
    Mobilisation,
    #[sea_orm(string_value = "levee_freins")]
    #[serde(rename = "levee_freins")]
    LeveeFreins,
    #[sea_orm(string_value = "formation")]
    #[serde(rename = "formation")]
    Formation,
    #[sea_orm(string_value = "emploi")]
    #[serde(rename = "emploi")]
    Emploi,
    #[sea_orm(string_value = "creation_entreprise")]
    #[serde(rename = "creation_entreprise")]
    CreationEntreprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeContrat {
    #[sea_orm(string_value = "cdi")]
    #[serde(rename = "cdi")]
    Cdi,
    #[sea_orm(string_value = "cdd")]
    #[serde(rename = "cdd")]
    Cdd,
    #[sea_orm(string_value = "interim")]
    #[serde(rename = "interim")]
    Interim,
    #[sea_orm(string_value = "mission_etti")]
    #[serde(rename = "mission_etti")]
    MissionEtti,
    #[sea_orm(string_value = "mise_a_disposition_ai")]
    #[serde(rename = "mise_a_disposition_ai")]
    MiseADispositionAi,
    #[sea_orm(string_value = "cddi")]
    #[serde(rename = "cddi")]
    Cddi,
    #[sea_orm(string_value = "contrat_pro")]
    #[serde(rename = "contrat_pro")]
    ContratPro,
    #[sea_orm(string_value = "apprentissage")]
    #[serde(rename = "apprentissage")]
    Apprentissage,
    #[sea_orm(string_value = "pec")]
    #[serde(rename = "pec")]
    Pec,
    #[sea_orm(string_value = "cdd_usage")]
    #[serde(rename = "cdd_usage")]
    CddUsage,
    #[sea_orm(string_value = "formation")]
    #[serde(rename = "formation")]
    Formation,
}

/// Declaration workflow: brouillon -> declaree -> validee | a_corriger -> declaree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum StatutDeclaration {
    #[sea_orm(string_value = "brouillon")]
    #[serde(rename = "brouillon")]
    Brouillon,
    #[sea_orm(string_value = "declaree")]
    #[serde(rename = "declaree")]
    Declaree,
    #[sea_orm(string_value = "validee")]
    #[serde(rename = "validee")]
    Validee,
    #[sea_orm(string_value = "a_corriger")]
    #[serde(rename = "a_corriger")]
    ACorriger,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CategorieSortie {
    #[sea_orm(string_value = "positive_emploi")]
    #[serde(rename = "positive_emploi")]
    PositiveEmploi,
    #[sea_orm(string_value = "positive_formation")]
    #[serde(rename = "positive_formation")]
    PositiveFormation,
    #[sea_orm(string_value = "dynamique")]
    #[serde(rename = "dynamique")]
    Dynamique,
    #[sea_orm(string_value = "autre")]
    #[serde(rename = "autre")]
    Autre,
}

/// Situation 6 months after a contrat ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum SituationSuivi {
    #[sea_orm(string_value = "emploi_durable")]
    #[serde(rename = "emploi_durable")]
    EmploiDurable,
    #[sea_orm(string_value = "emploi_transition")]
    #[serde(rename = "emploi_transition")]
    EmploiTransition,
    #[sea_orm(string_value = "formation")]
    #[serde(rename = "formation")]
    Formation,
    #[sea_orm(string_value = "recherche")]
    #[serde(rename = "recherche")]
    Recherche,
    #[sea_orm(string_value = "inconnu")]
    #[serde(rename = "inconnu")]
    Inconnu,
}

/// Who sent the participant. Some kinds are sensitive (justice, santé) and never shown to buyers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypePrescripteur {
    #[sea_orm(string_value = "france_travail")]
    #[serde(rename = "france_travail")]
    FranceTravail,
    #[sea_orm(string_value = "mission_locale")]
    #[serde(rename = "mission_locale")]
    MissionLocale,
    #[sea_orm(string_value = "cap_emploi")]
    #[serde(rename = "cap_emploi")]
    CapEmploi,
    #[sea_orm(string_value = "departement")]
    #[serde(rename = "departement")]
    Departement,
    #[sea_orm(string_value = "ccas")]
    #[serde(rename = "ccas")]
    Ccas,
    #[sea_orm(string_value = "plie")]
    #[serde(rename = "plie")]
    Plie,
    #[sea_orm(string_value = "siae")]
    #[serde(rename = "siae")]
    Siae,
    #[sea_orm(string_value = "association")]
    #[serde(rename = "association")]
    Association,
    #[sea_orm(string_value = "spip")]
    #[serde(rename = "spip")]
    Spip,
    #[sea_orm(string_value = "structure_sante")]
    #[serde(rename = "structure_sante")]
    StructureSante,
    #[sea_orm(string_value = "autre")]
    #[serde(rename = "autre")]
    Autre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeDonneurOrdre {
    #[sea_orm(string_value = "commune")]
    #[serde(rename = "commune")]
    Commune,
    #[sea_orm(string_value = "epci")]
    #[serde(rename = "epci")]
    Epci,
    #[sea_orm(string_value = "departement")]
    #[serde(rename = "departement")]
    Departement,
    #[sea_orm(string_value = "region")]
    #[serde(rename = "region")]
    Region,
    #[sea_orm(string_value = "etat")]
    #[serde(rename = "etat")]
    Etat,
    #[sea_orm(string_value = "etablissement_public")]
    #[serde(rename = "etablissement_public")]
    EtablissementPublic,
    #[sea_orm(string_value = "bailleur_social")]
    #[serde(rename = "bailleur_social")]
    BailleurSocial,
    #[sea_orm(string_value = "sem")]
    #[serde(rename = "sem")]
    Sem,
    #[sea_orm(string_value = "prive")]
    #[serde(rename = "prive")]
    Prive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Secteur {
    #[sea_orm(string_value = "btp")]
    #[serde(rename = "btp")]
    Btp,
    #[sea_orm(string_value = "hors_btp")]
    #[serde(rename = "hors_btp")]
    HorsBtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum NatureMarche {
    #[sea_orm(string_value = "travaux")]
    #[serde(rename = "travaux")]
    Travaux,
    #[sea_orm(string_value = "services")]
    #[serde(rename = "services")]
    Services,
    #[sea_orm(string_value = "fournitures")]
    #[serde(rename = "fournitures")]
    Fournitures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeClause {
    #[sea_orm(string_value = "execution")]
    #[serde(rename = "execution")]
    Execution,
    #[sea_orm(string_value = "attribution")]
    #[serde(rename = "attribution")]
    Attribution,
    #[sea_orm(string_value = "reserve_siae")]
    #[serde(rename = "reserve_siae")]
    ReserveSiae,
    #[sea_orm(string_value = "reserve_handicap")]
    #[serde(rename = "reserve_handicap")]
    ReserveHandicap,
    #[sea_orm(string_value = "marche_insertion")]
    #[serde(rename = "marche_insertion")]
    MarcheInsertion,
}

/// How a clause's objective in hours is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ModeObjectif {
    #[sea_orm(string_value = "heures")]
    #[serde(rename = "heures")]
    Heures,
    #[sea_orm(string_value = "calcul")]
    #[serde(rename = "calcul")]
    Calcul,
    #[sea_orm(string_value = "pourcentage_heures")]
    #[serde(rename = "pourcentage_heures")]
    PourcentageHeures,
    #[sea_orm(string_value = "heures_par_euro")]
    #[serde(rename = "heures_par_euro")]
    HeuresParEuro,
}

/// How a company is identified: a SIRET (French establishments), else the identifier the
/// DECP use for companies without one (kept as given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeIdentifiant {
    #[default]
    #[sea_orm(string_value = "siret")]
    #[serde(rename = "siret")]
    Siret,
    /// Numéro de TVA intracommunautaire (a company of another EU country).
    #[sea_orm(string_value = "tva")]
    #[serde(rename = "tva")]
    Tva,
    /// A company outside the EU (its national identifier).
    #[sea_orm(string_value = "hors_ue")]
    #[serde(rename = "hors_ue")]
    HorsUe,
    /// French Polynesia's register.
    #[sea_orm(string_value = "tahiti")]
    #[serde(rename = "tahiti")]
    Tahiti,
    /// New Caledonia's register.
    #[sea_orm(string_value = "ridet")]
    #[serde(rename = "ridet")]
    Ridet,
    /// Wallis-et-Futuna's register.
    #[sea_orm(string_value = "frwf")]
    #[serde(rename = "frwf")]
    Frwf,
    /// Identifiant du répertoire des entreprises (IREP).
    #[sea_orm(string_value = "irep")]
    #[serde(rename = "irep")]
    Irep,
}

/// Kind of company. SIAE is derived from it: ei, etti, aci, ai, eiti.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TypeEntreprise {
    #[sea_orm(string_value = "classique")]
    #[serde(rename = "classique")]
    Classique,
    #[sea_orm(string_value = "ei")]
    #[serde(rename = "ei")]
    Ei,
    #[sea_orm(string_value = "etti")]
    #[serde(rename = "etti")]
    Etti,
    #[sea_orm(string_value = "aci")]
    #[serde(rename = "aci")]
    Aci,
    #[sea_orm(string_value = "ai")]
    #[serde(rename = "ai")]
    Ai,
    #[sea_orm(string_value = "eiti")]
    #[serde(rename = "eiti")]
    Eiti,
    #[sea_orm(string_value = "geiq")]
    #[serde(rename = "geiq")]
    Geiq,
    #[sea_orm(string_value = "ea")]
    #[serde(rename = "ea")]
    Ea,
    #[sea_orm(string_value = "esat")]
    #[serde(rename = "esat")]
    Esat,
    #[sea_orm(string_value = "ett")]
    #[serde(rename = "ett")]
    Ett,
    #[sea_orm(string_value = "organisme_formation")]
    #[serde(rename = "organisme_formation")]
    OrganismeFormation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum RoleAttribution {
    #[sea_orm(string_value = "titulaire")]
    #[serde(rename = "titulaire")]
    Titulaire,
    #[sea_orm(string_value = "cotraitant")]
    #[serde(rename = "cotraitant")]
    Cotraitant,
    #[sea_orm(string_value = "soustraitant")]
    #[serde(rename = "soustraitant")]
    Soustraitant,
}

/// How a contrat's hours reach a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Modalite {
    #[sea_orm(string_value = "embauche_directe")]
    #[serde(rename = "embauche_directe")]
    EmbaucheDirecte,
    #[sea_orm(string_value = "mise_a_disposition")]
    #[serde(rename = "mise_a_disposition")]
    MiseADisposition,
    #[sea_orm(string_value = "sous_traitance")]
    #[serde(rename = "sous_traitance")]
    SousTraitance,
    #[sea_orm(string_value = "cotraitance")]
    #[serde(rename = "cotraitance")]
    Cotraitance,
    #[sea_orm(string_value = "formation")]
    #[serde(rename = "formation")]
    Formation,
}

/// Outbox state of an e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum StatutEnvoi {
    #[sea_orm(string_value = "en_attente")]
    #[serde(rename = "en_attente")]
    EnAttente,
    #[sea_orm(string_value = "envoye")]
    #[serde(rename = "envoye")]
    Envoye,
    #[sea_orm(string_value = "echec")]
    #[serde(rename = "echec")]
    Echec,
    #[sea_orm(string_value = "abandonne")]
    #[serde(rename = "abandonne")]
    Abandonne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum StatutJob {
    #[sea_orm(string_value = "en_cours")]
    #[serde(rename = "en_cours")]
    EnCours,
    #[sea_orm(string_value = "reussi")]
    #[serde(rename = "reussi")]
    Reussi,
    #[sea_orm(string_value = "echoue")]
    #[serde(rename = "echoue")]
    Echoue,
}
