//! The test harness: `spawn_app()` starts the real router on port 0 with a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when
//! `CLAUSIER_TEST_POSTGRES` holds a server URL, dropped afterwards) and a stub mailer.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use clausier::auth::service::{self as accounts, NouvelUtilisateur};
use clausier::clock::Clock;
use clausier::config::Settings;
use clausier::mail::Mailer;
use entities::enums::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use secrecy::SecretString;
use serde_json::Value;

/// The date the test clock shows unless a test picks another.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 16, 9, 30, 0).unwrap()
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub db_url: String,
    /// The stub mailer: tests read what the application sent.
    pub mailer: Mailer,
    pub clock: Clock,
    /// The application's state (jobs and outbox tests build engines from it).
    pub state: clausier::state::AppState,
    pub client: reqwest::Client,
    _database: TestDatabase,
}

/// A logged-in user of some structure.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub user_id: i64,
    pub structure_id: i64,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at(default_now()).await
}

pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    let database = TestDatabase::create().await;
    let mut settings = Settings::load_from(Path::new("config"), "test", config::Environment::default().source(Some(Default::default()))).expect("test settings");
    settings.database.url = SecretString::from(database.url.clone());
    let db = clausier::db::connect(&database.url, 5).await.expect("connect test database");
    clausier::db::migrate(&db).await.expect("migrate test database");
    let mailer = Mailer::stub();
    let clock = Clock::fixed(now);
    let state = clausier::startup::state_with(settings, clock.clone(), db.clone(), Some(mailer.clone())).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(clausier::startup::serve(listener, clausier::startup::router(state.clone())));
    TestApp { address, db, db_url: database.url.clone(), mailer, clock, state, client: reqwest::Client::new(), _database: database }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A user of `structure` with `role` (structure created if missing) and its token.
    pub async fn login(&self, structure: &str, role: Role) -> Login {
        self.login_bound(structure, role, None, None).await
    }

    pub async fn login_bound(&self, structure: &str, role: Role, entreprise_id: Option<i64>, donneur_ordre_id: Option<i64>) -> Login {
        let s = accounts::ensure_structure(&self.db, &self.clock, structure).await.unwrap();
        let n = rand_suffix();
        let user = accounts::create_user(
            &self.db,
            &self.clock,
            NouvelUtilisateur { structure_id: s.id, email: format!("u{n}@test.fr"), nom: format!("Utilisateur {n}"), role, password: Some("mot-de-passe-test".into()), entreprise_id, donneur_ordre_id },
        )
        .await
        .unwrap();
        let token = accounts::issue_token(&self.db, &self.clock, 30, &user, "test").await.unwrap();
        Login { token, user_id: user.id, structure_id: s.id }
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let r = self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        into_parts(r).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let r = self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap();
        into_parts(r).await
    }

    /// POST with a raw body and content type (malformed-input tests).
    pub async fn post_raw(&self, path: &str, token: &str, content_type: &str, body: &str) -> (StatusCode, String, Value) {
        let r = self.client.post(self.url(path)).bearer_auth(token).header("content-type", content_type).body(body.to_string()).send().await.unwrap();
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let (status, json) = into_parts(r).await;
        (status, ct, json)
    }

    /// Creates an entreprise through the API with a facilitateur of `login`'s structure.
    pub async fn entreprise(&self, login: &Login, raison_sociale: &str, siret_seed: u64) -> Value {
        let (status, body) = self.post("/api/v1/entreprises", &login.token, &serde_json::json!({"raison_sociale": raison_sociale, "siret": clausier::demo::siret(siret_seed), "type": "classique"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn donneur_ordre(&self, login: &Login, nom: &str, siret_seed: u64) -> Value {
        let (status, body) = self.post("/api/v1/donneurs-ordre", &login.token, &serde_json::json!({"nom": nom, "siret": clausier::demo::siret(siret_seed), "type": "commune"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

async fn into_parts(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let json = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, json)
}

pub fn rand_suffix() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

pub fn participant_json() -> Value {
    serde_json::json!({"nom": "Durand", "prenom": "Léa", "date_naissance": "1998-04-12", "sexe": "F", "commune": "Bordeaux", "qpv": true, "niveau_formation": "3"})
}

/// Counts the rows of a table (to prove that a refused request wrote nothing).
pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one(sea_orm::Statement::from_string(db.get_database_backend(), format!("SELECT COUNT(*) AS n FROM {table}")))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: String,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        match std::env::var("CLAUSIER_TEST_POSTGRES") {
            Ok(server) if !server.is_empty() => {
                let name = format!("clausier_t_{}", rand_suffix());
                let admin = sea_orm::Database::connect(&server).await.expect("CLAUSIER_TEST_POSTGRES unreachable");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                admin.close().await.ok();
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
                TestDatabase { url: format!("{base}/{name}"), admin: Some((server.clone(), name)), _dir: None }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDatabase { url, admin: None, _dir: Some(dir) }
            }
        }
    }

    pub fn backend(&self) -> DbBackend {
        if self.admin.is_some() { DbBackend::Postgres } else { DbBackend::Sqlite }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.admin.take() {
            // Drop the database from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = sea_orm::Database::connect(&server).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    }
                });
            })
            .join();
        }
    }
}

/// A participant created through the API by `login`; returns its id.
pub async fn new_participant(app: &TestApp, login: &Login, overrides: Value) -> i64 {
    let mut body = participant_json();
    for (k, v) in overrides.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let (status, p) = app.post("/api/v1/participants", &login.token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

/// A criterion verified on `date` by the facilitateur `login`.
pub async fn verify(app: &TestApp, login: &Login, participant: i64, code: &str, date: &str) -> Value {
    let (status, c) = app.post(&format!("/api/v1/participants/{participant}/criteres"), &login.token, &serde_json::json!({"code": code, "date_verification": date, "justificatif": "Attestation CAF"})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

/// A contrat of `participant` with employer `employeur` (id) through the core API.
pub async fn new_contrat(app: &TestApp, login: &Login, participant: i64, employeur: i64, type_contrat: &str, debut: &str, fin: Option<&str>, hebdo: f64) -> Value {
    let (status, c) = app
        .post(
            &format!("/api/v1/participants/{participant}/contrats"),
            &login.token,
            &serde_json::json!({"employeur_id": employeur, "type_contrat": type_contrat, "date_debut": debut, "date_fin_prevue": fin, "heures_hebdo": hebdo, "poste": "Maçon"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

impl TestApp {
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let r = self.client.put(self.url(path)).bearer_auth(token).json(body).send().await.unwrap();
        into_parts(r).await
    }

    /// PUT hours for a month.
    pub async fn declare(&self, token: &str, contrat: i64, mois: &str, body: Value) -> (StatusCode, Value) {
        self.put(&format!("/api/v1/contrats/{contrat}/heures/{mois}"), token, &body).await
    }

    pub async fn decide(&self, token: &str, contrat: i64, mois: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/contrats/{contrat}/heures/{mois}/validation"), token, &body).await
    }
}

impl TestApp {
    /// The e-mail address of a user.
    pub async fn email_of(&self, user_id: i64) -> String {
        use sea_orm::EntityTrait;
        entities::utilisateurs::Entity::find_by_id(user_id).one(&self.db).await.unwrap().unwrap().email
    }
}

/// The e-mails the application sent, waiting up to 2.5 s for the first (sent by a task).
pub async fn courriels(app: &TestApp) -> Vec<clausier::mail::Email> {
    courriels_tels(app, 1, |_| true).await
}

/// The e-mails sent that `garder` keeps, once there are at least `n` of them (or after
/// 2.5 s: the sender runs in the background).
pub async fn courriels_tels(app: &TestApp, n: usize, garder: impl Fn(&clausier::mail::Email) -> bool) -> Vec<clausier::mail::Email> {
    let tels = || app.mailer.sent().into_iter().filter(|m| garder(m)).collect::<Vec<_>>();
    for _ in 0..50 {
        let sent = tels();
        if sent.len() >= n {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tels()
}

/// A browser: no redirect following, cookies handled by hand.
pub fn navigateur() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub async fn se_connecter(app: &TestApp, login: &Login) -> String {
    se_connecter_a(app, login, "/envois").await
}

/// Sends the login form as a browser does: the form is opened first (its CSRF token and
/// cookie), then posted with `champs`.
pub async fn poster_connexion(app: &TestApp, champs: &[(&str, &str)]) -> reqwest::Response {
    let r = navigateur().get(app.url("/connexion")).send().await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = r.text().await.unwrap();
    let jeton = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let mut form: Vec<(&str, &str)> = champs.to_vec();
    form.push(("csrf", &jeton));
    navigateur().post(app.url("/connexion")).header("cookie", cookie).form(&form).send().await.unwrap()
}

/// Logs in through the form, asking to come back to `suite`; returns the cookie.
pub async fn se_connecter_a(app: &TestApp, login: &Login, suite: &str) -> String {
    let email = app.email_of(login.user_id).await;
    let r = poster_connexion(app, &[("email", email.as_str()), ("password", "mot-de-passe-test"), ("suite", suite)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], suite);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

/// Posts a page's form as the browser does, with the session's CSRF token (read from the
/// page `depuis`); returns the status and the redirect's address or the page.
pub async fn poster(app: &TestApp, cookie: &str, depuis: &str, action: &str, champs: &[(&str, &str)]) -> (StatusCode, String) {
    let (_, html) = page(app, depuis, Some(cookie)).await;
    let jeton = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let mut form: Vec<(&str, &str)> = champs.to_vec();
    form.push(("csrf", &jeton));
    let r = navigateur().post(app.url(action)).header("cookie", cookie).form(&form).send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(r.text().await.unwrap().replace("&#x27;", "'")))
}

pub async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut r = navigateur().get(app.url(path));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    // Read as the browser shows it: Tera escapes « / » and « ' ».
    let text = r.text().await.unwrap().replace("&#x2F;", "/").replace("&#x27;", "'");
    (status, location.unwrap_or(text))
}


/// A multipart form as a browser sends it: text fields, then one file (bytes).
pub fn multipart_avec_fichier(champs: &[(&str, &str)], nom: &str, contenu: &[u8]) -> (String, Vec<u8>) {
    let limite = "----clausier-test-limite-fichier";
    let mut corps = Vec::new();
    for (k, v) in champs {
        corps.extend(format!("--{limite}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").into_bytes());
    }
    corps.extend(format!("--{limite}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{nom}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
    corps.extend_from_slice(contenu);
    corps.extend(format!("\r\n--{limite}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={limite}"), corps)
}
