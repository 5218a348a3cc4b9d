//! Registering and editing a participant in the browser, on the parcours service (the
//! same validation and French messages as the API). A likely duplicate — same name and
//! birth date in the structure — is said before anything is written, and registered only
//! once the person confirms it is someone else. Health data (RQTH, AAH) are asked only of
//! those who may read them (the référent, administrators); the others' edits keep them.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::enums::{NiveauFormation, Role, Sexe, TypePrescripteur};
use entities::participants;
use serde::Serialize;

use super::forms::ParticipantInput;
use super::service::participants as service;
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::{fil, flash, render, ApiForm, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new().route("/participants/nouveau", get(nouveau).post(creer)).route("/participants/{id}/modifier", get(modifier).post(enregistrer))
}

const SUIVI: &[Role] = &[Role::Admin, Role::Facilitateur, Role::Referent];

/// A participant already registered that looks like the one typed.
#[derive(Serialize)]
struct Doublon {
    id: i64,
    nom: String,
    /// Whether the caller may open its record.
    visible: bool,
}

/// The form's values of an existing participant.
fn valeurs(p: &participants::Model) -> BTreeMap<String, String> {
    let case = |b: bool| if b { "oui".to_string() } else { String::new() };
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    BTreeMap::from([
        ("nom".into(), p.nom.clone()),
        ("prenom".into(), p.prenom.clone()),
        ("date_naissance".into(), p.date_naissance.to_string()),
        ("sexe".into(), crate::text::code(p.sexe)),
        ("commune".into(), p.commune.clone()),
        ("code_postal".into(), p.code_postal.clone().unwrap_or_default()),
        ("adresse".into(), p.adresse.clone().unwrap_or_default()),
        ("qpv".into(), case(p.qpv)),
        ("qpv_code".into(), p.qpv_code.clone().unwrap_or_default()),
        ("niveau_formation".into(), crate::text::code(p.niveau_formation)),
        ("demandeur_emploi_depuis".into(), date(p.demandeur_emploi_depuis)),
        ("inscrit_france_travail".into(), case(p.inscrit_france_travail)),
        ("beneficiaire_rsa".into(), case(p.beneficiaire_rsa)),
        ("beneficiaire_ass".into(), case(p.beneficiaire_ass)),
        ("beneficiaire_aah".into(), case(p.beneficiaire_aah)),
        ("rqth".into(), case(p.rqth)),
        ("telephone".into(), p.telephone.clone().unwrap_or_default()),
        ("email".into(), p.email.clone().unwrap_or_default()),
        ("prescripteur_type".into(), p.prescripteur_type.map(crate::text::code).unwrap_or_default()),
        ("prescripteur_nom".into(), p.prescripteur_nom.clone().unwrap_or_default()),
    ])
}

/// The participant typed in the form, or None when a field cannot be read (its error is
/// set next to it).
fn lire(f: &mut Formulaire) -> Option<ParticipantInput> {
    let (nom, prenom) = (f.obligatoire("nom"), f.obligatoire("prenom"));
    let date_naissance = f.date_obligatoire("date_naissance");
    let sexe: Option<Sexe> = f.code("sexe");
    let commune = f.obligatoire("commune");
    let niveau: Option<NiveauFormation> = f.code("niveau_formation");
    let prescripteur_type: Option<TypePrescripteur> = if f.texte("prescripteur_type").is_empty() { None } else { f.code("prescripteur_type") };
    let input = ParticipantInput {
        nom,
        prenom,
        date_naissance,
        sexe: sexe?,
        commune,
        qpv: f.case("qpv"),
        niveau_formation: niveau?,
        adresse: f.option("adresse"),
        code_postal: f.option("code_postal"),
        qpv_code: f.option("qpv_code"),
        demandeur_emploi_depuis: f.date("demandeur_emploi_depuis"),
        inscrit_france_travail: f.case("inscrit_france_travail"),
        beneficiaire_rsa: f.case("beneficiaire_rsa"),
        beneficiaire_ass: f.case("beneficiaire_ass"),
        beneficiaire_aah: f.case("beneficiaire_aah"),
        rqth: f.case("rqth"),
        telephone: f.option("telephone"),
        email: f.option("email"),
        prescripteur_type,
        prescripteur_nom: f.option("prescripteur_nom"),
    };
    f.valide().then_some(input)
}

/// The likely duplicates of the participant typed (same name and birth date in the
/// structure, `sauf` itself), until the person confirms it is someone else: then none.
async fn a_confirmer(state: &AppState, c: &Connecte, f: &mut Formulaire, input: &ParticipantInput, sauf: Option<i64>) -> Result<Vec<Doublon>, AppError> {
    if f.case("doublon_confirme") {
        return Ok(Vec::new());
    }
    let semblables = service::semblables(&state.db, &c.acteur, &input.nom, &input.prenom, input.date_naissance, sauf).await?;
    if !semblables.is_empty() {
        f.erreur("doublon_confirme", "Un participant porte déjà ce nom et cette date de naissance : vérifiez qu'il ne s'agit pas de la même personne, puis confirmez.");
    }
    Ok(semblables.into_iter().map(|(p, visible)| Doublon { id: p.id, nom: format!("{} {}", p.prenom, p.nom), visible }).collect())
}

async fn page(state: &AppState, c: &Connecte, id: Option<(i64, String)>, f: &Formulaire, sante: bool, doublons: &[Doublon], status: StatusCode) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("id", &id.as_ref().map(|(i, _)| *i));
    ctx.insert("sante", &sante);
    ctx.insert("doublons", doublons);
    ctx.insert("sexes", crate::libelles::options("sexe"));
    ctx.insert("niveaux", crate::libelles::options("niveau_formation"));
    ctx.insert("prescripteurs", crate::libelles::options("type_prescripteur"));
    let fil = match &id {
        Some((i, nom)) => fil(&[("Participants", "/participants"), (nom, &format!("/participants/{i}")), ("Modifier", "")]),
        None => fil(&[("Participants", "/participants"), ("Nouveau participant", "")]),
    };
    ctx.insert("fil", &fil);
    Ok((status, render(state, "parcours/participant_form.html", Some(c), ctx)?).into_response())
}

/// Who may see and type health data on a new participant: a référent (who will follow
/// it) and administrators.
fn sante_a_la_creation(c: &Connecte) -> bool {
    matches!(c.acteur.role, Role::Admin | Role::Referent)
}

async fn nouveau(State(state): State<AppState>, c: Connecte) -> Result<Response, AppError> {
    c.acteur.require(SUIVI)?;
    page(&state, &c, None, &Formulaire::default(), sante_a_la_creation(&c), &[], StatusCode::OK).await
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let sante = sante_a_la_creation(&c);
    let mut doublons = Vec::new();
    if let Some(mut input) = lire(&mut f) {
        if !sante {
            (input.rqth, input.beneficiaire_aah) = (false, false);
        }
        doublons = a_confirmer(&state, &c, &mut f, &input, None).await?;
        if doublons.is_empty() {
            match service::create_participant(&state.db, &state.clock, &c.acteur, input).await {
                Ok(p) => return Ok(flash::rediriger(&format!("/participants/{}", p.id), &format!("{} {} est inscrit·e.", p.prenom, p.nom))),
                Err(e) => f.refus(e, "nom")?,
            }
        }
    }
    page(&state, &c, None, &f, sante, &doublons, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn modifier(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    service::peut_modifier_parcours(&c.acteur)?;
    let p = service::get_participant(&state.db, &c.acteur, id).await?;
    let sante = service::voit_details_sensibles(&c.acteur, &p);
    let nom = format!("{} {}", p.prenom, p.nom);
    page(&state, &c, Some((id, nom)), &Formulaire::de(valeurs(&p)), sante, &[], StatusCode::OK).await
}

async fn enregistrer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let avant = service::get_participant(&state.db, &c.acteur, id).await?;
    let sante = service::voit_details_sensibles(&c.acteur, &avant);
    let mut doublons = Vec::new();
    if let Some(input) = lire(&mut f) {
        // Asked again only when the name or the birth date changes.
        let meme = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
        if !(meme(&avant.nom, &input.nom) && meme(&avant.prenom, &input.prenom) && avant.date_naissance == input.date_naissance) {
            doublons = a_confirmer(&state, &c, &mut f, &input, Some(id)).await?;
        }
        if doublons.is_empty() {
            match service::update_participant(&state.db, &state.clock, &c.acteur, id, input).await {
                Ok(p) => return Ok(flash::rediriger(&format!("/participants/{id}"), &format!("Fiche de {} {} enregistrée.", p.prenom, p.nom))),
                Err(e) => f.refus(e, "nom")?,
            }
        }
    }
    let nom = format!("{} {}", avant.prenom, avant.nom);
    page(&state, &c, Some((id, nom)), &f, sante, &doublons, StatusCode::UNPROCESSABLE_ENTITY).await
}
