//! Sorties categorised by the protocole rule set, through the API: the rules read the
//! same validated monthly hours; the rule set is versioned per structure.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// An ETTI mission from 2 January to 30 June 2025 (not six months without interruption)
/// with 100 h declared each month, less `moins_quarts` quarters of an hour in June;
/// every month validated but June unless `juin_valide`.
async fn interimaire(app: &TestApp, f: &Login, siret_seed: u64, moins_quarts: i64, juin_valide: bool) -> i64 {
    let e = app.entreprise(f, "Intérim Solidaire", siret_seed).await["id"].as_i64().unwrap();
    let p = new_participant(app, f, json!({})).await;
    let c = new_contrat(app, f, p, e, "mission_etti", "2025-01-02", Some("2025-06-30"), 35.0).await["id"].as_i64().unwrap();
    for mois in ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"] {
        let quarts = if mois == "2025-06" { 400 - moins_quarts } else { 400 };
        let (status, h) = app.declare(&f.token, c, mois, json!({"heures_travail": quarts as f64 / 4.0})).await;
        assert_eq!(status, StatusCode::OK, "{h}");
        if mois != "2025-06" || juin_valide {
            assert_eq!(app.decide(&f.token, c, mois, json!({"decision": "validee"})).await.0, StatusCode::OK);
        }
    }
    p
}

#[tokio::test]
async fn six_hundred_hours_of_interim_over_six_months_is_a_positive_exit_and_599_75_is_not() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let yes = interimaire(&app, &f, 1, 0, true).await;
    let no = interimaire(&app, &f, 2, 1, true).await;
    let (status, s) = app.post(&format!("/api/v1/participants/{yes}/sorties"), &f.token, &json!({"date_sortie": "2025-06-30", "situation": "interim"})).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["categorie"], "positive_emploi");
    let rule = s["explication"].as_array().unwrap().iter().find(|r| r["regle"] == "interim_heures").unwrap().clone();
    assert_eq!(rule["satisfaite"], true);
    assert!(rule["detail"].as_str().unwrap().starts_with("600 h d'intérim"), "{rule}");
    let (_, s) = app.post(&format!("/api/v1/participants/{no}/sorties"), &f.token, &json!({"date_sortie": "2025-06-30", "situation": "interim"})).await;
    assert_eq!(s["categorie"], "dynamique", "{s}");
    let rule = s["explication"].as_array().unwrap().iter().find(|r| r["regle"] == "interim_heures").unwrap().clone();
    assert!(rule["detail"].as_str().unwrap().starts_with("599,75 h d'intérim"), "{rule}");

    // Hours not yet validated do not count.
    let pending = interimaire(&app, &f, 3, 0, false).await;
    let (_, s) = app.post(&format!("/api/v1/participants/{pending}/sorties"), &f.token, &json!({"date_sortie": "2025-06-30", "situation": "interim"})).await;
    assert_eq!(s["categorie"], "dynamique", "{s}");

    // The sortie is in the parcours.
    let (_, parcours) = app.get(&format!("/api/v1/participants/{yes}/parcours"), &f.token).await;
    assert_eq!(parcours["sorties"][0]["categorie"], "positive_emploi");
}

#[tokio::test]
async fn protocoles_are_versioned_and_each_sortie_keeps_its_own() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let e = app.entreprise(&f, "Bâtir", 1).await["id"].as_i64().unwrap();
    let p = new_participant(&app, &f, json!({})).await;
    new_contrat(&app, &f, p, e, "cdi", "2025-01-01", None, 17.5).await;

    let (_, actif) = app.get("/api/v1/protocoles/actif", &f.token).await;
    assert_eq!(actif["version"], 0);
    assert_eq!(actif["regles"]["cdi_heures_hebdo"]["valeur"], 17.5);

    // A PLIE that asks for strictly more than a half-time.
    let regles = json!({"nom": "Protocole 2026", "regles": {"cdi_heures_hebdo": {"valeur": 17.5, "strict": true}}});
    assert_eq!(app.post("/api/v1/protocoles", &f.token, &regles).await.0, StatusCode::FORBIDDEN, "admin only");
    let (status, v1) = app.post("/api/v1/protocoles", &admin.token, &regles).await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["regles"]["cdd_mois"]["valeur"], 6.0, "unnamed rules keep their defaults");
    let (status, problem) = app.post("/api/v1/protocoles", &admin.token, &json!({"nom": "X", "regles": {"cdd_mois": {"valeur": -2}}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "regles.cdd_mois.valeur");
    let (status, _) = app.post("/api/v1/protocoles", &admin.token, &json!({"nom": "X", "regles": {"regle_inconnue": 1}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, s) = app.post(&format!("/api/v1/participants/{p}/sorties"), &f.token, &json!({"date_sortie": "2025-06-30", "situation": "cdi"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s["categorie"], "dynamique", "17.5 h is not > 17.5 h under the strict protocole");
    assert_eq!(s["protocole_id"], v1["id"]);

    // Version 2 goes back to ≥; the first sortie keeps the version that categorised it.
    let (_, v2) = app.post("/api/v1/protocoles", &admin.token, &json!({"nom": "Protocole 2026"})).await;
    assert_eq!(v2["version"], 2);
    let (_, s2) = app.post(&format!("/api/v1/participants/{p}/sorties"), &f.token, &json!({"date_sortie": "2025-07-31", "situation": "cdi"})).await;
    assert_eq!(s2["categorie"], "positive_emploi");
    let (_, all) = app.get("/api/v1/protocoles", &f.token).await;
    let versions: Vec<(i64, bool)> = all["items"].as_array().unwrap().iter().map(|p| (p["version"].as_i64().unwrap(), p["actif"].as_bool().unwrap())).collect();
    assert_eq!(versions, [(2, true), (1, false)]);
    let (_, parcours) = app.get(&format!("/api/v1/participants/{p}/parcours"), &f.token).await;
    assert_eq!(parcours["sorties"][0]["protocole_id"], v1["id"]);
}

#[tokio::test]
async fn bad_sorties_are_refused_and_scope_applies() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let p = new_participant(&app, &f, json!({})).await;
    let path = format!("/api/v1/participants/{p}/sorties");
    for (body, field) in [
        (json!({"date_sortie": "2025-06-30", "situation": "vacances"}), "situation"),
        (json!({"date_sortie": "2027-01-01", "situation": "abandon"}), "date_sortie"),
    ] {
        let (status, problem) = app.post(&path, &f.token, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let (_, s) = app.post(&path, &f.token, &json!({"date_sortie": "2025-06-30", "situation": "demenagement"})).await;
    assert_eq!(s["categorie"], "autre");
    assert_eq!(app.post(&path, &f.token, &json!({"date_sortie": "2025-06-30", "situation": "abandon"})).await.0, StatusCode::UNPROCESSABLE_ENTITY, "same day");
    let b = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.post(&path, &b.token, &json!({"date_sortie": "2025-05-30", "situation": "abandon"})).await.0, StatusCode::NOT_FOUND);
    let r = app.login("PLIE A", Role::Referent).await;
    assert_eq!(app.post(&path, &r.token, &json!({"date_sortie": "2025-05-30", "situation": "abandon"})).await.0, StatusCode::NOT_FOUND, "not its participant");
    assert_eq!(count(&app.db, "sorties").await, 1);
}
