//! Tenant and role scope: a row of another structure is 404; a role outside the
//! resource's audience is 403; role-level narrowing (référent, entreprise, donneur
//! d'ordre users) also answers 404.

use entities::enums::Role;
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_token_of_structure_a_gets_404_on_rows_of_structure_b() {
    let app = spawn_app().await;
    let a = app.login("PLIE A", Role::Facilitateur).await;
    let b = app.login("PLIE B", Role::Facilitateur).await;
    let (_, participant_b) = app.post("/api/v1/participants", &b.token, &participant_json()).await;
    let entreprise_b = app.entreprise(&b, "Entreprise B", 7).await;
    let donneur_b = app.donneur_ordre(&b, "Commune B", 8).await;
    for path in [
        format!("/api/v1/participants/{}", participant_b["id"]),
        format!("/api/v1/entreprises/{}", entreprise_b["id"]),
        format!("/api/v1/donneurs-ordre/{}", donneur_b["id"]),
    ] {
        assert_eq!(app.get(&path, &b.token).await.0, StatusCode::OK, "{path}");
        let (status, problem) = app.get(&path, &a.token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(problem["status"], 404);
    }
    // Lists only show the caller's structure.
    let (_, list) = app.get("/api/v1/entreprises", &a.token).await;
    assert_eq!(list["total"], 0);
    let (_, list) = app.get("/api/v1/entreprises", &b.token).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["raison_sociale"], "Entreprise B");
}

#[tokio::test]
async fn entreprise_and_donneur_ordre_tokens_never_reach_participants() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let entreprise = app.entreprise(&f, "Bâtir", 1).await;
    let donneur = app.donneur_ordre(&f, "Commune", 2).await;
    let e = app.login_bound("PLIE A", Role::Entreprise, entreprise["id"].as_i64(), None).await;
    let d = app.login_bound("PLIE A", Role::DonneurOrdre, None, donneur["id"].as_i64()).await;
    let (_, p) = app.post("/api/v1/participants", &f.token, &participant_json()).await;
    for token in [&e.token, &d.token] {
        assert_eq!(app.get(&format!("/api/v1/participants/{}", p["id"]), token).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.post("/api/v1/participants", token, &participant_json()).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(count(&app.db, "participants").await, 1);
}

#[tokio::test]
async fn a_referent_sees_only_the_participants_it_follows() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let r1 = app.login("PLIE A", Role::Referent).await;
    let r2 = app.login("PLIE A", Role::Referent).await;
    let (status, own) = app.post("/api/v1/participants", &r1.token, &participant_json()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(own["referent_id"], r1.user_id);
    let (_, other) = app.post("/api/v1/participants", &f.token, &participant_json()).await;
    let own_path = format!("/api/v1/participants/{}", own["id"]);
    let other_path = format!("/api/v1/participants/{}", other["id"]);
    assert_eq!(app.get(&own_path, &r1.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&other_path, &r1.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&own_path, &r2.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&own_path, &f.token).await.0, StatusCode::OK);
    // Following is recorded with its history.
    assert_eq!(count(&app.db, "referent_assignations").await, 1);
}

#[tokio::test]
async fn entreprise_and_donneur_ordre_users_see_only_their_own_organisation() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let mine = app.entreprise(&f, "Mienne", 1).await;
    let other = app.entreprise(&f, "Autre", 2).await;
    let do_mine = app.donneur_ordre(&f, "Ma commune", 3).await;
    let do_other = app.donneur_ordre(&f, "Autre commune", 4).await;
    let e = app.login_bound("PLIE A", Role::Entreprise, mine["id"].as_i64(), None).await;
    let d = app.login_bound("PLIE A", Role::DonneurOrdre, None, do_mine["id"].as_i64()).await;

    assert_eq!(app.get(&format!("/api/v1/entreprises/{}", mine["id"]), &e.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/entreprises/{}", other["id"]), &e.token).await.0, StatusCode::NOT_FOUND);
    let (_, list) = app.get("/api/v1/entreprises", &e.token).await;
    assert_eq!(list["total"], 1);
    assert_eq!(app.get("/api/v1/donneurs-ordre", &e.token).await.0, StatusCode::FORBIDDEN);

    assert_eq!(app.get(&format!("/api/v1/donneurs-ordre/{}", do_mine["id"]), &d.token).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/donneurs-ordre/{}", do_other["id"]), &d.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/entreprises", &d.token).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_gestion_roles_create_referentials() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let entreprise = app.entreprise(&f, "Bâtir", 1).await;
    let r = app.login("PLIE A", Role::Referent).await;
    let e = app.login_bound("PLIE A", Role::Entreprise, entreprise["id"].as_i64(), None).await;
    let body = serde_json::json!({"raison_sociale": "Nouvelle", "siret": clausier::demo::siret(9), "type": "classique"});
    for token in [&r.token, &e.token] {
        let (status, problem) = app.post("/api/v1/entreprises", token, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(problem["title"], "Accès refusé");
    }
    let admin = app.login("PLIE A", Role::Admin).await;
    assert_eq!(app.post("/api/v1/entreprises", &admin.token, &body).await.0, StatusCode::CREATED);
}
