//! Monthly hours: the declaration workflow per role, revisions and their history, the
//! sanity limits, stale writes and concurrent writers.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

struct World {
    app: TestApp,
    f: Login,
    ent: Login,
    contrat: i64,
}

/// A facilitateur, a company with a user, and a CDD of that company (Jan–Aug 2025).
async fn world() -> World {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let e = app.entreprise(&f, "Bâtir", 1).await["id"].as_i64().unwrap();
    let ent = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let p = new_participant(&app, &f, json!({})).await;
    let contrat = new_contrat(&app, &f, p, e, "cdd", "2025-01-06", Some("2025-08-31"), 35.0).await["id"].as_i64().unwrap();
    World { app, f, ent, contrat }
}

#[tokio::test]
async fn declare_validate_send_back_and_correct() {
    let World { app, f, ent, contrat } = world().await;
    // The company declares; the facilitateur sends it back; the company corrects.
    let (status, h) = app.declare(&ent.token, contrat, "2025-03", json!({"heures_travail": 151.75, "heures_formation": 0, "attestation": true})).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!((h["statut"].as_str(), h["revision"].as_i64(), h["heures_travail"].as_f64()), (Some("declaree"), Some(1), Some(151.75)));
    assert_eq!(app.decide(&ent.token, contrat, "2025-03", json!({"decision": "validee"})).await.0, StatusCode::FORBIDDEN, "a company does not validate");
    let (status, problem) = app.decide(&f.token, contrat, "2025-03", json!({"decision": "a_corriger"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "sending back needs a reason");
    assert_eq!(problem["errors"][0]["field"], "motif");
    let (status, h) = app.decide(&f.token, contrat, "2025-03", json!({"decision": "a_corriger", "motif": "Planning : 140 h"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["statut"], "a_corriger");
    assert_eq!(h["motif_decision"], "Planning : 140 h");
    assert_eq!(app.decide(&f.token, contrat, "2025-03", json!({"decision": "validee"})).await.0, StatusCode::CONFLICT, "only a declared month is validated");
    let (_, h) = app.declare(&ent.token, contrat, "2025-03", json!({"heures_travail": 140, "attestation": true})).await;
    assert_eq!((h["statut"].as_str(), h["revision"].as_i64()), (Some("declaree"), Some(2)));
    let (status, h) = app.decide(&f.token, contrat, "2025-03", json!({"decision": "validee", "revision": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["statut"], "validee");
    assert_eq!(h["decide_par_id"], f.user_id);

    // A validated month is corrected only with a reason, as a new revision.
    let (status, problem) = app.declare(&f.token, contrat, "2025-03", json!({"heures_travail": 141})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "motif");
    let (status, h) = app.declare(&f.token, contrat, "2025-03", json!({"heures_travail": 141, "motif": "Erreur de report"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((h["statut"].as_str(), h["revision"].as_i64(), h["motif"].as_str()), (Some("declaree"), Some(3), Some("Erreur de report")));

    // History: every revision, newest first; none edited in place.
    let (status, hist) = app.get(&format!("/api/v1/contrats/{contrat}/heures/2025-03"), &ent.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hist["courante"]["revision"], 3);
    let revs: Vec<(i64, f64, &str, bool)> = hist["revisions"].as_array().unwrap().iter().map(|r| (r["revision"].as_i64().unwrap(), r["heures_travail"].as_f64().unwrap(), r["statut"].as_str().unwrap(), r["courante"].as_bool().unwrap())).collect();
    assert_eq!(revs, [(3, 141.0, "declaree", true), (2, 140.0, "validee", false), (1, 151.75, "a_corriger", false)]);
    let (_, months) = app.get(&format!("/api/v1/contrats/{contrat}/heures"), &f.token).await;
    assert_eq!((months["items"].as_array().unwrap().len(), months["total"].as_u64()), (1, Some(1)));
    assert_eq!(count(&app.db, "heures_mensuelles").await, 3);
    // Every step is in the audit log.
    assert_eq!(audit_count(&app, "heures_mensuelles").await, 5, "declared, sent back, declared, validated, corrected");
}

#[tokio::test]
async fn drafts_referents_and_other_companies() {
    let World { app, f, ent, contrat } = world().await;
    let (_, h) = app.declare(&ent.token, contrat, "2025-02", json!({"heures_travail": 20, "brouillon": true})).await;
    assert_eq!(h["statut"], "brouillon");
    assert_eq!(app.decide(&f.token, contrat, "2025-02", json!({"decision": "validee"})).await.0, StatusCode::CONFLICT, "a draft is not validated");
    let (_, h) = app.declare(&ent.token, contrat, "2025-02", json!({"heures_travail": 120, "attestation": true})).await;
    assert_eq!((h["statut"].as_str(), h["revision"].as_i64()), (Some("declaree"), Some(2)));
    assert_eq!(app.declare(&ent.token, contrat, "2025-02", json!({"heures_travail": 10, "brouillon": true})).await.0, StatusCode::CONFLICT, "no draft over a declaration");

    // A référent follows the parcours but never changes hours.
    let r = app.login("PLIE A", Role::Referent).await;
    assert_eq!(app.declare(&r.token, contrat, "2025-04", json!({"heures_travail": 10})).await.0, StatusCode::FORBIDDEN);
    // Another company of the structure does not see this contrat.
    let other = app.entreprise(&f, "Autre", 2).await["id"].as_i64();
    let other = app.login_bound("PLIE A", Role::Entreprise, other, None).await;
    assert_eq!(app.declare(&other.token, contrat, "2025-04", json!({"heures_travail": 10})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/contrats/{contrat}"), &other.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/contrats/{contrat}"), &ent.token).await.0, StatusCode::OK);
    // Nor does a facilitateur of another structure.
    let b = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.declare(&b.token, contrat, "2025-04", json!({"heures_travail": 10})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.decide(&b.token, contrat, "2025-02", json!({"decision": "validee"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(count(&app.db, "heures_mensuelles").await, 2);
}

#[tokio::test]
async fn sanity_limits_and_months_outside_the_contrat() {
    let World { app, f, ent: _, contrat } = world().await;
    // March 2025: min(48 h × 31/7, 10 h × 21 working days) = 210 h.
    assert_eq!(app.declare(&f.token, contrat, "2025-03", json!({"heures_travail": 200, "heures_formation": 10})).await.0, StatusCode::OK);
    let (status, problem) = app.declare(&f.token, contrat, "2025-04", json!({"heures_travail": 200, "heures_formation": 10.25})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "April 2025 has 22 working days: cap 205.71 h");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("plafond"), "{problem}");
    // January: the contrat starts on Monday 6 → 26 days, 20 working days → 178.28 h.
    assert_eq!(app.declare(&f.token, contrat, "2025-01", json!({"heures_travail": 178.25})).await.0, StatusCode::OK);
    assert_eq!(app.declare(&f.token, contrat, "2025-01", json!({"heures_travail": 178.5})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = [
        ("2024-12", json!({"heures_travail": 10}), "mois"),
        ("2025-09", json!({"heures_travail": 10}), "mois"),
        ("2025-13", json!({"heures_travail": 10}), "mois"),
        ("2025-05", json!({"heures_travail": 10.1}), "heures_travail"),
        ("2025-05", json!({"heures_travail": -1}), "heures_travail"),
        ("2025-05", json!({"heures_travail": 10, "heures_formation": 0.3}), "heures_formation"),
        ("2025-05", json!({"heures_travail": "dix"}), "heures_travail"),
    ];
    for (mois, body, field) in bad {
        let (status, problem) = app.declare(&f.token, contrat, mois, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mois} {body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{mois} {body}");
    }
    // A month in the future of the test clock (16 March 2026) on an open contrat.
    let e = app.entreprise(&f, "Ouvert", 4).await["id"].as_i64().unwrap();
    let p = new_participant(&app, &f, json!({})).await;
    let cdi = new_contrat(&app, &f, p, e, "cdi", "2026-01-01", None, 35.0).await["id"].as_i64().unwrap();
    // The month under way: a draft now, declared from its last day on.
    let (status, problem) = app.declare(&f.token, cdi, "2026-03", json!({"heures_travail": 80})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["message"], "Les heures de mars 2026 se déclarent à partir du 31/03/2026 ; d'ici là, enregistrez-les en brouillon.");
    assert_eq!(app.declare(&f.token, cdi, "2026-03", json!({"heures_travail": 80, "brouillon": true})).await.0, StatusCode::OK);
    let (status, problem) = app.declare(&f.token, cdi, "2026-04", json!({"heures_travail": 80})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["message"], "Un mois futur ne peut pas être déclaré.");
    assert_eq!(count(&app.db, "heures_mensuelles").await, 3);
}

#[tokio::test]
async fn a_stale_revision_is_a_conflict_and_concurrent_writers_lose_nothing() {
    let World { app, f, ent, contrat } = world().await;
    app.declare(&ent.token, contrat, "2025-05", json!({"heures_travail": 100, "revision": 0, "attestation": true})).await;
    let (status, problem) = app.declare(&f.token, contrat, "2025-05", json!({"heures_travail": 101, "revision": 0})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("révision en vigueur est la 1"));
    assert_eq!(app.declare(&f.token, contrat, "2025-05", json!({"heures_travail": 101, "revision": 1})).await.0, StatusCode::OK);

    // Eight writers at once on the same month, all based on revision 2: exactly one
    // wins, the others get 409; without a revision, all land, one revision each.
    let based: Vec<_> = (0..8).map(|i| app.declare(&ent.token, contrat, "2025-06", json!({"heures_travail": 100 + i, "revision": 0, "attestation": true}))).collect();
    let statuses: Vec<StatusCode> = futures::future::join_all(based).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");
    let blind: Vec<_> = (0..8).map(|i| app.declare(&ent.token, contrat, "2025-07", json!({"heures_travail": 100 + i, "attestation": true}))).collect();
    let statuses: Vec<StatusCode> = futures::future::join_all(blind).await.into_iter().map(|(s, _)| s).collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let (_, hist) = app.get(&format!("/api/v1/contrats/{contrat}/heures/2025-07"), &f.token).await;
    let revisions: Vec<i64> = hist["revisions"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
    assert_eq!(revisions, [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(hist["revisions"].as_array().unwrap().iter().filter(|r| r["courante"] == true).count(), 1);
}

#[tokio::test]
async fn ending_a_contrat_makes_the_follow_up_due() {
    let World { app, f, ent, contrat } = world().await;
    app.declare(&ent.token, contrat, "2025-06", json!({"heures_travail": 100, "attestation": true})).await;
    let path = format!("/api/v1/contrats/{contrat}/fin");
    let (status, problem) = app.post(&path, &f.token, &json!({"date_fin_reelle": "2025-05-31", "motif_fin": "Démission"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "hours are declared after that date");
    assert_eq!(problem["errors"][0]["field"], "date_fin_reelle");
    assert_eq!(app.post(&path, &ent.token, &json!({"date_fin_reelle": "2025-06-30", "motif_fin": "Fin"})).await.0, StatusCode::FORBIDDEN);
    let suivi = format!("/api/v1/contrats/{contrat}/suivi");
    assert_eq!(app.put(&suivi, &f.token, &json!({"situation": "emploi_durable", "date_realisation": "2026-01-05"})).await.0, StatusCode::CONFLICT, "not ended yet");
    let (status, c) = app.post(&path, &f.token, &json!({"date_fin_reelle": "2025-06-30", "motif_fin": "Embauche en CDI ailleurs"})).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["date_fin_reelle"], "2025-06-30");
    assert_eq!(app.post(&path, &f.token, &json!({"date_fin_reelle": "2025-06-30", "motif_fin": "x"})).await.0, StatusCode::CONFLICT);
    // Months after the real end are now outside the contrat.
    assert_eq!(app.declare(&ent.token, contrat, "2025-07", json!({"heures_travail": 10, "attestation": true})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, s) = app.put(&suivi, &f.token, &json!({"situation": "emploi_durable", "date_realisation": "2026-01-05"})).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["date_echeance"], "2025-12-30");
    assert_eq!(s["situation"], "emploi_durable");
}

async fn audit_count(app: &TestApp, entite: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let sql = format!("SELECT COUNT(*) AS n FROM audit_log WHERE entite = '{entite}'");
    let row = app.db.query_one(sea_orm::Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
