//! A clause's settings, each form on the service the API uses: the objective forced with
//! its reason (or the override removed), the counting rule set as a form showing the
//! defaults, and the bases of the proportional objectives (hours worked on the marché,
//! amount invoiced).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use entities::enums::ModeObjectif;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::{AssietteInput, ObjectifForceInput};
use crate::clauses::parametres::{seuils_du_formulaire, seuils_en_champs};
use crate::clauses::service::{clauses as service_c, compte};
use crate::comptage::regles::ReglesComptage;
use crate::error::AppError;
use crate::parcours::limites::heures;
use crate::state::AppState;
use crate::text::nombre_fr;
use crate::web::formulaire::Formulaire;
use crate::web::{flash, render, ApiForm, ApiPath};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/clauses/{id}/reglages", get(page))
        .route("/clauses/{id}/objectif", post(objectif))
        .route("/clauses/{id}/regles", post(regles))
        .route("/clauses/{id}/assiette", post(assiette))
}

/// The three forms of the page, one of them possibly sent back with its errors.
#[derive(Default)]
struct Formulaires {
    objectif: Option<Formulaire>,
    regles: Option<Formulaire>,
    assiette: Option<Formulaire>,
}

const PCT: f64 = 100.0;

/// The rule set as the form shows it (shares in %, coefficients of 1 left blank).
fn valeurs_regles(r: &ReglesComptage, globalisable: bool) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut oui = |k: &str, b: bool| {
        if b {
            v.insert(k.to_string(), "oui".to_string());
        }
    };
    oui("regles.eligibilite_requise", r.eligibilite_requise);
    oui("regles.formation_comptee", r.formation_comptee);
    oui("regles.sous_traitance_estimee", r.sous_traitance_estimee);
    oui("globalisable", globalisable);
    let mut n = |k: &str, x: Option<f64>| {
        if let Some(x) = x {
            v.insert(k.to_string(), nombre_fr(x));
        }
    };
    n("regles.plafond_formation", r.plafond_formation.map(|p| p * PCT));
    n("regles.cdi_mois_comptes", r.cdi_mois_comptes.map(f64::from));
    n("regles.bonus_signature_cdi_heures", Some(r.bonus_signature_cdi_heures));
    n("regles.sous_traitance_part_main_oeuvre", Some(r.sous_traitance_part_main_oeuvre * PCT));
    n("regles.sous_traitance_cout_horaire", Some(r.sous_traitance_cout_horaire));
    for (k, c) in &r.coefficients_type_contrat {
        n(&format!("regles.coefficients_type_contrat.{k}"), Some(*c));
    }
    for (k, c) in &r.coefficients_modalite {
        n(&format!("regles.coefficients_modalite.{k}"), Some(*c));
    }
    seuils_en_champs("regles.avancement", &r.avancement, &mut v);
    v
}

async fn afficher(state: &AppState, c: &Connecte, id: i64, mut forms: Formulaires, status: StatusCode) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    service_c::get_clause(&state.db, &c.acteur, id).await?;
    let cc = compte::compter_clauses(&state.db, &c.acteur, &[id], state.clock.today()).await?.pop().ok_or(AppError::NotFound)?;
    let k = &cc.clause;
    let objectif = forms.objectif.take().unwrap_or_else(|| {
        let mut v = BTreeMap::new();
        if let Some(m) = k.objectif_force_minutes {
            v.insert("heures".to_string(), nombre_fr(heures(i64::from(m))));
        }
        if let Some(m) = &k.motif_forcage {
            v.insert("motif".to_string(), m.clone());
        }
        Formulaire::de(v)
    });
    let regles = forms.regles.take().unwrap_or_else(|| Formulaire::de(valeurs_regles(&k.regles, k.globalisable)));
    let assiette = forms.assiette.take().unwrap_or_else(|| {
        let mut v = BTreeMap::new();
        if let Some(m) = k.heures_travaillees_marche_minutes {
            v.insert("heures_travaillees_marche".to_string(), nombre_fr(heures(m)));
        }
        if let Some(c) = k.montant_facture_cents {
            v.insert("montant_facture_ht".to_string(), nombre_fr(c as f64 / 100.0));
        }
        Formulaire::de(v)
    });
    let defauts = defauts(state, c).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("id", &id);
    ctx.insert("fo", &objectif);
    ctx.insert("fr", &regles);
    ctx.insert("fa", &assiette);
    ctx.insert("calcule", &heures(cc.objectif_minutes));
    ctx.insert("explication", &cc.objectif_explication);
    ctx.insert("proportionnel", &matches!(k.mode_objectif, ModeObjectif::PourcentageHeures | ModeObjectif::HeuresParEuro));
    ctx.insert("mode", &crate::text::code(k.mode_objectif));
    ctx.insert("defauts", &valeurs_regles(&defauts, false));
    ctx.insert("types_contrat", crate::libelles::options("type_contrat"));
    ctx.insert("modalites", crate::libelles::options("modalite"));
    ctx.insert("fil", &super::fil(&[("Clauses", "/clauses"), (&format!("Clause n° {id}"), &format!("/clauses/{id}")), ("Réglages", "")]));
    Ok((status, render(state, "clauses/reglages.html", Some(c), ctx)?).into_response())
}

async fn page(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    afficher(&state, &c, id, Formulaires::default(), StatusCode::OK).await
}

async fn objectif(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let retirer = f.valeurs.get("action").is_some_and(|a| a == "retirer");
    let h = if retirer { None } else { f.nombre("heures") };
    if !retirer && h.is_none() && f.valide() {
        f.erreur("heures", "Indiquez l'objectif forcé, en heures.");
    }
    let motif = f.option("motif");
    if f.valide() {
        match service_c::forcer_objectif(&state.db, &state.clock, &c.acteur, id, ObjectifForceInput { heures: h, motif }).await {
            Ok(_) => return Ok(flash::rediriger(&format!("/clauses/{id}"), if retirer { "Objectif calculé rétabli." } else { "Objectif forcé enregistré." })),
            Err(e) => f.refus(e, "heures")?,
        }
    }
    afficher(&state, &c, id, Formulaires { objectif: Some(f), ..Default::default() }, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The rule set a clause of the caller's structure starts with (its progress thresholds).
async fn defauts(state: &AppState, c: &Connecte) -> Result<ReglesComptage, AppError> {
    Ok(crate::clauses::service::parametres_suivi(&state.db, c.acteur.structure_id).await?.regles_par_defaut())
}

/// The rule set from the form; blank fields take the defaults `d`.
fn regles_du_formulaire(f: &mut Formulaire, d: &ReglesComptage) -> ReglesComptage {
    let mut r = d.clone();
    r.eligibilite_requise = f.case("regles.eligibilite_requise");
    r.formation_comptee = f.case("regles.formation_comptee");
    r.sous_traitance_estimee = f.case("regles.sous_traitance_estimee");
    r.plafond_formation = f.pourcentage("regles.plafond_formation");
    let entier = |f: &mut Formulaire, k: &str| -> Option<u32> {
        let x = f.nombre(k)?;
        if x.fract() != 0.0 || !(0.0..=1200.0).contains(&x) {
            f.erreur(k, "Nombre entier de mois attendu.");
            return None;
        }
        Some(x as u32)
    };
    r.cdi_mois_comptes = entier(f, "regles.cdi_mois_comptes");
    r.bonus_signature_cdi_heures = f.nombre("regles.bonus_signature_cdi_heures").unwrap_or(d.bonus_signature_cdi_heures);
    r.sous_traitance_part_main_oeuvre = f.pourcentage("regles.sous_traitance_part_main_oeuvre").unwrap_or(d.sous_traitance_part_main_oeuvre);
    r.sous_traitance_cout_horaire = f.nombre("regles.sous_traitance_cout_horaire").unwrap_or(d.sous_traitance_cout_horaire);
    r.avancement = seuils_du_formulaire(f, "regles.avancement", &d.avancement);
    for (code, _) in crate::libelles::options("type_contrat") {
        if let Some(c) = f.nombre(&format!("regles.coefficients_type_contrat.{code}")).filter(|c| *c != 1.0) {
            r.coefficients_type_contrat.insert(code.to_string(), c);
        }
    }
    for (code, _) in crate::libelles::options("modalite") {
        if let Some(c) = f.nombre(&format!("regles.coefficients_modalite.{code}")).filter(|c| *c != 1.0) {
            r.coefficients_modalite.insert(code.to_string(), c);
        }
    }
    r
}

async fn regles(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if f.valeurs.get("action").is_some_and(|a| a == "defauts") {
        f = Formulaire::de(valeurs_regles(&defauts(&state, &c).await?, f.case("globalisable")));
        return afficher(&state, &c, id, Formulaires { regles: Some(f), ..Default::default() }, StatusCode::OK).await;
    }
    let r = regles_du_formulaire(&mut f, &defauts(&state, &c).await?);
    let globalisable = f.case("globalisable");
    if f.valide() {
        match service_c::changer_regles(&state.db, &state.clock, &c.acteur, id, r, Some(globalisable)).await {
            Ok(_) => return Ok(flash::rediriger(&format!("/clauses/{id}"), "Règles de comptage enregistrées.")),
            Err(e) => f.refus(e, "formulaire")?,
        }
    }
    afficher(&state, &c, id, Formulaires { regles: Some(f), ..Default::default() }, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn assiette(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let input = AssietteInput { heures_travaillees_marche: f.nombre("heures_travaillees_marche"), montant_facture_ht: f.nombre("montant_facture_ht") };
    if f.valide() {
        match service_c::changer_assiette(&state.db, &state.clock, &c.acteur, id, input).await {
            Ok(_) => return Ok(flash::rediriger(&format!("/clauses/{id}"), "Assiette de l'objectif enregistrée.")),
            Err(e) => f.refus(e, "heures_travaillees_marche")?,
        }
    }
    afficher(&state, &c, id, Formulaires { assiette: Some(f), ..Default::default() }, StatusCode::UNPROCESSABLE_ENTITY).await
}
