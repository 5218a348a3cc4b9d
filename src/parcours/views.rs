//! What the parcours API returns.

use chrono::{DateTime, NaiveDate, Utc};
use entities::enums::{NiveauFormation, Sexe, TypePrescripteur};
use entities::participants;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub id: i64,
    pub nom: String,
    pub prenom: String,
    pub date_naissance: NaiveDate,
    pub sexe: Sexe,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: String,
    pub qpv: bool,
    pub qpv_code: Option<String>,
    pub niveau_formation: NiveauFormation,
    pub demandeur_emploi_depuis: Option<NaiveDate>,
    pub inscrit_france_travail: bool,
    pub beneficiaire_rsa: bool,
    pub beneficiaire_ass: bool,
    /// Health data (RGPD art. 9): given to the participant's référent and to admins only,
    /// absent for everyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiaire_aah: Option<bool>,
    /// Health data, as `beneficiaire_aah`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rqth: Option<bool>,
    pub telephone: Option<String>,
    pub email: Option<String>,
    pub referent_id: Option<i64>,
    pub prescripteur_type: Option<TypePrescripteur>,
    pub prescripteur_nom: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Participant {
    /// `details`: whether the caller may read health data (`voit_details_sensibles`).
    pub fn vu(m: participants::Model, details: bool) -> Self {
        Participant {
            id: m.id,
            nom: m.nom,
            prenom: m.prenom,
            date_naissance: m.date_naissance,
            sexe: m.sexe,
            adresse: m.adresse,
            code_postal: m.code_postal,
            commune: m.commune,
            qpv: m.qpv,
            qpv_code: m.qpv_code,
            niveau_formation: m.niveau_formation,
            demandeur_emploi_depuis: m.demandeur_emploi_depuis,
            inscrit_france_travail: m.inscrit_france_travail,
            beneficiaire_rsa: m.beneficiaire_rsa,
            beneficiaire_ass: m.beneficiaire_ass,
            beneficiaire_aah: details.then_some(m.beneficiaire_aah),
            rqth: details.then_some(m.rqth),
            telephone: m.telephone,
            email: m.email,
            referent_id: m.referent_id,
            prescripteur_type: m.prescripteur_type,
            prescripteur_nom: m.prescripteur_nom,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

// ---------------------------------------------------------------- critères

use entities::enums::{CategorieSortie, CodeCritere, SituationSuivi, StatutDeclaration, TypeContrat, TypeEtape};
use entities::{contrats, criteres, etapes, heures_mensuelles, protocoles, sorties, suivis_six_mois};

use super::eligibilite::Eligibilite;
use super::limites::{format_mois, heures};
use super::protocole::{RegleEvaluee, Regles};

#[derive(Debug, Serialize, ToSchema)]
pub struct Critere {
    pub id: i64,
    pub participant_id: i64,
    pub code: CodeCritere,
    pub libelle: Option<String>,
    pub justificatif: String,
    pub justification: Option<String>,
    pub date_verification: NaiveDate,
    pub verifie_par_id: Option<i64>,
    pub valide_jusqu_au: Option<NaiveDate>,
    pub retire: bool,
    pub retire_at: Option<DateTime<Utc>>,
    pub motif_retrait: Option<String>,
}

impl From<criteres::Model> for Critere {
    fn from(c: criteres::Model) -> Self {
        Critere {
            id: c.id,
            participant_id: c.participant_id,
            code: c.code,
            libelle: c.libelle,
            justificatif: c.justificatif,
            justification: c.justification,
            date_verification: c.date_verification,
            verifie_par_id: c.verifie_par_id,
            valide_jusqu_au: c.valide_jusqu_au,
            retire: c.retire_at.is_some(),
            retire_at: c.retire_at,
            motif_retrait: c.motif_retrait,
        }
    }
}

impl Critere {
    /// A disability criterion (`th`) is health data: its label and proofs are given to the
    /// participant's référent and to admins only (`details`); others see that it holds.
    pub fn vu(c: criteres::Model, details: bool) -> Critere {
        let masquer = c.code == CodeCritere::Th && !details;
        let mut vu = Critere::from(c);
        if masquer {
            vu.libelle = None;
            vu.justificatif = MASQUE.into();
            vu.justification = None;
        }
        vu
    }
}

// ---------------------------------------------------------------- contrats, heures

#[derive(Debug, Serialize, ToSchema)]
pub struct Contrat {
    pub id: i64,
    pub participant_id: i64,
    pub etape_id: i64,
    pub employeur_id: i64,
    pub type_contrat: TypeContrat,
    pub date_debut: NaiveDate,
    pub date_fin_prevue: Option<NaiveDate>,
    pub date_fin_reelle: Option<NaiveDate>,
    pub motif_fin: Option<String>,
    pub heures_hebdo: f64,
    pub poste: String,
    pub code_rome: Option<String>,
    /// Eligibility of the participant at the contrat start (domain.md §3.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibilite: Option<Eligibilite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<bool>,
}

impl Contrat {
    pub fn new(c: contrats::Model, eligibilite: Option<Eligibilite>) -> Contrat {
        Contrat {
            id: c.id,
            participant_id: c.participant_id,
            etape_id: c.etape_id,
            employeur_id: c.employeur_id,
            type_contrat: c.type_contrat,
            date_debut: c.date_debut,
            date_fin_prevue: c.date_fin_prevue,
            date_fin_reelle: c.date_fin_reelle,
            motif_fin: c.motif_fin,
            heures_hebdo: heures(c.minutes_hebdo.into()),
            poste: c.poste,
            code_rome: c.code_rome,
            eligible: eligibilite.as_ref().map(|e| e.eligible),
            eligibilite,
        }
    }
}

/// One revision of a contrat's hours for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeuresMois {
    pub contrat_id: i64,
    /// `YYYY-MM`
    pub mois: String,
    pub revision: i32,
    pub courante: bool,
    pub statut: StatutDeclaration,
    pub heures_travail: f64,
    pub heures_formation: f64,
    pub motif: Option<String>,
    pub declare_par_id: Option<i64>,
    pub declare_at: Option<DateTime<Utc>>,
    pub decide_par_id: Option<i64>,
    pub decide_at: Option<DateTime<Utc>>,
    pub motif_decision: Option<String>,
    /// Who certified the hours declared, and when.
    pub atteste_par_id: Option<i64>,
    pub atteste_at: Option<DateTime<Utc>>,
}

impl From<heures_mensuelles::Model> for HeuresMois {
    fn from(h: heures_mensuelles::Model) -> Self {
        HeuresMois {
            contrat_id: h.contrat_id,
            mois: format_mois(h.mois),
            revision: h.revision,
            courante: h.courante,
            statut: h.statut,
            heures_travail: heures(h.minutes_travail.into()),
            heures_formation: heures(h.minutes_formation.into()),
            motif: h.motif,
            declare_par_id: h.declare_par_id,
            declare_at: h.declare_at,
            decide_par_id: h.decide_par_id,
            decide_at: h.decide_at,
            motif_decision: h.motif_decision,
            atteste_par_id: h.atteste_par_id,
            atteste_at: h.atteste_at,
        }
    }
}

/// A month with its current revision and every revision, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoriqueMois {
    pub courante: HeuresMois,
    pub revisions: Vec<HeuresMois>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suivi {
    pub contrat_id: i64,
    pub date_echeance: NaiveDate,
    pub date_realisation: Option<NaiveDate>,
    pub situation: Option<SituationSuivi>,
    pub commentaire: Option<String>,
}

impl From<suivis_six_mois::Model> for Suivi {
    fn from(s: suivis_six_mois::Model) -> Self {
        Suivi { contrat_id: s.contrat_id, date_echeance: s.date_echeance, date_realisation: s.date_realisation, situation: s.situation, commentaire: s.commentaire }
    }
}

// ---------------------------------------------------------------- étapes, parcours

#[derive(Debug, Serialize, ToSchema)]
pub struct Etape {
    pub id: i64,
    pub participant_id: i64,
    #[serde(rename = "type")]
    pub type_: TypeEtape,
    pub sous_type: Option<String>,
    pub intitule: String,
    pub date_debut: NaiveDate,
    pub date_fin: Option<NaiveDate>,
    pub resultat: Option<String>,
    pub heures_formation: Option<f64>,
    pub certification: Option<String>,
    /// Sensitive (levée de freins): details only for the référent and admins.
    pub sensible: bool,
    /// The contrat of an `emploi` étape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contrat: Option<Contrat>,
}

pub const MASQUE: &str = "Confidentiel";

impl Etape {
    /// `details`: whether the caller may read sensitive details.
    pub fn new(e: etapes::Model, contrat: Option<Contrat>, details: bool) -> Etape {
        let masquer = e.sensible && !details;
        Etape {
            id: e.id,
            participant_id: e.participant_id,
            type_: e.r#type,
            sous_type: if masquer { None } else { e.sous_type },
            intitule: if masquer { MASQUE.into() } else { e.intitule },
            date_debut: e.date_debut,
            date_fin: e.date_fin,
            resultat: if masquer { None } else { e.resultat },
            heures_formation: e.minutes_formation.map(|m| heures(m.into())),
            certification: e.certification,
            sensible: e.sensible,
            contrat,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sortie {
    pub id: i64,
    pub participant_id: i64,
    pub date_sortie: NaiveDate,
    pub situation: String,
    pub categorie: CategorieSortie,
    pub protocole_id: Option<i64>,
    /// Every rule evaluated, and whether it held.
    #[schema(value_type = Vec<RegleEvaluee>)]
    pub explication: serde_json::Value,
    pub commentaire: Option<String>,
}

impl From<sorties::Model> for Sortie {
    fn from(s: sorties::Model) -> Self {
        Sortie { id: s.id, participant_id: s.participant_id, date_sortie: s.date_sortie, situation: s.situation, categorie: s.categorie, protocole_id: s.protocole_id, explication: s.explication, commentaire: s.commentaire }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Parcours {
    pub participant: Participant,
    pub criteres: Vec<Critere>,
    /// Every étape, oldest first; an `emploi` étape carries its contrat.
    pub etapes: Vec<Etape>,
    pub sorties: Vec<Sortie>,
    pub eligibilite: Eligibilite,
}

/// Everything held on a person (`GET /participants/{id}/export`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportParticipant {
    pub genere_le: chrono::DateTime<chrono::Utc>,
    pub parcours: Parcours,
    /// Every revision of every month of hours of its contrats, oldest first.
    pub heures: Vec<HeuresMois>,
    /// Its référents over time.
    pub referents: Vec<AssignationReferent>,
    pub suivis_six_mois: Vec<Suivi>,
}

/// Who followed a participant, from when to when (`au` empty: still).
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignationReferent {
    pub referent_id: i64,
    pub referent: String,
    pub du: NaiveDate,
    pub au: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Protocole {
    pub id: Option<i64>,
    pub nom: String,
    pub version: i32,
    pub actif: bool,
    pub regles: Regles,
    pub created_at: Option<DateTime<Utc>>,
}

impl Protocole {
    pub fn from_model(p: protocoles::Model) -> Protocole {
        let regles = serde_json::from_value(p.regles).unwrap_or_default();
        Protocole { id: Some(p.id), nom: p.nom, version: p.version, actif: p.actif, regles, created_at: Some(p.created_at) }
    }

    /// The built-in default, in force until a structure records its own.
    pub fn defaut() -> Protocole {
        Protocole { id: None, nom: "Règles par défaut".into(), version: 0, actif: true, regles: Regles::default(), created_at: None }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferentAssignation {
    pub referent_id: i64,
    pub du: NaiveDate,
    pub au: Option<NaiveDate>,
    pub assigne_par_id: Option<i64>,
}

impl From<entities::referent_assignations::Model> for ReferentAssignation {
    fn from(a: entities::referent_assignations::Model) -> Self {
        ReferentAssignation { referent_id: a.referent_id, du: a.du, au: a.au, assigne_par_id: a.assigne_par_id }
    }
}
