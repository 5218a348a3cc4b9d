//! The schema: migrations are idempotent and the constraints hold on both backends.

use chrono::NaiveDate;
use clausier::clock::Clock;
use entities::enums::*;
use entities::*;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, Set, Statement};

use crate::helpers::*;

/// Every table, column, type and index, as text, in a stable order.
async fn snapshot(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master ORDER BY type, name".to_string(),
        _ => "SELECT line FROM (\
                SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') AS line FROM information_schema.columns WHERE table_schema = 'public' \
                UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
                UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace\
              ) s ORDER BY line"
            .to_string(),
    };
    db.query_all(Statement::from_string(backend, sql)).await.unwrap().iter().map(|r| r.try_get::<String>("", "line").unwrap()).collect()
}

#[tokio::test]
async fn migrations_applied_twice_change_nothing() {
    let database = TestDatabase::create().await;
    let db = clausier::db::connect(&database.url, 2).await.unwrap();
    clausier::db::migrate(&db).await.unwrap();
    let first = snapshot(&db).await;
    let applied = count(&db, "seaql_migrations").await;
    clausier::db::migrate(&db).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(snapshot(&db).await, first);
    assert_eq!(count(&db, "seaql_migrations").await, applied);
    assert!(Migrator::get_pending_migrations(&db).await.unwrap().is_empty());
    assert_eq!(database.backend(), db.get_database_backend());
}

#[tokio::test]
async fn every_table_of_the_data_model_exists_and_starts_empty() {
    let app = spawn_app().await;
    for table in entities::TENANT_TABLES.iter().chain(["structures", "emails", "job_runs"].iter()) {
        assert_eq!(count(&app.db, table).await, 0, "{table}");
    }
}

/// One current revision per contrat × month; older revisions stay beside it.
#[tokio::test]
async fn one_current_revision_per_contrat_and_month() {
    let app = spawn_app().await;
    let db = &app.db;
    let clock = Clock::fixed(default_now());
    let now = clock.now();
    let s = clausier::auth::service::ensure_structure(db, &clock, "PLIE A").await.unwrap();
    let day = |m| NaiveDate::from_ymd_opt(2025, m, 1).unwrap();
    let e = entreprises::ActiveModel { structure_id: Set(s.id), raison_sociale: Set("E".into()), siret: Set(clausier::demo::siret(1)), r#type: Set(TypeEntreprise::Classique), adresse: Set(None), code_postal: Set(None), commune: Set(None), created_at: Set(now), updated_at: Set(now), ..Default::default() }.insert(db).await.unwrap();
    let p = participants::ActiveModel {
        structure_id: Set(s.id), nom: Set("N".into()), prenom: Set("P".into()), date_naissance: Set(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()), sexe: Set(Sexe::F),
        adresse: Set(None), code_postal: Set(None), commune: Set("C".into()), qpv: Set(false), qpv_code: Set(None), niveau_formation: Set(NiveauFormation::N3),
        demandeur_emploi_depuis: Set(None), inscrit_france_travail: Set(true), beneficiaire_rsa: Set(false), beneficiaire_ass: Set(false), beneficiaire_aah: Set(false), rqth: Set(false),
        telephone: Set(None), email: Set(None), referent_id: Set(None), prescripteur_type: Set(None), prescripteur_nom: Set(None), anonymise_at: Set(None), created_at: Set(now), updated_at: Set(now), ..Default::default()
    }.insert(db).await.unwrap();
    let et = etapes::ActiveModel { structure_id: Set(s.id), participant_id: Set(p.id), r#type: Set(TypeEtape::Emploi), sous_type: Set(None), intitule: Set("x".into()), date_debut: Set(day(1)), date_fin: Set(None), resultat: Set(None), minutes_formation: Set(None), certification: Set(None), sensible: Set(false), created_at: Set(now), updated_at: Set(now), ..Default::default() }.insert(db).await.unwrap();
    let c = contrats::ActiveModel { structure_id: Set(s.id), participant_id: Set(p.id), etape_id: Set(et.id), employeur_id: Set(e.id), type_contrat: Set(TypeContrat::Cdd), date_debut: Set(day(1)), date_fin_prevue: Set(None), date_fin_reelle: Set(None), motif_fin: Set(None), minutes_hebdo: Set(35 * 60), poste: Set("x".into()), code_rome: Set(None), created_at: Set(now), updated_at: Set(now), ..Default::default() }.insert(db).await.unwrap();
    let row = |revision: i32, courante: bool| heures_mensuelles::ActiveModel {
        structure_id: Set(s.id), contrat_id: Set(c.id), mois: Set(day(3)), revision: Set(revision), courante: Set(courante), minutes_travail: Set(600), minutes_formation: Set(0),
        statut: Set(StatutDeclaration::Validee), motif: Set(None), declare_par_id: Set(None), declare_at: Set(None), decide_par_id: Set(None), decide_at: Set(None), motif_decision: Set(None), created_at: Set(now), ..Default::default()
    };
    row(1, false).insert(db).await.unwrap();
    row(2, true).insert(db).await.unwrap();
    assert!(row(3, true).insert(db).await.is_err(), "a second current revision must be refused");
    assert!(row(2, false).insert(db).await.is_err(), "a revision number is unique per contrat x month");
    row(3, false).insert(db).await.unwrap();
    assert_eq!(count(db, "heures_mensuelles").await, 3);
    // A contrat of an unknown participant is refused by the foreign key.
    let mut orphan = contrats::ActiveModel { participant_id: Set(999_999), ..c.clone().into() };
    orphan.id = sea_orm::ActiveValue::NotSet;
    orphan.etape_id = Set(999_998);
    assert!(orphan.insert(db).await.is_err());
}

#[tokio::test]
async fn a_write_transaction_waits_for_another_writer_instead_of_failing() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_app().await;
    let insert = |nom: &str| format!("INSERT INTO structures (nom, parametres, created_at) VALUES ('{nom}', '{{}}', '2026-01-01 00:00:00+00:00')");
    let first = clausier::db::ecrire(&app.db).await.unwrap();
    first.execute_unprepared(&insert("Première")).await.unwrap();
    // The second reads, then writes (what most services do) while the first holds the
    // write lock: it must wait for it, not fail with "database is locked".
    let db = app.db.clone();
    let second = tokio::spawn(async move {
        let txn = clausier::db::ecrire(&db).await?;
        txn.query_one(sea_orm::Statement::from_string(txn.get_database_backend(), "SELECT COUNT(*) FROM structures".to_string())).await?;
        txn.execute_unprepared(&format!("INSERT INTO structures (nom, parametres, created_at) VALUES ('Seconde', '{{}}', '2026-01-01 00:00:00+00:00')")).await?;
        txn.commit().await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();
    assert_eq!(count(&app.db, "structures").await, 2);
    let _ = app.db.begin().await.unwrap(); // the pool is still usable
}

/// Every pooled connection gets the SQLite settings, not only the first one: two
/// connections held at once both report them. On PostgreSQL every session gets the
/// planner's cost of a random page, and PostgreSQL's own choice of plans (no global
/// generic plans: they scanned whole indexes for lists of ids).
#[tokio::test]
async fn every_pooled_connection_gets_its_settings() {
    use sea_orm::{QueryResult, TransactionTrait};
    let database = TestDatabase::create().await;
    let db = clausier::db::connect(&database.url, 2).await.unwrap();
    let backend = db.get_database_backend();
    let cache = format!("-{}", clausier::db::MemoireSqlite::default().cache_mio * 1024);
    let attendus: Vec<(&str, &str)> = match backend {
        DbBackend::Sqlite => vec![("PRAGMA cache_size", cache.as_str()), ("PRAGMA foreign_keys", "1"), ("PRAGMA journal_mode", "wal")],
        _ => vec![("SHOW random_page_cost", "1.1"), ("SHOW plan_cache_mode", "auto")],
    };
    // Text or number, as each setting answers.
    let valeur = |r: QueryResult| r.try_get_by_index::<String>(0).or_else(|_| r.try_get_by_index::<i64>(0).map(|n| n.to_string())).unwrap();
    // The transaction holds one connection; the pool answers on a second.
    let txn = db.begin().await.unwrap();
    for (sql, attendu) in attendus {
        let a = valeur(txn.query_one(Statement::from_string(backend, sql)).await.unwrap().unwrap());
        let b = valeur(db.query_one(Statement::from_string(backend, sql)).await.unwrap().unwrap());
        assert_eq!((a.as_str(), b.as_str()), (attendu, attendu), "{sql}");
    }
    txn.rollback().await.unwrap();
}

/// Clauses and links carry their marché and opération (copied at creation, read by the
/// bilans' perimeters): they agree with the lot's marché and its opération, whoever
/// wrote the rows (the demo, or the API in the other tests).
#[tokio::test]
async fn clauses_and_links_carry_their_marche_and_operation() {
    let app = spawn_app().await;
    clausier::demo::small(&app.db, &Clock::fixed(default_now()), 30, 7).await.unwrap();
    let backend = app.db.get_database_backend();
    let nombre = |sql: &str| {
        let sql = sql.to_string();
        let db = app.db.clone();
        async move { db.query_one(Statement::from_string(backend, sql)).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() }
    };
    assert!(nombre("SELECT COUNT(*) FROM clauses").await > 0);
    assert!(nombre("SELECT COUNT(*) FROM mises_en_emploi").await > 0);
    let faux_clauses = "SELECT COUNT(*) FROM clauses c JOIN lots l ON l.id = c.lot_id JOIN marches m ON m.id = l.marche_id WHERE c.marche_id <> m.id OR c.operation_id <> m.operation_id";
    let faux_liens = "SELECT COUNT(*) FROM mises_en_emploi me JOIN clauses c ON c.id = me.clause_id WHERE me.marche_id <> c.marche_id OR me.operation_id <> c.operation_id";
    assert_eq!((nombre(faux_clauses).await, nombre(faux_liens).await), (0, 0));
}

/// The procurement tables refer to their parents with the structure in the key
/// (m20261208_000001): migrated with rows in them (the demo's), they keep every row and
/// counter; from then on the database itself refuses an opération, marché, lot, version
/// or attribution whose parent belongs to another structure, and takes the same rows
/// within one structure.
#[tokio::test]
async fn a_procurement_row_refers_to_a_parent_of_its_own_structure() {
    let database = TestDatabase::create().await;
    let db = clausier::db::connect(&database.url, 2).await.unwrap();
    let backend = db.get_database_backend();
    let clock = Clock::fixed(default_now());
    let avant = u32::try_from(Migrator::migrations().len() - 1).unwrap();
    Migrator::up(&db, Some(avant)).await.unwrap();
    clausier::demo::small(&db, &clock, 30, 7).await.unwrap();
    let tables = ["operations", "marches", "lots", "marche_versions", "attributions", "clauses"];
    let resume = |db: DatabaseConnection| async move {
        let mut v = Vec::new();
        for t in tables {
            let r = db.query_one(Statement::from_string(db.get_database_backend(), format!("SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS BIGINT), COALESCE(MAX(id), 0) FROM {t}"))).await.unwrap().unwrap();
            v.push((t, r.try_get_by_index::<i64>(0).unwrap(), r.try_get_by_index::<i64>(1).unwrap(), r.try_get_by_index::<i64>(2).unwrap()));
        }
        v
    };
    let lignes = resume(db.clone()).await;
    assert!(lignes.iter().filter(|(t, ..)| *t != "marche_versions").all(|(_, n, ..)| *n > 0), "{lignes:?}");
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(resume(db.clone()).await, lignes, "every row kept");

    let s = clausier::auth::service::ensure_structure(&db, &clock, "PLIE B").await.unwrap().id;
    let now = clock.now();
    let entreprise_de = |s: i64| entreprises::ActiveModel { structure_id: Set(s), raison_sociale: Set("E".into()), siret: Set(clausier::demo::siret(987_654)), r#type: Set(TypeEntreprise::Classique), adresse: Set(None), code_postal: Set(None), commune: Set(None), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    let e_b = entreprise_de(s).insert(&db).await.unwrap().id;
    let r = db
        .query_one(Statement::from_string(backend, "SELECT a.structure_id, o.donneur_ordre_id, m.operation_id, a.marche_id, a.lot_id FROM attributions a JOIN marches m ON m.id = a.marche_id JOIN operations o ON o.id = m.operation_id ORDER BY a.id LIMIT 1"))
        .await
        .unwrap()
        .unwrap();
    let [a, donneur, operation, marche, lot]: [i64; 5] = std::array::from_fn(|i| r.try_get_by_index::<i64>(i).unwrap());
    // A company of the structure not yet on any lot.
    let e_a = entreprise_de(a).insert(&db).await.unwrap().id;
    let autre_lot = db.query_one(Statement::from_string(backend, format!("SELECT id FROM lots WHERE marche_id <> {marche} ORDER BY id LIMIT 1"))).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap();
    let t = "'2026-01-01 00:00:00+00:00'";
    let operation_de = |s: i64| format!("INSERT INTO operations (structure_id, donneur_ordre_id, nom, commune, qpv, anru, secteur, created_at, updated_at) VALUES ({s}, {donneur}, 'O', 'C', FALSE, FALSE, 'batiment', {t}, {t})");
    let marche_de = |s: i64| format!("INSERT INTO marches (structure_id, operation_id, numero, objet, nature, montant_ht_cents, date_debut, date_fin, created_at, updated_at) VALUES ({s}, {operation}, 'N-{s}', 'O', 'travaux', 1, '2026-01-01', '2026-12-31', {t}, {t})");
    let lot_de = |s: i64| format!("INSERT INTO lots (structure_id, marche_id, numero, intitule, montant_ht_cents, created_at) VALUES ({s}, {marche}, 'L-{s}', 'I', 1, {t})");
    let version_de = |s: i64| format!("INSERT INTO marche_versions (structure_id, marche_id, version, source, donnees, created_at) VALUES ({s}, {marche}, {}, 'decp', '{{}}', {t})", 100 + s);
    let attribution = |s: i64, l: i64, e: i64| format!("INSERT INTO attributions (structure_id, marche_id, lot_id, entreprise_id, role, created_at) VALUES ({s}, {marche}, {l}, {e}, 'cotitulaire', {t})");
    let refusees = [operation_de(s), marche_de(s), lot_de(s), version_de(s), attribution(s, lot, e_b), attribution(a, lot, e_b), attribution(a, autre_lot, e_a), attribution(s, lot, e_a)];
    for sql in &refusees {
        let erreur = db.execute_unprepared(sql).await.expect_err(sql).to_string().to_lowercase();
        assert!(erreur.contains("foreign key"), "{sql}: {erreur}");
    }
    // The same rows within the structure are taken (the statements themselves are right).
    for sql in [operation_de(a), marche_de(a), lot_de(a), version_de(a), attribution(a, lot, e_a)] {
        db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
