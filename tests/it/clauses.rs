//! The clause module through the HTTP API: the scenario of issue 4 with hand-checked
//! figures, validation of marchés, clauses and mises en emploi, and scope per role.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

pub struct Scenario {
    pub app: TestApp,
    pub f: Login,
    pub operation: i64,
    pub marche: i64,
    pub clause_a: i64,
    pub clause_b: i64,
    pub batir: i64,
    pub etti: i64,
    pub peinture: i64,
    pub ei: i64,
    pub ville: i64,
    pub p1: i64,
    /// c1 (p1, Bâtir), c2 (p2, ETTI), c3 (p3, EI), c4 (p4, Peinture Pro).
    pub contrats: [i64; 4],
}

async fn created(app: &TestApp, login: &Login, path: &str, body: Value) -> Value {
    let (status, v) = app.post(path, &login.token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v
}

async fn validated(app: &TestApp, f: &Login, contrat: i64, mois: &str, heures: f64, formation: f64) {
    let (status, h) = app.declare(&f.token, contrat, mois, json!({"heures_travail": heures, "heures_formation": formation})).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(app.decide(&f.token, contrat, mois, json!({"decision": "validee"})).await.0, StatusCode::OK);
}

async fn mise_en_emploi(app: &TestApp, f: &Login, body: Value) -> Value {
    created(app, f, "/api/v1/contrats", body).await
}

/// One opération, two lots (computed / fixed objective), a direct hire, an ETTI mise à
/// disposition, an SIAE sous-traitance with training hours, a non-eligible person, a
/// month sent back for correction.
pub async fn scenario() -> Scenario {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let ville = app.donneur_ordre(&f, "Ville de Bordeaux", 1).await["id"].as_i64().unwrap();
    let operation = created(&app, &f, "/api/v1/operations", json!({"donneur_ordre_id": ville, "nom": "Réhabilitation de l'école Jean-Jaurès", "commune": "Bordeaux", "qpv": true, "secteur": "btp"})).await["id"].as_i64().unwrap();
    let marche = created(&app, &f, "/api/v1/marches", json!({
        "operation_id": operation, "numero": "2025-011", "objet": "Réhabilitation", "nature": "travaux", "montant_ht": 800000,
        "date_debut": "2025-01-01", "date_fin": "2025-12-31",
        "lots": [{"numero": "1", "intitule": "Gros œuvre", "montant_ht": 600000}, {"numero": "2", "intitule": "Peinture", "montant_ht": 200000}]
    })).await;
    let (lot1, lot2) = (marche["lots"][0]["id"].as_i64().unwrap(), marche["lots"][1]["id"].as_i64().unwrap());
    let marche = marche["id"].as_i64().unwrap();
    let entreprise = |nom: &'static str, seed: u64, t: &'static str| {
        let (app, f) = (&app, &f);
        async move { created(app, f, "/api/v1/entreprises", json!({"raison_sociale": nom, "siret": clausier::demo::siret(seed), "type": t})).await["id"].as_i64().unwrap() }
    };
    let batir = entreprise("Bâtir", 10, "classique").await;
    let peinture = entreprise("Peinture Pro", 11, "classique").await;
    let etti = entreprise("Intérim Solidaire", 12, "etti").await;
    let ei = entreprise("Second Œuvre Insertion", 13, "ei").await;
    for (lot, e, role) in [(lot1, batir, "titulaire"), (lot1, ei, "soustraitant"), (lot2, peinture, "titulaire")] {
        created(&app, &f, &format!("/api/v1/marches/{marche}/attributions"), json!({"entreprise_id": e, "lot_id": lot, "role": role})).await;
    }
    let clause_a = created(&app, &f, "/api/v1/clauses", json!({"lot_id": lot1, "type": "execution", "date_debut": "2025-02-01", "date_fin": "2025-12-31", "globalisable": false,
        "objectif": {"mode": "calcul", "montant_ht": 600000, "part_main_oeuvre": 0.4, "taux_insertion": 0.06, "cout_horaire": 32}, "penalite_par_heure": 50})).await;
    assert_eq!(clause_a["heures_objectif"], 450.0);
    let clause_b = created(&app, &f, "/api/v1/clauses", json!({"lot_id": lot2, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "heures", "heures": 600}})).await;
    let (clause_a, clause_b) = (clause_a["id"].as_i64().unwrap(), clause_b["id"].as_i64().unwrap());

    let p1 = new_participant(&app, &f, json!({"nom": "Un"})).await;
    let p2 = new_participant(&app, &f, json!({"nom": "Deux"})).await;
    let p3 = new_participant(&app, &f, json!({"nom": "Trois"})).await;
    let p4 = new_participant(&app, &f, json!({"nom": "Quatre"})).await;
    verify(&app, &f, p1, "rsa", "2024-12-01").await;
    verify(&app, &f, p2, "deld", "2025-01-10").await;
    verify(&app, &f, p3, "qpv", "2025-02-01").await;

    let contrat = |p: i64, employeur: i64, clause: i64, attributaire: i64, modalite: &str, t: &str, debut: &str, fin: &str, hebdo: f64| {
        json!({"participant_id": p, "employeur_id": employeur, "clause_id": clause, "attributaire_id": attributaire, "modalite": modalite, "type_contrat": t, "date_debut": debut, "date_fin_prevue": fin, "heures_hebdo": hebdo, "poste": "Ouvrier"})
    };
    let c1 = mise_en_emploi(&app, &f, contrat(p1, batir, clause_a, batir, "embauche_directe", "cdd", "2025-01-06", "2025-06-30", 35.0)).await;
    assert_eq!(c1["eligible"], true);
    let c2 = mise_en_emploi(&app, &f, contrat(p2, etti, clause_b, peinture, "mise_a_disposition", "mission_etti", "2025-02-01", "2025-04-30", 35.0)).await;
    let c3 = mise_en_emploi(&app, &f, contrat(p3, ei, clause_a, batir, "sous_traitance", "cddi", "2025-03-01", "2025-08-31", 26.0)).await;
    let c4 = mise_en_emploi(&app, &f, contrat(p4, peinture, clause_b, peinture, "embauche_directe", "cdd", "2025-03-01", "2025-05-31", 35.0)).await;
    assert_eq!(c4["eligible"], false);
    let [c1, c2, c3, c4] = [c1, c2, c3, c4].map(|c| c["id"].as_i64().unwrap());

    // P1: January is before the clause's period; April is sent back, then corrected; May
    // is declared but not validated.
    for (mois, h) in [("2025-01", 100.0), ("2025-02", 140.0), ("2025-03", 150.0)] {
        validated(&app, &f, c1, mois, h, 0.0).await;
    }
    app.declare(&f.token, c1, "2025-04", json!({"heures_travail": 145.5})).await;
    assert_eq!(app.decide(&f.token, c1, "2025-04", json!({"decision": "a_corriger", "motif": "Planning : 140,25 h"})).await.0, StatusCode::OK);
    validated(&app, &f, c1, "2025-04", 140.25, 0.0).await;
    assert_eq!(app.declare(&f.token, c1, "2025-05", json!({"heures_travail": 120})).await.0, StatusCode::OK);
    for (mois, h) in [("2025-02", 120.0), ("2025-03", 130.0), ("2025-04", 60.5)] {
        validated(&app, &f, c2, mois, h, 0.0).await;
    }
    validated(&app, &f, c3, "2025-03", 80.0, 20.0).await;
    validated(&app, &f, c3, "2025-04", 90.0, 10.0).await;
    validated(&app, &f, c4, "2025-03", 100.0, 0.0).await;
    validated(&app, &f, c4, "2025-04", 90.0, 0.0).await;
    Scenario { app, f, operation, marche, clause_a, clause_b, batir, etti, peinture, ei, ville, p1, contrats: [c1, c2, c3, c4] }
}

#[tokio::test]
async fn the_scenario_gives_the_hand_checked_figures() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let (status, a) = app.get(&format!("/api/v1/clauses/{}?date=2025-06-30", s.clause_a), &f.token).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["heures_objectif"], 450.0);
    assert_eq!(a["objectif_explication"], "600\u{202f}000 € × 40 % × 6 % ÷ 32 €/h = 450 h (arrondi à l'heure).");
    assert_eq!(a["heures_realisees"], 730.25);
    assert_eq!(a["heures_retenues"], 630.25);
    assert_eq!(a["heures_non_retenues"], json!({"non_eligible": 0.0, "hors_periode": 100.0, "plafond": 0.0, "formation_exclue": 0.0, "coefficient": 0.0}));
    assert_eq!(a["statut_avancement"], "atteinte");
    assert_eq!(a["penalites_theoriques"], 0.0);

    let (_, b) = app.get(&format!("/api/v1/clauses/{}?date=2025-06-30", s.clause_b), &f.token).await;
    assert_eq!(b["heures_objectif"], 600.0);
    assert_eq!(b["heures_realisees"], 500.5);
    assert_eq!(b["heures_retenues"], 310.5);
    assert_eq!(b["heures_non_retenues"]["non_eligible"], 190.0);
    assert_eq!(b["taux_realisation"], 0.5175);
    // 181 of 365 days: 600 × 181 / 365 = 297.53 h expected; 310.5 h is 104 %: conforme.
    assert_eq!(b["heures_attendues"], 297.53333333333336);
    assert_eq!(b["statut_avancement"], "conforme");

    let (_, op) = app.get(&format!("/api/v1/operations/{}?date=2025-06-30", s.operation), &f.token).await;
    let t = &op["avancement"];
    assert_eq!((t["clauses"].as_i64(), t["heures_objectif"].as_f64(), t["heures_realisees"].as_f64(), t["heures_retenues"].as_f64()), (Some(2), Some(1050.0), Some(1230.75), Some(940.75)));
    assert_eq!((t["heures_non_retenues"]["hors_periode"].as_f64(), t["heures_non_retenues"]["non_eligible"].as_f64()), (Some(100.0), Some(190.0)));

    // Earlier dates count fewer months: at the end of March, April does not count yet.
    let (_, a_mars) = app.get(&format!("/api/v1/clauses/{}?date=2025-03-31", s.clause_a), &f.token).await;
    assert_eq!(a_mars["heures_retenues"], 390.0, "140 + 150 + 80 + 20");

    // Every contrat-month is explained.
    let (_, detail) = app.get(&format!("/api/v1/clauses/{}/comptage?date=2025-06-30", s.clause_a), &f.token).await;
    let lignes = detail["lignes"].as_array().unwrap();
    assert_eq!(lignes.len(), 6);
    assert!(lignes[0]["explication"][0].as_str().unwrap().contains("hors de la période"), "{}", lignes[0]);
    let avril = lignes.iter().find(|l| l["mois"] == "2025-04" && l["realisees"] == 140.25 * 60.0).unwrap();
    assert_eq!(avril["retenues"], 8415);

    // The contrat is an emploi étape of the participant's parcours.
    let (_, parcours) = app.get(&format!("/api/v1/participants/{}/parcours", s.p1), &f.token).await;
    assert_eq!(parcours["etapes"][0]["type"], "emploi");
    assert_eq!(parcours["etapes"][0]["contrat"]["type_contrat"], "cdd");
}

#[tokio::test]
async fn objectives_overrides_rules_and_globalisation() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let path = format!("/api/v1/clauses/{}/objectif", s.clause_b);
    let (status, problem) = app.put(&path, &f.token, &json!({"heures": 300})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "motif");
    let (status, b) = app.put(&path, &f.token, &json!({"heures": 300, "motif": "Avenant n°1"})).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["heures_objectif"], 300.0);
    assert_eq!(b["objectif_force"], json!({"heures": 300.0, "motif": "Avenant n°1"}));
    let (_, b) = app.put(&path, &f.token, &json!({"heures": null})).await;
    assert_eq!(b["heures_objectif"], 600.0);

    // Rule set: the non-eligible person's hours count when the buyer allows it; training
    // excluded.
    let (status, a) = app.put(&format!("/api/v1/clauses/{}/regles", s.clause_a), &f.token, &json!({"regles": {"formation_comptee": false}})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, a) = app.get(&format!("/api/v1/clauses/{}?date=2025-06-30", a["id"]), &f.token).await;
    assert_eq!((a["heures_retenues"].as_f64(), a["heures_non_retenues"]["formation_exclue"].as_f64()), (Some(600.25), Some(30.0)));
    let (status, problem) = app.put(&format!("/api/v1/clauses/{}/regles", s.clause_a), &f.token, &json!({"regles": {"coefficients_type_contrat": {"cdii": 2}}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "regles.coefficients_type_contrat.cdii");

    // Globalisation: clause A's surplus covers clause B's shortfall once both allow it.
    let (_, a) = app.put(&format!("/api/v1/clauses/{}/regles", s.clause_a), &f.token, &json!({"regles": {"formation_comptee": false}, "globalisable": true})).await;
    assert_eq!(a["globalisable"], true);
    app.put(&format!("/api/v1/clauses/{}/regles", s.clause_b), &f.token, &json!({"regles": {}, "globalisable": true})).await;
    let (_, list) = app.get(&format!("/api/v1/clauses?marche_id={}&date=2025-06-30", s.marche), &f.token).await;
    assert_eq!(list["total"], 2, "{list}");
    let a = list["items"].as_array().unwrap().iter().find(|c| c["id"] == s.clause_a).unwrap();
    let b = list["items"].as_array().unwrap().iter().find(|c| c["id"] == s.clause_b).unwrap();
    // A retains 600.25 h for 450 h: 150.25 h go to B (310.5 → 460.75).
    assert_eq!((a["heures_cedees"].as_f64(), a["heures_retenues"].as_f64()), (Some(150.25), Some(450.0)));
    assert_eq!((b["heures_recues"].as_f64(), b["heures_retenues"].as_f64()), (Some(150.25), Some(460.75)));
    let (_, op) = app.get(&format!("/api/v1/operations/{}?date=2025-06-30", s.operation), &f.token).await;
    assert_eq!(op["avancement"]["heures_retenues"], 910.75, "600.25 + 310.5: moved, not copied");
}

#[tokio::test]
async fn bad_marches_clauses_and_mises_en_emploi_are_refused_and_write_nothing() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let (_, marche) = app.get(&format!("/api/v1/marches/{}", s.marche), &f.token).await;
    let lot1 = marche["lots"][0]["id"].as_i64().unwrap();
    let clauses_before = count(&app.db, "clauses").await;
    let bad_clauses = [
        (json!({"lot_id": lot1, "type": "execution", "date_debut": "2024-12-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "heures", "heures": 100}}), "date_debut"),
        (json!({"lot_id": lot1, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "calcul", "montant_ht": -5, "part_main_oeuvre": 0.5, "taux_insertion": 0.05, "cout_horaire": 30}}), "objectif.montant_ht"),
        (json!({"lot_id": lot1, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "calcul", "montant_ht": 5000, "part_main_oeuvre": 1.5, "taux_insertion": 0.05, "cout_horaire": 30}}), "objectif.part_main_oeuvre"),
        (json!({"lot_id": lot1, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "inconnu"}}), "objectif.mode"),
        (json!({"lot_id": 999999, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "heures", "heures": 100}}), "lot_id"),
    ];
    for (body, field) in bad_clauses {
        let (status, problem) = app.post("/api/v1/clauses", &f.token, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{field}: {problem}");
    }
    assert_eq!(count(&app.db, "clauses").await, clauses_before);

    let (status, _) = app.post("/api/v1/marches", &f.token, &json!({"operation_id": s.operation, "numero": "2025-011", "objet": "x", "nature": "travaux", "montant_ht": 1, "date_debut": "2025-01-01", "date_fin": "2025-12-31"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "same numero in the opération");
    let (status, problem) = app.post("/api/v1/marches", &f.token, &json!({"operation_id": s.operation, "numero": "X", "objet": "x", "nature": "travaux", "montant_ht": 1, "date_debut": "2025-12-01", "date_fin": "2025-01-31", "lots": [{"numero": "1", "intitule": "a", "montant_ht": 1}, {"numero": "1", "intitule": "b", "montant_ht": 1}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["date_fin", "lots[1].numero"]);

    // A classique company cannot lend people; a clause of another structure is unknown.
    let p = new_participant(app, f, json!({})).await;
    let contrats_before = count(&app.db, "contrats").await;
    let body = |employeur: i64, clause: i64, modalite: &str| json!({"participant_id": p, "employeur_id": employeur, "clause_id": clause, "attributaire_id": s.batir, "modalite": modalite, "type_contrat": "cdd", "date_debut": "2025-03-01", "date_fin_prevue": "2025-06-30", "heures_hebdo": 35, "poste": "x"});
    let (status, problem) = app.post("/api/v1/contrats", &f.token, &body(s.batir, s.clause_a, "mise_a_disposition")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "modalite");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("ETTI, AI, GEIQ ou ETT"));
    let (status, problem) = app.post("/api/v1/contrats", &f.token, &body(s.etti, s.clause_a, "embauche_directe")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "direct hire by someone else than the attributaire: {problem}");
    let (status, problem) = app.post("/api/v1/contrats", &f.token, &body(s.batir, s.clause_b, "embauche_directe")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "Bâtir does not hold lot 2: {problem}");
    assert_eq!(problem["errors"][0]["field"], "attributaire_id");
    let other = app.login("PLIE B", Role::Facilitateur).await;
    let (status, problem) = app.post("/api/v1/contrats", &other.token, &body(s.batir, s.clause_a, "embauche_directe")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "clause_id");
    assert_eq!(count(&app.db, "contrats").await, contrats_before);
    assert_eq!(count(&app.db, "mises_en_emploi").await, 4);
}

#[tokio::test]
async fn each_role_sees_its_share_of_the_clauses() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    let etti = app.login_bound("PLIE A", Role::Entreprise, Some(s.etti), None).await;
    let (_, op) = app.get(&format!("/api/v1/operations/{}", s.operation), &f.token).await;
    let donneur = app.login_bound("PLIE A", Role::DonneurOrdre, None, op["donneur_ordre_id"].as_i64()).await;
    let other_do = app.donneur_ordre(f, "Autre acheteur", 99).await["id"].as_i64();
    let other_do = app.login_bound("PLIE A", Role::DonneurOrdre, None, other_do).await;
    let a = format!("/api/v1/clauses/{}", s.clause_a);
    let b = format!("/api/v1/clauses/{}", s.clause_b);

    // The titulaire of lot 1 sees clause A and its contrats (its own hire and the SIAE's), not lot 2's.
    assert_eq!(app.get(&a, &batir.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&b, &batir.token).await.0, StatusCode::NOT_FOUND);
    let (_, contrats) = app.get(&format!("{a}/contrats"), &batir.token).await;
    let noms: Vec<&str> = contrats["items"].as_array().unwrap().iter().map(|c| c["participant_nom"].as_str().unwrap()).collect();
    assert_eq!(noms, ["Un", "Salarié·e d'un autre employeur"], "the SIAE's employee works on Bâtir's lot, but Bâtir does not employ them: no name");
    // A référent sees only the people it follows (here, none).
    let referent = app.login("PLIE A", Role::Referent).await;
    let (status, suivis) = app.get(&format!("{a}/contrats"), &referent.token).await;
    assert_eq!((status, suivis["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{suivis}");
    assert!(contrats[0].get("date_naissance").is_none(), "name and contract only");
    assert_eq!(app.get(&format!("{a}/comptage"), &batir.token).await.0, StatusCode::FORBIDDEN);
    let (_, attributions) = app.get(&format!("/api/v1/marches/{}/attributions", s.marche), &batir.token).await;
    assert_eq!(attributions["items"].as_array().unwrap().len(), 1, "never the other companies");
    // The ETTI holds no lot: it sees no clause, but it declares for its contrat.
    assert_eq!(app.get(&b, &etti.token).await.0, StatusCode::NOT_FOUND);
    let (_, ops) = app.get("/api/v1/operations", &etti.token).await;
    assert_eq!(ops["total"], 0);
    // The buyer reads its opération's figures, never the people.
    assert_eq!(app.get(&a, &donneur.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/operations/{}", s.operation), &donneur.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("{a}/contrats"), &donneur.token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&a, &other_do.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/operations/{}", s.operation), &other_do.token).await.0, StatusCode::NOT_FOUND);
    // Another structure sees nothing; nobody but gestion roles writes.
    let b_struct = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.get(&a, &b_struct.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/marches/{}", s.marche), &b_struct.token).await.0, StatusCode::NOT_FOUND);
    let r = app.login("PLIE A", Role::Referent).await;
    for token in [&batir.token, &donneur.token, &r.token] {
        assert_eq!(app.put(&format!("{a}/objectif"), token, &json!({"heures": 1, "motif": "x"})).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.post("/api/v1/operations", token, &json!({"donneur_ordre_id": 1, "nom": "x", "commune": "x", "qpv": false, "secteur": "btp"})).await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn contacts_and_objective_bases_refuse_bad_input_wrong_roles_and_structures() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let path = format!("/api/v1/entreprises/{}/contacts", s.batir);
    let (status, c) = app.post(&path, &f.token, &json!({"nom": "Service paie", "email": "Paie@Batir.fr"})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!((c["email"].as_str(), c["recoit_relances"].as_bool()), (Some("paie@batir.fr"), Some(true)));
    let (status, problem) = app.post(&path, &f.token, &json!({"nom": "Sans adresse"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "reminders need an e-mail");
    assert_eq!(problem["errors"][0]["field"], "email");
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    assert_eq!(app.post(&path, &batir.token, &json!({"nom": "x", "email": "x@y.fr"})).await.0, StatusCode::FORBIDDEN);
    let (status, list) = app.get(&path, &batir.token).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "a company reads its own contacts");
    assert_eq!(app.get(&format!("/api/v1/entreprises/{}/contacts", s.etti), &batir.token).await.0, StatusCode::NOT_FOUND);
    let other = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.post(&path, &other.token, &json!({"nom": "x", "email": "x@y.fr"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(count(&app.db, "contacts").await, 1);

    // A % objective waits for its base; reporting it computes the objective.
    let (_, marche) = app.get(&format!("/api/v1/marches/{}", s.marche), &f.token).await;
    let lot = marche["lots"][1]["id"].as_i64().unwrap();
    let (status, c) = app.post("/api/v1/clauses", &f.token, &json!({"lot_id": lot, "type": "execution", "date_debut": "2025-01-01", "date_fin": "2025-12-31", "globalisable": false, "objectif": {"mode": "pourcentage_heures", "pourcentage": 0.07}})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["heures_objectif"], 0.0);
    let assiette = format!("/api/v1/clauses/{}/assiette", c["id"]);
    let (status, c) = app.put(&assiette, &f.token, &json!({"heures_travaillees_marche": 12345})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["heures_objectif"], 864.0, "7 % of 12 345 h, half up");
    assert_eq!(app.put(&assiette, &f.token, &json!({"heures_travaillees_marche": -3})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.put(&assiette, &batir.token, &json!({"heures_travaillees_marche": 1})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.put(&assiette, &other.token, &json!({"heures_travaillees_marche": 1})).await.0, StatusCode::NOT_FOUND);
}

/// The CSRF token of the forms of a page.
fn csrf_de(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

/// The declaration grid: a company declares its contrats' hours of a month through the
/// same service as the API, all lines at once, all or nothing; bad input is refused in
/// French on its line and writes nothing; a draft is kept and shown again; declaring is
/// certified; other roles, other companies' contrats and other structures are refused.
#[tokio::test]
async fn companies_declare_their_hours_on_the_declaration_grid() {
    let s = scenario().await;
    let app = &s.app;
    let [c1, _c2, c3, c4] = s.contrats;
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    let cookie = se_connecter_a(app, &batir, "/").await;
    // The company's home lists the months waiting for it, with their due date.
    let (_, accueil) = page(app, "/", Some(&cookie)).await;
    assert!(accueil.contains("Vos heures à déclarer") && accueil.contains("href=\"/declarations?mois=2025-06\"") && accueil.contains("10/07/2025"), "{accueil}");
    // And its clauses, with the hours retained for its own contrats only.
    let (_, bilan) = app.get(&format!("/api/v1/entreprises/{}/bilan", s.batir), &batir.token).await;
    let siennes = bilan["heures_retenues"].as_f64().unwrap();
    assert!(accueil.contains("Vos clauses") && accueil.contains("Heures retenues (vos contrats)") && accueil.contains("class=\"statut statut-"), "{accueil}");
    assert!(siennes > 0.0 && accueil.contains(&clausier::text::heures_fr(siennes)), "its retained hours ({siennes}) on its home: {accueil}");
    let (status, html) = page(app, "/declarations?mois=2025-06", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Heures de juin 2025") && html.contains(&format!("id=\"contrat-{c1}\"")) && html.contains("Plafond du mois"), "{html}");
    assert!(!html.contains(&format!("id=\"contrat-{c3}\"")), "Bâtir does not employ c3: {html}");
    let csrf = csrf_de(&html);
    let envoyer = |champs: Vec<(String, String)>| {
        let cookie = cookie.clone();
        let url = app.url("/declarations");
        async move {
            let r = navigateur().post(url).header("cookie", cookie).form(&champs).send().await.unwrap();
            let status = r.status();
            let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (status, location.unwrap_or(r.text().await.unwrap().replace("&#x27;", "'").replace("&quot;", "\"")))
        }
    };
    let grille = |jeton: &str, lignes: &[(i64, &str)], action: &str, atteste: bool| {
        let mut champs = vec![("csrf".to_string(), jeton.to_string()), ("mois".to_string(), "2025-06".to_string()), ("action".to_string(), action.to_string())];
        for (c, travail) in lignes {
            champs.push((format!("travail_{c}"), travail.to_string()));
            champs.push((format!("formation_{c}"), "0".to_string()));
        }
        if atteste {
            champs.push(("attestation".into(), "oui".into()));
        }
        champs
    };
    let lignes = count(&app.db, "heures_mensuelles").await;
    let long = "9".repeat(14_000);
    for (champs, attendu, message) in [
        (grille("faux", &[(c1, "140,5")], "declarer", true), StatusCode::FORBIDDEN, "Formulaire expiré"),
        (grille(&csrf, &[(c1, "cent")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "« cent » n'est pas un nombre d'heures"),
        (grille(&csrf, &[(c1, "1e2")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "« 1e2 » n'est pas un nombre d'heures"),
        (grille(&csrf, &[(c1, "500")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "dépassent le plafond"),
        (grille(&csrf, &[(c1, "140,1")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "quart"),
        (grille(&csrf, &[(c1, "140,5")], "declarer", false), StatusCode::UNPROCESSABLE_ENTITY, "certifiez l'exactitude"),
        (grille(&csrf, &[(c1, "140,5"), (c4, "100")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "Ce contrat n'existe pas ou ne vous concerne pas"),
        (grille(&csrf, &[(c1, "")], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "Saisissez les heures d'au moins une ligne"),
        (grille(&csrf, &[(c1, long.as_str())], "declarer", true), StatusCode::UNPROCESSABLE_ENTITY, "n'est pas un nombre d'heures"),
    ] {
        let (status, corps) = envoyer(champs).await;
        assert_eq!(status, attendu, "{message}: {}", &corps[..corps.len().min(3000)]);
        assert!(corps.contains(message), "« {message} » missing in {}", &corps[..corps.len().min(3000)]);
        assert!(!corps.contains(&"9".repeat(100)), "a long input is never echoed in full");
    }
    assert_eq!(count(&app.db, "heures_mensuelles").await, lignes, "nothing written by refused grids");
    // A refused line keeps what was typed.
    let (_, refus) = envoyer(grille(&csrf, &[(c1, "cent")], "declarer", true)).await;
    assert!(refus.contains("value=\"cent\"") && refus.contains("aria-invalid=\"true\""), "{refus}");

    // A draft first: kept, shown again in its line.
    let (status, suite) = envoyer(grille(&csrf, &[(c1, "100")], "brouillon", false)).await;
    assert_eq!((status, suite.as_str()), (StatusCode::SEE_OTHER, "/declarations?brouillon=true&fait=1&mois=2025-06&tri=salarie"));
    let (_, html) = page(app, &suite, Some(&cookie)).await;
    assert!(html.contains("1 ligne enregistrée en brouillon") && html.contains("value=\"100\""), "{html}");
    // Then declared and certified.
    let (status, suite) = envoyer(grille(&csrf, &[(c1, "140,5")], "declarer", true)).await;
    assert_eq!((status, suite.as_str()), (StatusCode::SEE_OTHER, "/declarations?fait=1&mois=2025-06&tri=salarie"));
    let (_, html) = page(app, &suite, Some(&cookie)).await;
    assert!(html.contains("1 ligne déclarée") && !html.contains(&format!("id=\"contrat-{c1}\"")), "{html}");
    let (_, mois) = app.get(&format!("/api/v1/contrats/{c1}/heures/2025-06"), &s.f.token).await;
    let courante = &mois["courante"];
    assert_eq!((courante["statut"].as_str(), courante["heures_travail"].as_f64(), courante["atteste_par_id"].as_i64()), (Some("declaree"), Some(140.5), Some(batir.user_id)), "{mois}");
    // Its history: the draft, then the certified declaration.
    let (status, histoire) = page(app, &format!("/declarations/{c1}/2025-06"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(histoire.contains("Heures de juin 2025") && histoire.contains("140,5 h") && histoire.contains("100 h") && histoire.matches("Utilisateur").count() >= 2, "{histoire}");
    assert_eq!(page(app, &format!("/declarations/{c3}/2025-06"), Some(&cookie)).await.0, StatusCode::NOT_FOUND, "another company's contrat");

    // The facilitateur sees the structure's grid with the employers; other roles and
    // other structures are refused.
    let cookie_f = se_connecter_a(app, &s.f, "/declarations").await;
    let (_, html) = page(app, "/declarations?mois=2025-06", Some(&cookie_f)).await;
    assert!(html.contains(&format!("id=\"contrat-{c3}\"")) && html.contains("Second Œuvre Insertion"), "{html}");
    // Its grid is searched and filtered by employer.
    let (_, filtre) = page(app, &format!("/declarations?mois=2025-06&employeur={}", s.ei), Some(&cookie_f)).await;
    assert!(filtre.contains(&format!("id=\"contrat-{c3}\"")) && !filtre.contains(&format!("id=\"contrat-{}\"", s.contrats[1])), "{filtre}");
    let (_, rien) = page(app, "/declarations?mois=2025-06&q=zzz", Some(&cookie_f)).await;
    assert!(rien.contains("Aucun contrat ne correspond à cette recherche"), "{rien}");
    for role in [Role::Referent, Role::DonneurOrdre] {
        let login = if role == Role::DonneurOrdre { app.login_bound("PLIE A", role, None, Some(s.ville)).await } else { app.login("PLIE A", role).await };
        let c = se_connecter_a(app, &login, "/declarations").await;
        assert_eq!(page(app, "/declarations", Some(&c)).await.0, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(page(app, &format!("/declarations/{c1}/2025-06"), Some(&c)).await.0, StatusCode::FORBIDDEN, "{role:?}");
    }
    let etranger = app.login("PLIE B", Role::Facilitateur).await;
    let c = se_connecter_a(app, &etranger, "/declarations").await;
    let (_, html) = page(app, "/declarations?mois=2025-06", Some(&c)).await;
    assert!(html.contains("Rien à déclarer pour juin 2025"), "{html}");
    assert_eq!(page(app, &format!("/declarations/{c1}/2025-06"), Some(&c)).await.0, StatusCode::NOT_FOUND);
    let jeton = csrf_de(&page(app, "/", Some(&c)).await.1);
    let r = navigateur().post(app.url("/declarations")).header("cookie", &c).form(&[("csrf", jeton.as_str()), ("mois", "2025-06"), ("action", "declarer"), (&format!("travail_{c3}"), "10"), (&format!("formation_{c3}"), "0")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app.db, "heures_mensuelles").await, lignes + 2);
    assert_eq!(page(app, "/declarations", None).await.1, "/connexion?suite=/declarations");
    assert_eq!(page(app, "/declarations?mois=juin", Some(&cookie)).await.0, StatusCode::BAD_REQUEST);
    assert!(page(app, "/declarations?mois=2025-10", Some(&cookie)).await.1.contains("Heures d'octobre 2025"));
}

/// The month under way: drafts only, declared from its last day on (said on the page).
#[tokio::test]
async fn the_month_under_way_is_saved_as_a_draft_and_declared_from_its_last_day() {
    let app = spawn_app().await;
    // The ETTI's contrat runs from January to December 2026; the clock is 16 March 2026.
    let s = crate::toutes_pages::structure(&app).await;
    let contrat = app.get(&format!("/api/v1/clauses/{}/contrats", s.clause_id), &s.facilitateur.token).await.1["items"][0]["contrat_id"].as_i64().unwrap();
    let cookie = se_connecter_a(&app, &s.entreprise, "/").await;
    let (_, html) = page(&app, "/declarations?mois=2026-03", Some(&cookie)).await;
    assert!(html.contains("Mars 2026 n'est pas terminé") && html.contains("à partir du 31/03/2026"), "{html}");
    assert!(!html.contains("Déclarer les heures</button>") && !html.contains("Je certifie"), "no declaring yet: {html}");
    let jeton = csrf_de(&html);
    let travail = format!("travail_{contrat}");
    let formation = format!("formation_{contrat}");
    let poster = |action: &'static str| {
        let (cookie, jeton, travail, formation) = (cookie.clone(), jeton.clone(), travail.clone(), formation.clone());
        let url = app.url("/declarations");
        async move {
            let champs = [("csrf", jeton.as_str()), ("mois", "2026-03"), ("action", action), (travail.as_str(), "60"), (formation.as_str(), "0"), ("attestation", "oui")];
            navigateur().post(url).header("cookie", cookie).form(&champs).send().await.unwrap()
        }
    };
    let refus = poster("declarer").await;
    assert_eq!(refus.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refus.text().await.unwrap().replace("&#x2F;", "/").contains("se déclarent à partir du 31/03/2026"));
    assert_eq!(poster("brouillon").await.status(), StatusCode::SEE_OTHER);
    let (_, mois) = app.get(&format!("/api/v1/contrats/{contrat}/heures/2026-03"), &s.facilitateur.token).await;
    assert_eq!((mois["courante"]["statut"].as_str(), mois["courante"]["atteste_par_id"].as_i64()), (Some("brouillon"), None), "{mois}");
    // The company's home now shows the month under way with its draft.
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    assert!(accueil.contains("href=\"/declarations?mois=2026-03\"") && accueil.contains("1 en brouillon") && accueil.contains("mois en cours"), "{accueil}");
    // Future months are not offered.
    assert!(html.contains("max=\"2026-03\""), "{html}");
}

/// A line's key on the validation page: `contrat:AAAA-MM:revision`.
async fn cle_de(app: &TestApp, token: &str, contrat: i64, mois: &str) -> String {
    let (_, m) = app.get(&format!("/api/v1/contrats/{contrat}/heures/{mois}"), token).await;
    format!("{contrat}:{mois}:{}", m["courante"]["revision"].as_i64().unwrap())
}

/// The validation queue: filtered, with each line's context; several lines validated in
/// one action, lines sent back each with its reason (all or nothing); the company is
/// e-mailed once per revision sent back; other roles and structures are refused.
#[tokio::test]
async fn facilitateurs_validate_several_months_at_once_and_send_back_with_a_reason() {
    let s = scenario().await;
    let app = &s.app;
    let [c1, _c2, c3, _c4] = s.contrats;
    // May is declared for c1 (scenario); June for c1 and c3, by the facilitateur.
    assert_eq!(app.declare(&s.f.token, c3, "2025-06", json!({"heures_travail": 98.25})).await.0, StatusCode::OK);
    assert_eq!(app.declare(&s.f.token, c1, "2025-06", json!({"heures_travail": 120})).await.0, StatusCode::OK);
    let cookie = se_connecter_a(app, &s.f, "/validations").await;
    let (status, html) = page(app, "/validations", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for id in [format!("mois-{c1}-2025-05"), format!("mois-{c1}-2025-06"), format!("mois-{c3}-2025-06")] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
    }
    // Context: hours, cap, earlier months, opération and clause.
    assert!(html.contains("98,25 h de travail") && html.contains("plafond") && html.contains("mai 2025 : ") && html.contains("Clause n° "), "{html}");
    // Filters: the month, the employer.
    let (_, juin) = page(app, "/validations?mois=2025-06", Some(&cookie)).await;
    assert!(!juin.contains(&format!("id=\"mois-{c1}-2025-05\"")) && juin.contains(&format!("id=\"mois-{c3}-2025-06\"")), "{juin}");
    let (_, batir) = page(app, &format!("/validations?employeur={}", s.batir), Some(&cookie)).await;
    assert!(batir.contains(&format!("id=\"mois-{c1}-2025-05\"")) && !batir.contains(&format!("id=\"mois-{c3}-2025-06\"")), "{batir}");
    let csrf = csrf_de(&html);
    let (mai1, juin1, juin3) = (cle_de(app, &s.f.token, c1, "2025-05").await, cle_de(app, &s.f.token, c1, "2025-06").await, cle_de(app, &s.f.token, c3, "2025-06").await);
    let poster = |champs: Vec<(String, String)>| {
        let cookie = cookie.clone();
        let url = app.url("/validations");
        async move {
            let r = navigateur().post(url).header("cookie", cookie).form(&champs).send().await.unwrap();
            let status = r.status();
            let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (status, location.unwrap_or(r.text().await.unwrap().replace("&#x27;", "'")))
        }
    };
    let form = |jeton: &str, action: String, choix: &[&str], motifs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v = vec![("csrf".to_string(), jeton.to_string()), ("retour".to_string(), "/validations".to_string()), ("action".to_string(), action)];
        v.extend(choix.iter().map(|c| ("choix".to_string(), c.to_string())));
        v.extend(motifs.iter().map(|(c, m)| (format!("motif_{c}"), m.to_string())));
        v
    };
    let lignes = count(&app.db, "heures_mensuelles").await;
    let perime = format!("{c1}:2025-05:99");
    let long = "x".repeat(6_000);
    for (champs, attendu, message) in [
        (form("faux", "valider".into(), &[&mai1], &[]), StatusCode::FORBIDDEN, "Formulaire expiré"),
        (form(&csrf, "valider".into(), &[], &[]), StatusCode::UNPROCESSABLE_ENTITY, "Cochez au moins une ligne"),
        (form(&csrf, "renvoyer".into(), &[&juin1, &juin3], &[(&juin1, "Planning : 96 h")]), StatusCode::UNPROCESSABLE_ENTITY, "ce qu'il faut corriger"),
        (form(&csrf, "valider".into(), &[&mai1, &perime], &[]), StatusCode::UNPROCESSABLE_ENTITY, "Rechargez"),
        (form(&csrf, "peut-etre".into(), &[&mai1], &[]), StatusCode::BAD_REQUEST, "Décision inconnue"),
        (form(&csrf, format!("renvoyer:{juin3}"), &[], &[(&juin3, long.as_str())]), StatusCode::UNPROCESSABLE_ENTITY, "Motif du renvoi : 5"),
    ] {
        let (status, corps) = poster(champs).await;
        assert_eq!(status, attendu, "{message}: {corps}");
        assert!(corps.to_lowercase().contains(&message.to_lowercase()), "« {message} » missing in {corps}");
    }
    assert_eq!(count(&app.db, "heures_mensuelles").await, lignes);
    let (_, mai) = app.get(&format!("/api/v1/contrats/{c1}/heures/2025-05"), &s.f.token).await;
    assert_eq!(mai["courante"]["statut"], "declaree", "all or nothing: the valid line of a refused action is not validated");

    // Two lines validated in one action.
    let (status, suite) = poster(form(&csrf, "valider".into(), &[&mai1, &juin3], &[])).await;
    assert_eq!((status, suite.as_str()), (StatusCode::SEE_OTHER, "/validations?fait=validees-2"));
    for (c, m) in [(c1, "2025-05"), (c3, "2025-06")] {
        assert_eq!(app.get(&format!("/api/v1/contrats/{c}/heures/{m}"), &s.f.token).await.1["courante"]["statut"], "validee");
    }
    // One sent back from its own button, with its reason; the company (its account) is
    // e-mailed once.
    let ent = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;

    let (status, suite) = poster(form(&csrf, format!("renvoyer:{juin1}"), &[], &[(&juin1, "Planning : 96 h")])).await;
    assert_eq!((status, suite.as_str()), (StatusCode::SEE_OTHER, "/validations?fait=renvoyees-1"));
    let (_, juin) = app.get(&format!("/api/v1/contrats/{c1}/heures/2025-06"), &s.f.token).await;
    assert_eq!((juin["courante"]["statut"].as_str(), juin["courante"]["motif_decision"].as_str()), (Some("a_corriger"), Some("Planning : 96 h")));
    let renvois = courriels_tels(app, 1, |m| m.subject.starts_with("Heures de juin 2025 à corriger")).await;
    assert!(!renvois.is_empty() && renvois.iter().all(|m| m.text.contains("Planning : 96 h") && m.text.contains("/declarations?mois=2025-06")), "{renvois:?}");
    // The job run again (or by another server) adds nothing.
    let n = count(&app.db, "emails").await;
    clausier::relances::renvois_maintenant(&app.state, s.f.structure_id).await.unwrap();
    assert_eq!(count(&app.db, "emails").await, n, "once per revision");
    // The company sees the reason on its grid.
    let c = se_connecter_a(app, &ent, "/").await;
    let (_, grille) = page(app, "/declarations?mois=2025-06", Some(&c)).await;
    assert!(grille.contains("à corriger") && grille.contains("Motif : Planning : 96 h") && grille.contains("Déclaré avant : 120 h"), "{grille}");

    // Companies and référents may not; another structure sees nothing of ours.
    for login in [ent, app.login("PLIE A", Role::Referent).await] {
        let c = se_connecter_a(app, &login, "/validations").await;
        assert_eq!(page(app, "/validations", Some(&c)).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.declare(&s.f.token, c3, "2025-07", json!({"heures_travail": 90})).await.0, StatusCode::OK);
    let etranger = app.login("PLIE B", Role::Facilitateur).await;
    let c = se_connecter_a(app, &etranger, "/validations").await;
    let (_, html) = page(app, "/validations", Some(&c)).await;
    assert!(html.contains("Aucune déclaration en attente"), "{html}");
    let jeton = csrf_de(&page(app, "/", Some(&c)).await.1);
    let r = navigateur().post(app.url("/validations")).header("cookie", &c).form(&form(&jeton, "valider".into(), &[&format!("{c3}:2025-07:1")], &[])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&format!("/api/v1/contrats/{c3}/heures/2025-07"), &s.f.token).await.1["courante"]["statut"], "declaree");
}

/// The validation queue is chosen, sorted and cut by the database: the employer's sort
/// both ways, the opération and clause filters, a search on an opération's name; the
/// employer's name in a line filters on that employer.
#[tokio::test]
async fn the_validation_queue_is_filtered_and_sorted_by_the_database() {
    let s = scenario().await;
    let app = &s.app;
    let [c1, c2, c3, _c4] = s.contrats;
    // c1 (Bâtir) has May waiting (scenario); c3 (EI) and c2 (ETTI, clause B) April.
    let (status, corps) = app.declare(&s.f.token, c3, "2025-04", json!({"heures_travail": 98.25, "motif": "Correction"})).await;
    assert_eq!(status, StatusCode::OK, "{corps}");
    let (status, corps) = app.declare(&s.f.token, c2, "2025-04", json!({"heures_travail": 100, "motif": "Correction"})).await;
    assert_eq!(status, StatusCode::OK, "{corps}");
    let cookie = se_connecter_a(app, &s.f, "/validations").await;
    let lignes = |html: &str| -> Vec<String> { html.split("<tr id=\"mois-").skip(1).map(|l| l.split('"').next().unwrap().to_string()).collect() };
    let (_, html) = page(app, "/validations", Some(&cookie)).await;
    let par_mois = lignes(&html);
    assert_eq!(par_mois.len(), 3, "{html}");
    assert!(par_mois[2] == format!("{c1}-2025-05"), "oldest month first: {par_mois:?}");
    let (_, asc) = page(app, "/validations?tri=employeur", Some(&cookie)).await;
    let (_, desc) = page(app, "/validations?tri=employeur&sens=desc", Some(&cookie)).await;
    let (asc, mut desc) = (lignes(&asc), lignes(&desc));
    desc.reverse();
    assert_eq!(asc, desc, "descending is ascending reversed");
    assert_eq!(asc.first(), Some(&format!("{c1}-2025-05")), "Bâtir before EI and ETTI: {asc:?}");
    let (_, clause_b) = page(app, &format!("/validations?clause={}", s.clause_b), Some(&cookie)).await;
    assert_eq!(lignes(&clause_b), vec![format!("{c2}-2025-04")]);
    let (_, operation) = page(app, &format!("/validations?operation={}", s.operation), Some(&cookie)).await;
    assert_eq!(lignes(&operation).len(), 3);
    let (_, op) = app.get(&format!("/api/v1/operations/{}", s.operation), &s.f.token).await;
    let nom = op["nom"].as_str().unwrap();
    let debut: String = nom.chars().take(6).collect();
    let (_, cherche) = page(app, &format!("/validations?q={}", urlencoding(&debut)), Some(&cookie)).await;
    assert_eq!(lignes(&cherche).len(), 3, "the opération's name finds its months: {cherche}");
    let (_, autre) = page(app, &format!("/validations?q=zzz&operation={}", s.operation), Some(&cookie)).await;
    assert!(lignes(&autre).is_empty() && autre.contains("Aucune déclaration en attente ne correspond"), "{autre}");
    // The employer's name links to its months only, keeping the sort.
    let lien = format!("href=\"/validations?employeur={}&amp;tri=employeur\"", s.etti);
    assert!(html_de(app, &cookie, "/validations?tri=employeur").await.contains(&lien), "{lien}");
    let (_, etti) = page(app, &format!("/validations?employeur={}&tri=employeur", s.etti), Some(&cookie)).await;
    assert_eq!(lignes(&etti), vec![format!("{c2}-2025-04")]);
    assert!(etti.contains("Retirer les filtres employeur, opération et clause"), "{etti}");
}

async fn html_de(app: &TestApp, cookie: &str, chemin: &str) -> String {
    page(app, chemin, Some(cookie)).await.1.replace("&#x2F;", "/")
}

fn urlencoding(texte: &str) -> String {
    texte.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
