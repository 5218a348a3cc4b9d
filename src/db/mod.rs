//! Connecting to the database (SQLite file by default, PostgreSQL in production) and
//! applying migrations.

pub mod lignes;
pub mod paquet;
pub mod sauvegarde;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// The memory SQLite may use per connection: its page cache and its memory-mapped
/// reads, in MiB (configuration `database.sqlite_cache_mio`, `sqlite_mmap_mio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoireSqlite {
    pub cache_mio: u32,
    pub mmap_mio: u32,
}

impl Default for MemoireSqlite {
    fn default() -> Self {
        MemoireSqlite { cache_mio: 12, mmap_mio: 0 }
    }
}

impl MemoireSqlite {
    /// For a long write of new rows read once (an import): a small cache, no map.
    pub const ECRITURE: MemoireSqlite = MemoireSqlite { cache_mio: 16, mmap_mio: 0 };
}

/// How a pool is opened: its size, how long a caller waits for a free connection (then
/// the error becomes a 503), and SQLite's memory per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionsPool {
    pub connexions: u32,
    pub attente: Duration,
    pub memoire: MemoireSqlite,
}

impl OptionsPool {
    /// `connexions` connections, the default wait and memory.
    pub fn de(connexions: u32) -> OptionsPool {
        OptionsPool { connexions, attente: Duration::from_secs(30), memoire: MemoireSqlite::default() }
    }
}

/// The connection of a long import: one on SQLite (it reads and writes in turn, and its
/// page cache stays valid from one chunk to the next), one per writer on PostgreSQL, [`MemoireSqlite::ECRITURE`], and on SQLite a
/// WAL checkpointed every 40 MB rather than 4 (pages written again and again by each
/// chunk reach the file once).
pub async fn connexion_import(url: &str) -> anyhow::Result<DatabaseConnection> {
    let connexions = if url.starts_with("postgres") { crate::decp::ECRIVAINS_POSTGRES as u32 } else { 1 };
    let db = connect_avec(url, OptionsPool { memoire: MemoireSqlite::ECRITURE, ..OptionsPool::de(connexions) }).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_autocheckpoint = 10000;").await?;
    }
    Ok(db)
}

/// Opens a pool on `url` with the default memory settings (see [`connect_avec`]).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    connect_avec(url, OptionsPool::de(max_connections)).await
}

/// Opens a pool on `url`. For a SQLite file, creates its folder and sets up every
/// connection (WAL, page cache, memory-mapped reads, as `memoire` says); for PostgreSQL,
/// see [`connect_postgres`].
pub async fn connect_avec(url: &str, pool: OptionsPool) -> anyhow::Result<DatabaseConnection> {
    let OptionsPool { connexions: max_connections, attente, memoire } = pool;
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return connect_postgres(url, max_connections, attente).await;
    }
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
        .acquire_timeout(attente)
        // `CLAUSIER_SQL_LOG=1` logs every statement with its time and rows (target
        // `sqlx::query`, level debug): how the bilans were profiled.
        .sqlx_logging(std::env::var_os("CLAUSIER_SQL_LOG").is_some())
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        // Per connection (a PRAGMA run once reaches only one connection of the pool):
        // WAL so readers do not wait for the writer; a page cache (64 MiB) and memory-mapped
        // reads, because bilans read the same pages over and over and each page-cache miss
        // was a `pread` system call (seen in profiles of the national bilans).
        .map_sqlx_sqlite_opts(move |o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .pragma("cache_size", format!("-{}", u64::from(memoire.cache_mio) * 1024))
                .pragma("mmap_size", (u64::from(memoire.mmap_mio) << 20).to_string())
                .pragma("temp_store", "memory")
        });
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

/// A pooled PostgreSQL connection idle for longer than this is pinged before use.
const PING_APRES: Duration = Duration::from_secs(5);

/// The PostgreSQL pool, built with sqlx's own options (sea-orm's do not reach them).
///
/// Every session gets its planner settings. PostgreSQL's default cost of a random page
/// (4) assumes spinning disks: with it the planner scanned all 44 000 lots rather than
/// look up an opération's 424 marchés by index (3× slower); 1.1 is the usual setting for
/// SSDs and cached data. Plans are PostgreSQL's own choice (`plan_cache_mode = auto`): a
/// plan forced generic for every statement scanned a structure's whole index for `IN`
/// lists of hundreds of ids (49–88 ms instead of 1.2 ms with a custom plan).
///
/// A connection is pinged when it goes back to the pool (sqlx does it) and, before use,
/// only if it sat idle for more than [`PING_APRES`], instead of before every use: that
/// ping was a round trip per query, nine per bilan (largest opération 11.2–11.7 → 10.6–10.8
/// ms). A connection the server dropped is still replaced before use once it has idled.
async fn connect_postgres(url: &str, max_connections: u32, attente: Duration) -> anyhow::Result<DatabaseConnection> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    let options: PgConnectOptions = url.parse().map_err(|e| anyhow::anyhow!("adresse de base de données invalide : {e}"))?;
    let options = options.options([("random_page_cost", "1.1")]);
    // `CLAUSIER_SQL_LOG=1`: every statement with its time and rows, as for SQLite.
    let options = if std::env::var_os("CLAUSIER_SQL_LOG").is_some() { options.log_statements(tracing::log::LevelFilter::Debug) } else { options.disable_statement_logging() };
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(attente)
        .test_before_acquire(false)
        .before_acquire(|connexion, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_APRES {
                    connexion.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("connexion à la base de données impossible : {e}"))?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
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

pub fn sqlite_file(url: &str) -> Option<&str> {
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

/// Inserts rows many at a time (statements of at most `par` rows: under the backends'
/// limits on bound values), without reading them back.
pub async fn inserer<A>(txn: &impl sea_orm::ConnectionTrait, lignes: Vec<A>, par: usize) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    use sea_orm::EntityTrait;
    let mut lignes = lignes.into_iter().peekable();
    while lignes.peek().is_some() {
        let paquet: Vec<A> = lignes.by_ref().take(par.max(1)).collect();
        <A::Entity as EntityTrait>::insert_many(paquet).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Ids bound at most per statement by [`par_ids`] (backends allow 32 766 or 65 535).
pub const PAQUET_IDS: usize = 1000;

/// The rows of `select` whose `colonne` is one of `ids`: the ids deduplicated, then read
/// [`PAQUET_IDS`] at a time — never one bound value per row asked for.
pub async fn par_ids<E>(db: &impl ConnectionTrait, select: sea_orm::Select<E>, colonne: E::Column, ids: impl IntoIterator<Item = i64>) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    let ids: Vec<i64> = ids.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut lignes = Vec::new();
    for paquet in ids.chunks(PAQUET_IDS) {
        lignes.extend(select.clone().filter(colonne.is_in(paquet.iter().copied())).all(db).await?);
    }
    Ok(lignes)
}
