//! The parcours core through its REST API: participants, critères and eligibility,
//! étapes, the timeline, référents, scope.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn criteres_and_the_eligibility_window_at_its_edges() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let e = app.entreprise(&f, "Bâtir", 1).await["id"].as_i64().unwrap();
    let p = new_participant(&app, &f, json!({})).await;
    let c = verify(&app, &f, p, "rsa", "2025-01-15").await;
    assert_eq!(c["verifie_par_id"], f.user_id);
    assert_eq!(c["retire"], false);

    // Exactly 6 months before the start: eligible; one day later start: not.
    let ok = new_contrat(&app, &f, p, e, "cdd", "2025-07-15", Some("2025-12-31"), 35.0).await;
    assert_eq!(ok["eligible"], true, "{ok}");
    let late = new_contrat(&app, &f, p, e, "cdd", "2025-07-16", Some("2025-12-31"), 35.0).await;
    assert_eq!(late["eligible"], false);
    assert!(late["eligibilite"]["motif"].as_str().unwrap().contains("Aucun critère"));
    let (_, el) = app.get(&format!("/api/v1/participants/{p}/eligibilite?date=2025-07-15"), &f.token).await;
    assert_eq!(el["eligible"], true);
    assert_eq!(el["code"], "rsa");

    // The window is a setting of the structure (admin).
    let admin = app.login("PLIE A", Role::Admin).await;
    let (status, _) = app.put("/api/v1/parametres/parcours", &f.token, &json!({"eligibilite_mois": 12})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, params) = app.put("/api/v1/parametres/parcours", &admin.token, &json!({"eligibilite_mois": 12})).await;
    assert_eq!(status, StatusCode::OK, "{params}");
    assert_eq!(params["heures_max_semaine"], 48);
    let (_, el) = app.get(&format!("/api/v1/participants/{p}/eligibilite?date=2025-07-16"), &f.token).await;
    assert_eq!(el["eligible"], true);

    // Withdrawn: no longer counts, kept with its reason.
    let cid = c["id"].as_i64().unwrap();
    let (status, w) = app.post(&format!("/api/v1/participants/{p}/criteres/{cid}/retrait"), &f.token, &json!({"motif": "Attestation périmée"})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["retire"], true);
    let (_, el) = app.get(&format!("/api/v1/participants/{p}/eligibilite?date=2025-07-15"), &f.token).await;
    assert_eq!(el["eligible"], false);
    let (status, _) = app.post(&format!("/api/v1/participants/{p}/criteres/{cid}/retrait"), &f.token, &json!({"motif": "encore"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, list) = app.get(&format!("/api/v1/participants/{p}/criteres"), &f.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_gestion_roles_verify_criteria_and_bad_criteria_are_refused() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let r = app.login("PLIE A", Role::Referent).await;
    let p = new_participant(&app, &r, json!({"date_naissance": "1990-05-01"})).await;
    let path = format!("/api/v1/participants/{p}/criteres");
    let body = json!({"code": "rsa", "date_verification": "2025-01-15", "justificatif": "Attestation CAF"});
    assert_eq!(app.post(&path, &r.token, &body).await.0, StatusCode::FORBIDDEN);
    let cases = [
        (json!({"code": "inconnu", "date_verification": "2025-01-15", "justificatif": "x"}), "code"),
        (json!({"code": "rsa", "date_verification": "2030-01-15", "justificatif": "x"}), "date_verification"),
        (json!({"code": "rsa", "date_verification": "2025-01-15", "justificatif": " "}), "justificatif"),
        (json!({"code": "jeune_peu_qualifie", "date_verification": "2025-01-15", "justificatif": "x"}), "code"),
        (json!({"code": "autre", "date_verification": "2025-01-15", "justificatif": "x"}), "libelle"),
        (json!({"code": "rsa", "date_verification": "2025-01-15", "justificatif": "x", "valide_jusqu_au": "2024-01-01"}), "valide_jusqu_au"),
    ];
    for (body, field) in cases {
        let (status, problem) = app.post(&path, &f.token, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    verify(&app, &f, p, "rsa", "2025-01-15").await;
    let (status, problem) = app.post(&path, &f.token, &json!({"code": "rsa", "date_verification": "2025-01-15", "justificatif": "bis"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "duplicate");
    assert_eq!(problem["errors"][0]["message"], "Ce critère est déjà enregistré à cette date.");
    assert_eq!(count(&app.db, "criteres").await, 1);
}

#[tokio::test]
async fn the_parcours_timeline_is_ordered_and_shows_the_contrat_as_an_emploi_etape() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let e = app.entreprise(&f, "Bâtir", 1).await["id"].as_i64().unwrap();
    let p = new_participant(&app, &f, json!({})).await;
    verify(&app, &f, p, "deld", "2025-02-01").await;
    let etape = |t: &str, sous: &str, debut: &str| json!({"type": t, "sous_type": sous, "intitule": format!("{t} {sous}"), "date_debut": debut});
    for body in [etape("formation", "qualifiante", "2025-05-01"), etape("accueil_diagnostic", "", "2025-01-10"), etape("levee_freins", "sante", "2025-02-15")] {
        let (status, b) = app.post(&format!("/api/v1/participants/{p}/etapes"), &f.token, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
    }
    let c = new_contrat(&app, &f, p, e, "cdd", "2025-03-01", Some("2025-08-31"), 35.0).await;

    let (status, parcours) = app.get(&format!("/api/v1/participants/{p}/parcours"), &f.token).await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = parcours["etapes"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["accueil_diagnostic", "levee_freins", "emploi", "formation"]);
    let emploi = &parcours["etapes"][2];
    assert_eq!(emploi["contrat"]["id"], c["id"]);
    assert_eq!(emploi["contrat"]["eligible"], true);
    assert_eq!(parcours["participant"]["id"], p);
    assert_eq!(parcours["criteres"][0]["code"], "deld");
    assert_eq!(parcours["sorties"], json!([]));
    // A levée de freins is sensitive: the facilitateur sees that it exists, not what it is.
    assert_eq!(parcours["etapes"][1]["intitule"], "Confidentiel");
    assert_eq!(parcours["etapes"][1]["sous_type"], serde_json::Value::Null);

    // The référent who follows the participant sees the details.
    let r = app.login("PLIE A", Role::Referent).await;
    let (status, _) = app.put(&format!("/api/v1/participants/{p}/referent"), &f.token, &json!({"referent_id": r.user_id})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, parcours) = app.get(&format!("/api/v1/participants/{p}/parcours"), &r.token).await;
    assert_eq!(parcours["etapes"][1]["sous_type"], "sante");

    // Bad étapes.
    for (body, field) in [
        (etape("emploi", "", "2025-01-01"), "type"),
        (etape("levee_freins", "astrologie", "2025-01-01"), "sous_type"),
        (json!({"type": "mobilisation", "intitule": "PMSMP", "date_debut": "2025-03-01", "date_fin": "2025-02-01"}), "date_fin"),
        (json!({"type": "mobilisation", "intitule": "PMSMP", "date_debut": "2025-03-01", "heures_formation": 10}), "heures_formation"),
    ] {
        let (status, problem) = app.post(&format!("/api/v1/participants/{p}/etapes"), &f.token, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem["errors"][0]["field"], field);
    }
    assert_eq!(count(&app.db, "etapes").await, 4);
}

#[tokio::test]
async fn search_update_and_referent_history() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let r1 = app.login("PLIE A", Role::Referent).await;
    let r2 = app.login("PLIE A", Role::Referent).await;
    let a = new_participant(&app, &f, json!({"nom": "Martin", "prenom": "Julie", "commune": "Lormont"})).await;
    new_participant(&app, &f, json!({"nom": "Bernard", "prenom": "Karim", "commune": "Bordeaux"})).await;
    new_participant(&app, &f, json!({"nom": "Dumartin", "prenom": "Léo", "commune": "Bordeaux"})).await;

    let (_, page) = app.get("/api/v1/participants?q=MARTIN", &f.token).await;
    let noms: Vec<&str> = page["items"].as_array().unwrap().iter().map(|p| p["nom"].as_str().unwrap()).collect();
    assert_eq!(noms, ["Dumartin", "Martin"]);
    let (_, page) = app.get("/api/v1/participants?commune=bordeaux&par_page=1", &f.token).await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // Référent: assignment, change, history.
    for r in [&r1, &r2] {
        let (status, p) = app.put(&format!("/api/v1/participants/{a}/referent"), &f.token, &json!({"referent_id": r.user_id})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(p["referent_id"], r.user_id);
    }
    let (_, hist) = app.get(&format!("/api/v1/participants/{a}/referents"), &f.token).await;
    let hist = hist["items"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["referent_id"], r1.user_id);
    assert_eq!(hist[0]["au"], "2026-03-16");
    assert_eq!(hist[1]["au"], serde_json::Value::Null);
    let (_, page) = app.get(&format!("/api/v1/participants?referent_id={}", r2.user_id), &f.token).await;
    assert_eq!(page["total"], 1);
    // r1 no longer follows Julie Martin; r2 does.
    assert_eq!(app.get(&format!("/api/v1/participants/{a}"), &r1.token).await.0, StatusCode::NOT_FOUND);
    let (_, mine) = app.get("/api/v1/participants", &r2.token).await;
    assert_eq!(mine["total"], 1);
    // A référent cannot reassign; an entreprise user is not a référent.
    assert_eq!(app.put(&format!("/api/v1/participants/{a}/referent"), &r2.token, &json!({"referent_id": r2.user_id})).await.0, StatusCode::FORBIDDEN);
    let (status, problem) = app.put(&format!("/api/v1/participants/{a}/referent"), &f.token, &json!({"referent_id": 999999})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "referent_id");

    // Update: the whole form, validated, audited with before and after.
    let mut body = participant_json();
    body["nom"] = json!("Martin-Diallo");
    body["prescripteur_type"] = json!("mission_locale");
    let (status, p) = app.put(&format!("/api/v1/participants/{a}"), &r2.token, &body).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["nom"], "Martin-Diallo");
    assert_eq!(p["prescripteur_type"], "mission_locale");
    let audits = count(&app.db, "audit_log").await;
    body["date_naissance"] = json!("1890-01-01");
    assert_eq!(app.put(&format!("/api/v1/participants/{a}"), &r2.token, &body).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app.db, "audit_log").await, audits);
}

#[tokio::test]
async fn other_structures_and_roles_never_reach_the_parcours() {
    let app = spawn_app().await;
    let a = app.login("PLIE A", Role::Facilitateur).await;
    let b = app.login("PLIE B", Role::Facilitateur).await;
    let e = app.entreprise(&a, "Bâtir", 1).await["id"].as_i64().unwrap();
    let p = new_participant(&app, &a, json!({})).await;
    let c = new_contrat(&app, &a, p, e, "cdd", "2025-03-01", Some("2025-08-31"), 35.0).await["id"].as_i64().unwrap();
    let ent = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let dor = app.donneur_ordre(&a, "Commune", 2).await["id"].as_i64();
    let don = app.login_bound("PLIE A", Role::DonneurOrdre, None, dor).await;
    for path in [format!("/api/v1/participants/{p}/parcours"), format!("/api/v1/participants/{p}/criteres"), format!("/api/v1/contrats/{c}"), format!("/api/v1/contrats/{c}/heures")] {
        assert_eq!(app.get(&path, &b.token).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [format!("/api/v1/participants/{p}/parcours"), format!("/api/v1/participants/{p}/criteres"), "/api/v1/participants".to_string()] {
        assert_eq!(app.get(&path, &ent.token).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(app.get(&path, &don.token).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    // Writing into another structure's participant: 404, nothing written.
    let before = count(&app.db, "criteres").await;
    assert_eq!(app.post(&format!("/api/v1/participants/{p}/criteres"), &b.token, &json!({"code": "rsa", "date_verification": "2025-01-15", "justificatif": "x"})).await.0, StatusCode::NOT_FOUND);
    let eb = app.entreprise(&b, "Autre", 3).await["id"].as_i64().unwrap();
    assert_eq!(app.post(&format!("/api/v1/participants/{p}/contrats"), &b.token, &json!({"employeur_id": eb, "type_contrat": "cdi", "date_debut": "2025-01-01", "heures_hebdo": 35, "poste": "x"})).await.0, StatusCode::NOT_FOUND);
    // A contrat with another structure's employer: 422 on the field.
    let (status, problem) = app.post(&format!("/api/v1/participants/{p}/contrats"), &a.token, &json!({"employeur_id": eb, "type_contrat": "cdi", "date_debut": "2025-01-01", "heures_hebdo": 35, "poste": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "employeur_id");
    assert_eq!(count(&app.db, "criteres").await, before);
    assert_eq!(count(&app.db, "contrats").await, 1);
}

#[tokio::test]
async fn everything_held_on_a_person_is_exported_for_the_right_of_access() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let p = new_participant(&app, &f, json!({"nom": "Martin", "prenom": "Inès"})).await;
    verify(&app, &f, p, "rsa", "2026-01-10").await;
    let e = app.entreprise(&f, "Bâtir", 7).await["id"].as_i64().unwrap();
    let c = new_contrat(&app, &f, p, e, "cdd", "2026-01-12", Some("2026-06-30"), 35.0).await["id"].as_i64().unwrap();
    assert!(app.declare(&f.token, c, "2026-01", json!({"heures_travail": 120, "heures_formation": 0})).await.0.is_success());
    assert!(app.declare(&f.token, c, "2026-01", json!({"heures_travail": 121.5, "heures_formation": 0})).await.0.is_success());
    let (status, x) = app.get(&format!("/api/v1/participants/{p}/export"), &f.token).await;
    assert_eq!(status, StatusCode::OK, "{x}");
    assert_eq!((x["parcours"]["participant"]["nom"].as_str(), x["parcours"]["criteres"].as_array().map(Vec::len)), (Some("Martin"), Some(1)), "{x}");
    assert!(x["heures"].as_array().unwrap().iter().all(|h| h["contrat_id"].as_i64() == Some(c)), "{x}");
    assert!(!x["heures"].as_array().unwrap().is_empty() && x["genere_le"].is_string(), "{x}");
    // Who may not read the person may not export it; the export itself is audited.
    assert_eq!(app.get(&format!("/api/v1/participants/{p}/export"), &referent.token).await.0, StatusCode::NOT_FOUND, "not its follower");
    let ent = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    assert_eq!(app.get(&format!("/api/v1/participants/{p}/export"), &ent.token).await.0, StatusCode::FORBIDDEN);
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.get(&format!("/api/v1/participants/{p}/export"), &ailleurs.token).await.0, StatusCode::NOT_FOUND);
    let (_, journal) = app.get(&format!("/api/v1/audit?entite=participant&entite_id={p}"), &admin.token).await;
    assert!(journal["items"].as_array().unwrap().iter().any(|e| e["action"] == "export_rgpd" && e["utilisateur_id"].as_i64() == Some(f.user_id)), "{journal}");
}
