//! The clause page (progress against the expected line, hours per month as a chart and a
//! table, the contrats on it, the counting drill-down) and the creation of a clause on a
//! lot, whose computed objective is shown before saving.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::enums::ModeObjectif;
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::{ClauseInput, ObjectifInput};
use crate::clauses::service::{clauses as service_c, compte, marches as service_m, mises_en_emploi, operations as service_op};
use crate::clauses::views::Clause;
use crate::comptage::objectif::{objectif_minutes, ObjectifSource};
use crate::error::AppError;
use crate::parcours::limites::heures;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::graphique::{heures_par_mois, MoisGraphique};
use crate::web::liste::Params;
use crate::web::{flash, render, ApiForm, ApiPath, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/clauses/nouvelle", get(nouvelle).post(creer))
        .route("/clauses/{id}", get(fiche))
        .route("/clauses/{id}/modifier", get(modifier).post(enregistrer))
}

#[derive(Serialize)]
struct LigneDetail {
    contrat_id: i64,
    personne: String,
    mois: String,
    realisees: f64,
    retenues: f64,
    explication: String,
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    service_c::get_clause(&state.db, &c.acteur, id).await?;
    let today = state.clock.today();
    let cc = compte::compter_clauses(&state.db, &c.acteur, &[id], today).await?.pop().ok_or(AppError::NotFound)?;
    let vue = Clause::from(&cc);
    let (m, lots) = service_m::get_marche(&state.db, &c.acteur, cc.marche_id).await?;
    let o = service_op::get_operation(&state.db, &c.acteur, m.operation_id).await?;
    let lot = lots.iter().find(|l| l.id == cc.clause.lot_id);
    let contrats = mises_en_emploi::contrats_de_la_clause(&state.db, &c.acteur, &cc).await?;
    let noms: BTreeMap<i64, String> = contrats.iter().map(|k| (k.contrat_id, format!("{} {}", k.participant_prenom, k.participant_nom))).collect();
    // Months of the execution period up to today, with the counting's lines summed.
    let mut par_mois: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for l in &cc.comptage.lignes {
        let e = par_mois.entry(l.mois.clone()).or_default();
        e.0 += l.realisees;
        e.1 += l.retenues;
    }
    let mut mois = Vec::new();
    let mut cumul = 0;
    let (debut, fin) = (cc.clause.date_debut, cc.clause.date_fin.min(today));
    let mut d = crate::parcours::limites::premier_du_mois(debut);
    while d <= fin && mois.len() < 120 {
        let cle = crate::parcours::limites::format_mois(d);
        let (r, t) = par_mois.get(&cle).copied().unwrap_or_default();
        cumul += t;
        let fin_mois = (d + chrono::Months::new(1)).pred_opt().unwrap_or(d);
        let attendu = crate::comptage::avancement::avancement(cc.objectif_minutes, 0, cc.clause.date_debut, cc.clause.date_fin, fin_mois, &cc.clause.regles.avancement).attendu;
        mois.push(MoisGraphique { mois: crate::text::mois_fr(d), realisees: heures(r), retenues: heures(t), cumul: heures(cumul), attendu: heures(attendu) });
        d = d + chrono::Months::new(1);
    }
    // The drill-down: one contrat or all, by person or by month, one page at a time.
    let p = Params::lire(&format!("/clauses/{id}"), &query, &["personne", "mois"]);
    let un_contrat = p.filtre_id("contrat");
    let mut lignes: Vec<_> = cc.comptage.lignes.iter().filter(|l| un_contrat.is_none_or(|k| k == l.contrat_id)).collect();
    let nom_de = |l: &&crate::comptage::moteur::LigneComptee| noms.get(&l.contrat_id).cloned().unwrap_or_default().to_lowercase();
    match p.tri.as_str() {
        "mois" => lignes.sort_by(|a, b| a.mois.cmp(&b.mois).then_with(|| nom_de(a).cmp(&nom_de(b)))),
        _ => lignes.sort_by(|a, b| nom_de(a).cmp(&nom_de(b)).then_with(|| a.contrat_id.cmp(&b.contrat_id)).then_with(|| a.mois.cmp(&b.mois))),
    }
    if p.desc {
        lignes.reverse();
    }
    let (lignes, pagination) = p.tranche(lignes);
    let detail: Vec<LigneDetail> = lignes
        .into_iter()
        .map(|l| LigneDetail {
            contrat_id: l.contrat_id,
            personne: noms.get(&l.contrat_id).cloned().unwrap_or_default(),
            mois: crate::parcours::limites::parse_mois(&l.mois).map(crate::text::mois_fr).unwrap_or_else(|| l.mois.clone()),
            realisees: heures(l.realisees),
            retenues: heures(l.retenues),
            explication: l.explication.join(" "),
        })
        .collect();
    let objectif = heures(cc.objectif_minutes);
    let mut ctx = tera::Context::new();
    ctx.insert("graphique", &heures_par_mois(&mois, objectif));
    ctx.insert("mois", &mois);
    ctx.insert("k", &vue);
    ctx.insert("barre", &((vue.taux_realisation.clamp(0.0, 1.0) * 1000.0).round() / 10.0));
    ctx.insert("repere", &((vue.part_ecoulee.clamp(0.0, 1.0) * 990.0).round() / 10.0));
    ctx.insert("texte_barre", &format!("{} réalisés, {} attendus à ce jour", crate::text::pourcent_fr(vue.taux_realisation), crate::text::pourcent_fr(vue.part_ecoulee)));
    ctx.insert("statut", &crate::text::code(vue.statut_avancement));
    ctx.insert("type_clause", &crate::text::code(vue.type_));
    ctx.insert("contrats", &contrats);
    ctx.insert("detail", &detail);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("personne", "Personne"), ("mois", "Mois")]));
    ctx.insert("choix_contrat", &un_contrat);
    ctx.insert("base", &p.base);
    ctx.insert("marche", &(m.id, format!("{} — {}", m.numero, m.objet)));
    ctx.insert("lot", &lot.map(|l| super::nom_lot(l)).unwrap_or_default());
    ctx.insert("operation", &(o.id, o.nom.clone()));
    ctx.insert("aujourdhui", &today);
    ctx.insert("fil", &vec![("Clauses".to_string(), "/clauses".to_string()), (o.nom, format!("/operations/{}", o.id)), (format!("Marché {}", m.numero), format!("/marches/{}", m.id)), (format!("Clause n° {id}"), String::new())]);
    Ok(render(&state, "clauses/clause.html", Some(&c), ctx)?.into_response())
}

/// The creation form of a clause on a lot (`id` none), or the edit form of clause `id`.
async fn page_form(state: &AppState, c: &Connecte, id: Option<i64>, f: &Formulaire, apercu: Option<String>, status: StatusCode) -> Result<Response, AppError> {
    let lot_id = f.valeurs.get("lot_id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
    let lot = c.acteur.get::<entities::lots::Entity>(&state.db, lot_id).await?;
    let (m, _) = service_m::get_marche(&state.db, &c.acteur, lot.marche_id).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("id", &id);
    ctx.insert("apercu", &apercu);
    ctx.insert("types", crate::libelles::options("type_clause"));
    ctx.insert("modes", crate::libelles::options("mode_objectif"));
    ctx.insert("lot", &(lot.id, super::nom_lot(&lot)));
    ctx.insert("marche", &(m.id, format!("{} — {}", m.numero, m.objet), m.date_debut, m.date_fin));
    let fil = match id {
        Some(id) => super::fil(&[("Clauses", "/clauses"), (&format!("Clause n° {id}"), &format!("/clauses/{id}")), ("Modifier", "")]),
        None => super::fil(&[("Marchés", "/marches"), (&format!("Marché {}", m.numero), &format!("/marches/{}", m.id)), ("Nouvelle clause", "")]),
    };
    ctx.insert("fil", &fil);
    Ok((status, render(state, "clauses/clause_form.html", Some(c), ctx)?).into_response())
}

async fn nouvelle(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let lot = query.get("lot").and_then(|l| l.parse::<i64>().ok()).ok_or(AppError::NotFound)?;
    let lot_m = c.acteur.get::<entities::lots::Entity>(&state.db, lot).await?;
    let (m, _) = service_m::get_marche(&state.db, &c.acteur, lot_m.marche_id).await?;
    let valeurs = [
        ("lot_id", lot.to_string()),
        ("type", "execution".to_string()),
        ("mode", "calcul".to_string()),
        ("date_debut", m.date_debut.to_string()),
        ("date_fin", m.date_fin.to_string()),
        ("montant_ht", crate::text::nombre_fr(lot_m.montant_ht_cents as f64 / 100.0)),
    ];
    let f = Formulaire::de(valeurs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    page_form(&state, &c, None, &f, None, StatusCode::OK).await
}

/// The objective as the form gives it, by mode.
fn objectif(f: &mut Formulaire) -> Option<ObjectifInput> {
    match f.code::<ModeObjectif>("mode")? {
        ModeObjectif::Heures => Some(ObjectifInput::Heures { heures: f.nombre_obligatoire("heures") }),
        ModeObjectif::Calcul => Some(ObjectifInput::Calcul {
            montant_ht: f.nombre_obligatoire("montant_ht"),
            part_main_oeuvre: f.pourcentage("part_main_oeuvre").unwrap_or_else(|| {
                f.erreur("part_main_oeuvre", "Part de main-d'œuvre obligatoire, en %.");
                0.0
            }),
            taux_insertion: f.pourcentage("taux_insertion").unwrap_or_else(|| {
                f.erreur("taux_insertion", "Taux d'insertion obligatoire, en %.");
                0.0
            }),
            cout_horaire: f.nombre_obligatoire("cout_horaire"),
        }),
        ModeObjectif::PourcentageHeures => Some(ObjectifInput::PourcentageHeures {
            pourcentage: f.pourcentage("pourcentage").unwrap_or_else(|| {
                f.erreur("pourcentage", "Part des heures obligatoire, en %.");
                0.0
            }),
            heures_travaillees_marche: f.nombre("heures_travaillees_marche"),
        }),
        ModeObjectif::HeuresParEuro => Some(ObjectifInput::HeuresParEuro { euros_par_heure: f.nombre_obligatoire("euros_par_heure"), montant_facture_ht: f.nombre("montant_facture_ht") }),
    }
}

/// The objective in hours and how, before saving (same engine as the counting).
fn apercu(o: &ObjectifInput) -> String {
    let c = |e: f64| (e * 100.0).round() as i64;
    let p = |r: f64| (r * 1_000_000.0).round() as i64;
    let s = match *o {
        ObjectifInput::Heures { heures } => ObjectifSource { mode: Some(ModeObjectif::Heures), heures_minutes: Some((heures * 60.0).round() as i64), ..Default::default() },
        ObjectifInput::Calcul { montant_ht, part_main_oeuvre, taux_insertion, cout_horaire } => ObjectifSource {
            mode: Some(ModeObjectif::Calcul),
            montant_ht_cents: Some(c(montant_ht)),
            part_main_oeuvre_ppm: Some(p(part_main_oeuvre)),
            taux_insertion_ppm: Some(p(taux_insertion)),
            cout_horaire_cents: Some(c(cout_horaire)),
            ..Default::default()
        },
        ObjectifInput::PourcentageHeures { pourcentage, heures_travaillees_marche } => ObjectifSource {
            mode: Some(ModeObjectif::PourcentageHeures),
            pourcentage_heures_ppm: Some(p(pourcentage)),
            heures_travaillees_marche_minutes: heures_travaillees_marche.map(|h| (h * 60.0).round() as i64),
            ..Default::default()
        },
        ObjectifInput::HeuresParEuro { euros_par_heure, montant_facture_ht } => {
            ObjectifSource { mode: Some(ModeObjectif::HeuresParEuro), cents_par_heure: Some(c(euros_par_heure)), montant_facture_cents: montant_facture_ht.map(c), ..Default::default() }
        }
    };
    let o = objectif_minutes(&s);
    format!("Objectif : {}. {}", crate::text::heures_fr(heures(o.minutes)), o.explication)
}

/// The clause as the form gives it (none when a field is refused), and the objective
/// previewed when it could be read.
fn lire(f: &mut Formulaire) -> (Option<ClauseInput>, Option<String>) {
    let lot_id = f.id_obligatoire("lot_id");
    let type_ = f.code("type");
    let date_debut = f.date_obligatoire("date_debut");
    let date_fin = f.date_obligatoire("date_fin");
    let globalisable = f.case("globalisable");
    let penalite_par_heure = f.nombre("penalite_par_heure");
    let objectif = objectif(f);
    let vu = objectif.as_ref().filter(|_| f.valide()).map(apercu);
    let input = match (f.valide(), type_, objectif) {
        (true, Some(type_), Some(objectif)) => Some(ClauseInput { lot_id, type_, date_debut, date_fin, globalisable, objectif, penalite_par_heure, regles: None }),
        _ => None,
    };
    (input, vu)
}

fn demande_apercu(f: &Formulaire) -> bool {
    f.valeurs.get("action").is_some_and(|a| a == "apercu")
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let (input, vu) = lire(&mut f);
    if demande_apercu(&f) {
        return page_form(&state, &c, None, &f, vu, if f.valide() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }).await;
    }
    if let Some(input) = input {
        match service_c::create_clause(&state.db, &state.clock, &c.acteur, input).await {
            Ok(k) => return Ok(flash::rediriger(&format!("/clauses/{}", k.id), "Clause créée.")),
            Err(e) => f.refus(e, "lot_id")?,
        }
    }
    page_form(&state, &c, None, &f, vu, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The form's values of a stored clause.
fn valeurs(k: &entities::clauses::Model) -> BTreeMap<String, String> {
    let n = |x: f64| crate::text::nombre_fr(x);
    let pct = |ppm: i32| crate::text::nombre_fr(f64::from(ppm) / 10_000.0);
    let mut v: BTreeMap<String, String> = [
        ("lot_id", k.lot_id.to_string()),
        ("type", crate::text::code(k.r#type)),
        ("mode", crate::text::code(k.mode_objectif)),
        ("date_debut", k.date_debut.to_string()),
        ("date_fin", k.date_fin.to_string()),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b))
    .collect();
    let mut mettre = |cle: &str, valeur: Option<String>| {
        if let Some(valeur) = valeur {
            v.insert(cle.to_string(), valeur);
        }
    };
    mettre("heures", k.objectif_minutes.map(|m| n(heures(i64::from(m)))));
    mettre("montant_ht", k.calcul_montant_ht_cents.map(|c| n(c as f64 / 100.0)));
    mettre("part_main_oeuvre", k.calcul_part_main_oeuvre_ppm.map(pct));
    mettre("taux_insertion", k.calcul_taux_insertion_ppm.map(pct));
    mettre("cout_horaire", k.calcul_cout_horaire_cents.map(|c| n(c as f64 / 100.0)));
    mettre("pourcentage", k.pourcentage_heures_ppm.map(pct));
    mettre("heures_travaillees_marche", k.heures_travaillees_marche_minutes.map(|m| n(heures(m))));
    mettre("euros_par_heure", k.cents_par_heure.map(|c| n(c as f64 / 100.0)));
    mettre("montant_facture_ht", k.montant_facture_cents.map(|c| n(c as f64 / 100.0)));
    mettre("penalite_par_heure", k.penalite_par_heure_cents.map(|c| n(c as f64 / 100.0)));
    mettre("globalisable", k.globalisable.then(|| "oui".to_string()));
    v
}

async fn modifier(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let k = service_c::get_clause(&state.db, &c.acteur, id).await?;
    page_form(&state, &c, Some(id), &Formulaire::de(valeurs(&k)), None, StatusCode::OK).await
}

async fn enregistrer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let k = service_c::get_clause(&state.db, &c.acteur, id).await?;
    // The lot is the clause's own, whatever the form says.
    f.valeurs.insert("lot_id".into(), k.lot_id.to_string());
    let (input, vu) = lire(&mut f);
    if demande_apercu(&f) {
        return page_form(&state, &c, Some(id), &f, vu, if f.valide() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }).await;
    }
    if let Some(input) = input {
        match service_c::modifier_clause(&state.db, &state.clock, &c.acteur, id, input).await {
            Ok(_) => return Ok(flash::rediriger(&format!("/clauses/{id}"), "Clause modifiée.")),
            Err(e) => f.refus(e, "lot_id")?,
        }
    }
    page_form(&state, &c, Some(id), &f, vu, StatusCode::UNPROCESSABLE_ENTITY).await
}
