//! Backups while the server writes. SQLite: `clausier backup` during a load of monthly
//! declarations gives a file that opens, passes `integrity_check` and holds every
//! declaration answered 2xx before the backup started; `clausier restore` puts it back
//! (an existing database only with --force). PostgreSQL: the README's pg_dump/pg_restore.

use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use entities::enums::Role;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::*;

fn clausier(db_url: &str) -> Command {
    let mut cmd = Command::cargo_bin("clausier").unwrap();
    cmd.env("CLAUSIER_ENV", "test").env("CLAUSIER__DATABASE__URL", db_url).env("CLAUSIER__MAIL__TRANSPORT", "stub").env_remove("RUST_LOG");
    cmd
}

/// Contrats to declare for: `n` participants with a contrat each at one employer.
async fn contrats(app: &TestApp, f: &Login, n: usize) -> Vec<i64> {
    let e = app.entreprise(f, "Bâtir", 3).await["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let p = new_participant(app, f, json!({"nom": format!("Nom{i}")})).await;
        ids.push(new_contrat(app, f, p, e, "cdi", "2025-01-06", None, 35.0).await["id"].as_i64().unwrap());
    }
    ids
}

/// Declares every month of 2025 for the contrats, recording each 2xx with its time.
fn charger(app: &TestApp, token: String, ids: Vec<i64>, repondus: Arc<Mutex<Vec<(std::time::Instant, i64, String)>>>) -> tokio::task::JoinHandle<()> {
    let (client, base) = (app.client.clone(), app.address.clone());
    tokio::spawn(async move {
        for mois in 1..=12 {
            for id in &ids {
                let m = format!("2025-{mois:02}");
                let r = client.put(format!("{base}/api/v1/contrats/{id}/heures/{m}")).bearer_auth(&token).json(&json!({"heures_travail": 120, "heures_formation": 0})).send().await.unwrap();
                if r.status().is_success() {
                    repondus.lock().unwrap().push((std::time::Instant::now(), *id, m));
                }
            }
        }
    })
}

#[tokio::test]
async fn a_backup_taken_during_a_load_is_whole_and_restores() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let ids = contrats(&app, &f, 8).await;
    let repondus = Arc::new(Mutex::new(Vec::new()));
    let charge = charger(&app, f.token.clone(), ids, repondus.clone());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dossier = tempfile::tempdir().unwrap();
    let copie = dossier.path().join("sauvegarde.db");
    let debut = std::time::Instant::now();
    let avant: Vec<(i64, String)> = repondus.lock().unwrap().iter().filter(|(t, _, _)| *t < debut).map(|(_, id, m)| (*id, m.clone())).collect();

    assert!(!avant.is_empty(), "the load had started");
    if app.state.db.get_database_backend() == DbBackend::Postgres {
        // PostgreSQL: the README's commands, pg_dump while the load goes on, pg_restore
        // into a new database.
        let sortie = std::process::Command::new("pg_dump").args(["-Fc", "-f"]).arg(&copie).arg(&app.db_url).output().unwrap();
        assert!(sortie.status.success(), "{}", String::from_utf8_lossy(&sortie.stderr));
        charge.await.unwrap();
        let base = TestDatabase::create().await;
        let sortie = std::process::Command::new("pg_restore").args(["--no-owner", "-d"]).arg(&base.url).arg(&copie).output().unwrap();
        assert!(sortie.status.success(), "{}", String::from_utf8_lossy(&sortie.stderr));
        verifier_contenu(&base.url, &avant).await;
        return;
    }

    let url = app.db_url.clone();
    let chemin = copie.clone();
    let sortie = tokio::task::spawn_blocking(move || clausier(&url).arg("backup").arg(&chemin).output().unwrap()).await.unwrap();
    assert!(sortie.status.success(), "{}", String::from_utf8_lossy(&sortie.stderr));
    assert!(String::from_utf8_lossy(&sortie.stdout).contains("Sauvegarde écrite et vérifiée"));
    charge.await.unwrap();
    verifier_contenu(&format!("sqlite://{}?mode=ro", copie.display()), &avant).await;

    // A second backup into the same file is refused; restore into a new place works, and
    // over an existing database only with --force.
    let out = clausier(&app.db_url).arg("backup").arg(&copie).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("existe déjà"));
    let neuve = format!("sqlite://{}?mode=rwc", dossier.path().join("restauree.db").display());
    assert!(clausier(&neuve).arg("restore").arg(&copie).output().unwrap().status.success());
    verifier_contenu(&neuve, &avant).await;
    let out = clausier(&neuve).arg("restore").arg(&copie).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(clausier(&neuve).args(["restore", "--force"]).arg(&copie).output().unwrap().status.success());
    // Not a database: refused, nothing overwritten.
    let faux = dossier.path().join("faux.db");
    std::fs::write(&faux, b"pas une base").unwrap();
    assert!(!clausier(&neuve).args(["restore", "--force"]).arg(&faux).output().unwrap().status.success());
    verifier_contenu(&neuve, &avant).await;
}

/// The copy opens, is intact, and holds every declaration answered before the backup.
async fn verifier_contenu(url: &str, avant: &[(i64, String)]) {
    let db = sea_orm::Database::connect(url).await.unwrap();
    if db.get_database_backend() == DbBackend::Sqlite {
        let ok: String = db.query_one(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check")).await.unwrap().unwrap().try_get_by_index(0).unwrap();
        assert_eq!(ok, "ok");
    }
    let lignes = db.query_all(Statement::from_string(db.get_database_backend(), "SELECT contrat_id, mois FROM heures_mensuelles")).await.unwrap();
    let tenus: std::collections::HashSet<(i64, String)> = lignes
        .iter()
        .map(|l| {
            let id: i64 = l.try_get("", "contrat_id").unwrap();
            let mois: chrono::NaiveDate = l.try_get("", "mois").unwrap();
            (id, mois.format("%Y-%m").to_string())
        })
        .collect();
    for d in avant {
        assert!(tenus.contains(d), "declaration {d:?} answered before the backup is missing");
    }
    db.close().await.unwrap();
}
