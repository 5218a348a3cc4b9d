//! Authentication: passwords, tokens, 401s.

use entities::enums::Role;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn password_gives_a_token_that_opens_the_api() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let (_, moi) = app.get("/api/v1/moi", &login.token).await;
    let email = moi["email"].as_str().unwrap().to_string();

    let (status, body) = app.post("/api/v1/auth/token", "", &json!({"email": email.to_uppercase(), "password": "mot-de-passe-test"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("clsr_"));

    let (status, moi) = app.get("/api/v1/moi", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moi["role"], "facilitateur");
    assert_eq!(moi["structure"]["nom"], "PLIE A");
    assert_eq!(moi["structure"]["id"], login.structure_id);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Admin).await;
    let (_, moi) = app.get("/api/v1/moi", &login.token).await;
    let (s1, b1) = app.post("/api/v1/auth/token", "", &json!({"email": moi["email"], "password": "pas le bon mot"})).await;
    let (s2, b2) = app.post("/api/v1/auth/token", "", &json!({"email": "personne@nulle.part", "password": "mot-de-passe-test"})).await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(b1, b2);
    assert_eq!(b1["detail"], "Adresse e-mail ou mot de passe incorrect.");
}

#[tokio::test]
async fn no_bad_or_revoked_token_gets_401_problem_json() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    for path in ["/api/v1/moi", "/api/v1/participants/1", "/api/v1/entreprises"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], 401);
        assert_eq!(app.get(path, "clsr_inconnu").await.0, StatusCode::UNAUTHORIZED, "{path}");
        let r = app.client.get(app.url(path)).header("authorization", format!("Basic {}", login.token)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A revoked token no longer opens anything.
    app.db
        .execute_unprepared(&format!("UPDATE api_tokens SET revoked_at = created_at WHERE utilisateur_id = {}", login.user_id))
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/moi", &login.token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_expire() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let stored = count_where(&app, &format!("token_hash = '{}'", login.token)).await;
    assert_eq!(stored, 0, "the token itself must never be stored");
    app.db.execute_unprepared("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+00:00'").await.unwrap();
    assert_eq!(app.get("/api/v1/moi", &login.token).await.0, StatusCode::UNAUTHORIZED);
}

async fn count_where(app: &TestApp, condition: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM api_tokens WHERE {condition}");
    let row = app.db.query_one(sea_orm::Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
