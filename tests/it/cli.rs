//! The command line, run as a real process against the test database.

use assert_cmd::Command;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use sea_orm::ConnectionTrait;

fn clausier(db_url: &str) -> Command {
    let mut cmd = Command::cargo_bin("clausier").unwrap();
    cmd.env("CLAUSIER_ENV", "test").env("CLAUSIER__DATABASE__URL", db_url).env("CLAUSIER__MAIL__TRANSPORT", "stub").env_remove("RUST_LOG");
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn user_create_then_token_create_gives_a_working_token() {
    let app = spawn_app().await;
    let out = stdout(clausier(&app.db_url).args(["user", "create", "--structure", "PLIE Bordeaux", "--email", "Flo@Plie.fr", "--role", "facilitateur", "--password", "un-long-mot-de-passe"]));
    assert!(out.contains("Utilisateur créé : flo@plie.fr"), "{out}");
    let token = stdout(clausier(&app.db_url).args(["token", "create", "--email", "flo@plie.fr"]));
    assert_eq!(token.lines().count(), 1);
    let (status, moi) = app.get("/api/v1/moi", token.trim()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moi["structure"]["nom"], "PLIE Bordeaux");
    // The password works too.
    let (status, _) = app.post("/api/v1/auth/token", "", &json!({"email": "flo@plie.fr", "password": "un-long-mot-de-passe"})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn user_create_binds_entreprise_users_by_siret_and_refuses_bad_input() {
    let app = spawn_app().await;
    let f = app.login("PLIE Bordeaux", Role::Facilitateur).await;
    let e = app.entreprise(&f, "Bâtir", 3).await;
    let siret = e["siret"].as_str().unwrap();
    stdout(clausier(&app.db_url).args(["user", "create", "--structure", "PLIE Bordeaux", "--email", "compta@batir.fr", "--role", "entreprise", "--entreprise-siret", siret]));
    let token = stdout(clausier(&app.db_url).args(["token", "create", "--email", "compta@batir.fr"]));
    let (_, moi) = app.get("/api/v1/moi", token.trim()).await;
    assert_eq!(moi["role"], "entreprise");
    assert_eq!(moi["entreprise_id"], e["id"]);

    let users = count(&app.db, "utilisateurs").await;
    let refused: &[&[&str]] = &[
        &["user", "create", "--structure", "PLIE Bordeaux", "--email", "x@y.fr", "--role", "entreprise"],
        &["user", "create", "--structure", "PLIE Bordeaux", "--email", "x@y.fr", "--role", "entreprise", "--entreprise-siret", "73282932000074"],
        &["user", "create", "--structure", "PLIE Bordeaux", "--email", "pas-une-adresse", "--role", "referent"],
        &["user", "create", "--structure", "PLIE Bordeaux", "--email", "compta@batir.fr", "--role", "referent"],
        &["user", "create", "--structure", "PLIE Bordeaux", "--email", "z@y.fr", "--role", "referent", "--password", "court"],
        &["token", "create", "--email", "inconnu@y.fr"],
    ];
    for args in refused {
        let out = clausier(&app.db_url).args(*args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("Erreur"), "{args:?}: {err}");
    }
    assert_eq!(count(&app.db, "utilisateurs").await, users);
}

#[tokio::test]
async fn demo_small_prints_a_working_login_per_role_and_runs_twice() {
    let app = spawn_app().await;
    let out = stdout(clausier(&app.db_url).args(["demo", "--scale", "small"]));
    assert!(out.contains("Données de démonstration chargées"), "{out}");
    let participants = count(&app.db, "participants").await;
    let heures = count(&app.db, "heures_mensuelles").await;
    assert_eq!(participants, 30);
    assert!(heures > 200, "{heures} monthly rows");
    for role in ["admin", "facilitateur", "referent", "entreprise", "donneur_ordre"] {
        let line = out.lines().find(|l| l.starts_with(role)).unwrap_or_else(|| panic!("no login for {role}: {out}"));
        let token = line.split_whitespace().last().unwrap();
        let (status, moi) = app.get("/api/v1/moi", token).await;
        assert_eq!(status, StatusCode::OK, "{role}");
        assert_eq!(moi["role"], role);
    }
    let email = out.lines().find(|l| l.starts_with("facilitateur")).unwrap().split_whitespace().nth(1).unwrap().to_string();
    let (status, _) = app.post("/api/v1/auth/token", "", &json!({"email": email, "password": clausier::demo::PASSWORD})).await;
    assert_eq!(status, StatusCode::OK);

    let again = stdout(clausier(&app.db_url).args(["demo", "--scale", "small"]));
    assert!(again.contains("déjà présentes"), "{again}");
    assert_eq!(count(&app.db, "participants").await, participants);
    assert_eq!(count(&app.db, "heures_mensuelles").await, heures);
}

#[tokio::test]
async fn demo_is_deterministic_for_a_seed() {
    let a = TestDatabase::create().await;
    let b = TestDatabase::create().await;
    stdout(clausier(&a.url).args(["demo", "--seed", "7"]));
    stdout(clausier(&b.url).args(["demo", "--seed", "7"]));
    let sql = "SELECT nom || prenom || date_naissance AS k FROM participants ORDER BY id";
    let rows = |url: String| async move {
        use sea_orm::ConnectionTrait;
        let db = clausier::db::connect(&url, 1).await.unwrap();
        let backend = db.get_database_backend();
        let sql = if backend == sea_orm::DbBackend::Postgres { sql.replace("date_naissance", "date_naissance::text") } else { sql.to_string() };
        db.query_all(sea_orm::Statement::from_string(backend, sql)).await.unwrap().iter().map(|r| r.try_get::<String>("", "k").unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(rows(a.url.clone()).await, rows(b.url.clone()).await);
}

#[tokio::test]
async fn migrate_is_idempotent_from_the_command_line() {
    let database = TestDatabase::create().await;
    for _ in 0..2 {
        let out = stdout(clausier(&database.url).arg("migrate"));
        assert!(out.contains("Base de données à jour"));
    }
}

use entities::enums::Role;

#[tokio::test]
async fn jobs_run_twice_with_the_file_transport_writes_each_reminder_once() {
    let s = crate::clauses::scenario().await;
    let (app, f) = (&s.app, &s.f);
    for (entreprise, email) in [(s.batir, "paie@batir.fr"), (s.ei, "ines@ei.fr")] {
        let (status, v) = app.post(&format!("/api/v1/entreprises/{entreprise}/contacts"), &f.token, &json!({"nom": "Paie", "email": email})).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let mail = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = clausier(&app.db_url);
        cmd.env("CLAUSIER__MAIL__TRANSPORT", "file").env("CLAUSIER__MAIL__DIR", mail.path());
        cmd.args(["jobs", "run", "declaration_reminder", "--at", "2025-07-01T08:00:00"]).args(extra);
        stdout(&mut cmd)
    };
    let dry = run(&["--dry-run"]);
    assert!(dry.contains("2 e-mail(s) seraient préparés") && dry.contains("rappel_declaration → paie@batir.fr"), "{dry}");
    assert_eq!(std::fs::read_dir(mail.path()).unwrap().count(), 0);
    let first = run(&[]);
    assert!(first.contains("2 nouveau(x)") && first.contains("Envoi : 2 envoyé(s)"), "{first}");
    let second = run(&[]);
    assert!(second.contains("0 nouveau(x)") && second.contains("Envoi : 0 envoyé(s)"), "{second}");
    let files: Vec<String> = std::fs::read_dir(mail.path()).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files.iter().filter(|m| m.contains("To: paie@batir.fr")).count(), 1);
    assert_eq!(files.iter().filter(|m| m.contains("To: ines@ei.fr")).count(), 1);

    let list = stdout(clausier(&app.db_url).args(["jobs", "list"]));
    let line = list.lines().find(|l| l.starts_with("declaration_reminder")).unwrap();
    assert!(line.contains("0 8 1 * *") && line.contains("2025-07-01 08:00 reussi (2 essai(s))"), "{list}");
    let unknown = clausier(&app.db_url).args(["jobs", "run", "relance_inconnue"]).output().unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("tâche inconnue « relance_inconnue »"));
}

#[tokio::test]
async fn serve_runs_the_scheduler_and_stops_gracefully() {
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("clausier"))
        .arg("serve")
        .env("CLAUSIER_ENV", "test")
        .env("CLAUSIER__DATABASE__URL", &app.db_url)
        .env("CLAUSIER__MAIL__TRANSPORT", "stub")
        .env("CLAUSIER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("CLAUSIER__JOBS__TICK_SECONDES", "1")
        // Due every minute: the current minute's occurrence runs at the first round.
        .env("CLAUSIER__JOBS__HORAIRES__DIGEST_FACILITATEUR", "* * * * *")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut ran = 0;
    for _ in 0..100 {
        ran = app.db.query_one(sea_orm::Statement::from_string(app.db.get_database_backend(), "SELECT COUNT(*) AS n FROM job_runs WHERE job = 'digest_facilitateur' AND statut = 'reussi'".to_string())).await.ok().flatten().map_or(0, |r| r.try_get::<i64>("", "n").unwrap());
        if ran > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ran, 1, "the scheduler ran the due occurrence");
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop: {status:?}");
}

#[tokio::test]
async fn consolidation_export_then_fusion_gives_the_network_table() {
    let s = crate::clauses::scenario().await;
    s.app.login("PLIE B", Role::Facilitateur).await; // a second structure, with nothing yet
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(clausier(&s.app.db_url).args(["consolidation", "export", "--annee", "2025", "--out"]).arg(dir.path()));
    assert!(out.contains("2 fichier(s) de consolidation 2025"), "{out}");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2);
    let table = dir.path().join("reseau.csv");
    let out = stdout(clausier(&s.app.db_url).args(["consolidation", "fusion"]).args(&files).arg("--out").arg(&table));
    assert!(out.contains("2 structure(s) consolidée(s)"), "{out}");
    let csv = std::fs::read_to_string(&table).unwrap();
    assert!(csv.contains("PLIE A") && csv.contains("PLIE B"), "{csv}");
    let unknown = clausier(&s.app.db_url).args(["consolidation", "export", "--annee", "2025", "--structure", "PLIE Z", "--out"]).arg(dir.path()).output().unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("aucune structure nommée « PLIE Z »"));
}
