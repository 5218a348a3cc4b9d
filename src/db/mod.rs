//! Connecting to the database (SQLite file by default, PostgreSQL in production) and
//! applying migrations.

pub mod paquet;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// Opens a pool on `url`. For a SQLite file, creates its folder and sets up every
/// connection (WAL, page cache, memory-mapped reads).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file(url) {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
    }
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // `CLAUSIER_SQL_LOG=1` logs every statement with its time and rows (target
        // `sqlx::query`, level debug): how the bilans were profiled.
        .sqlx_logging(std::env::var_os("CLAUSIER_SQL_LOG").is_some())
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        // Per connection (a PRAGMA run once reaches only one connection of the pool):
        // WAL so readers do not wait for the writer; a 64 MiB page cache and memory-mapped
        // reads, because bilans read the same pages over and over and each page-cache miss
        // was a `pread` system call (seen in profiles of the national bilans).
        .map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .pragma("cache_size", "-65536")
                .pragma("mmap_size", "268435456")
                .pragma("temp_store", "memory")
        })
        // PostgreSQL's default cost of a random page (4) assumes spinning disks: with it
        // the planner scanned all 44 000 lots rather than look up an opération's 424
        // marchés by index (3× slower). 1.1 is the usual setting for SSDs and cached data.
        // Generic plans: every query here is a tenant-scoped chain of key lookups whose
        // plan does not depend on the values, yet PostgreSQL re-plans each prepared
        // statement for its first five runs on each pooled connection (2–4 ms for a
        // bilan's wide reads: measured 2.2–2.8 → 1.95–2.4 × the hand-written query).
        .map_sqlx_postgres_opts(|o| o.options([("random_page_cost", "1.1"), ("plan_cache_mode", "force_generic_plan")]));
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("connexion à la base de données impossible : {e}"))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // Keep the planner's statistics current (cheap when nothing changed): without
        // them SQLite drives bilan queries from the structure index instead of the keys.
        db.execute_unprepared("PRAGMA optimize = 0x10002;").await?;
    }
    Ok(db)
}

/// Refreshes the planner's statistics after a bulk load (demo data, imports).
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// Applies every pending migration; a second call changes nothing.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_file_paths() {
        assert_eq!(super::sqlite_file("sqlite://data/c.db?mode=rwc"), Some("data/c.db"));
        assert_eq!(super::sqlite_file("sqlite::memory:"), None);
        assert_eq!(super::sqlite_file("postgres://x/y"), None);
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (what
/// `BEGIN IMMEDIATE` does): a transaction that reads and then writes would otherwise
/// fail at once with "database is locked" while another connection writes, instead of
/// waiting its turn (the busy timeout only applies to a transaction's first lock).
pub async fn ecrire(db: &impl sea_orm::TransactionTrait) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // A write statement, even one that changes nothing, takes the write lock.
        txn.execute_unprepared("UPDATE structures SET id = id WHERE 0").await?;
    }
    Ok(txn)
}
