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
    pub beneficiaire_aah: bool,
    pub rqth: bool,
    pub telephone: Option<String>,
    pub email: Option<String>,
    pub referent_id: Option<i64>,
    pub prescripteur_type: Option<TypePrescripteur>,
    pub prescripteur_nom: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<participants::Model> for Participant {
    fn from(m: participants::Model) -> Self {
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
            beneficiaire_aah: m.beneficiaire_aah,
            rqth: m.rqth,
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
