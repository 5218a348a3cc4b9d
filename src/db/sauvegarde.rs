//! `clausier backup FILE` and `clausier restore FILE`: the embedded SQLite database copied
//! while the server writes — `VACUUM INTO` takes one consistent snapshot (a read
//! transaction) into a new, compact file — and put back. PostgreSQL is backed up with
//! its own tools (`pg_dump -Fc`, `pg_restore`; see the README).

use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Copies the database into `fichier` (which must not exist), then checks the copy.
pub async fn sauvegarder(db: &DatabaseConnection, fichier: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(db.get_database_backend() == DbBackend::Sqlite, "la sauvegarde intégrée est celle de SQLite ; pour PostgreSQL, utilisez pg_dump -Fc (voir le README)");
    anyhow::ensure!(!fichier.exists(), "{} existe déjà : choisissez un nouveau fichier", fichier.display());
    let chemin = fichier.to_str().ok_or_else(|| anyhow::anyhow!("chemin illisible : {}", fichier.display()))?;
    db.execute(Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [chemin.into()])).await?;
    verifier(fichier).await
}

/// Opens a database file on its own and runs SQLite's integrity check.
pub async fn verifier(fichier: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}?mode=ro", fichier.display());
    let copie = sea_orm::Database::connect(&url).await?;
    let ligne = copie.query_one(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check")).await?;
    let resultat: String = ligne.map(|l| l.try_get_by_index(0)).transpose()?.unwrap_or_default();
    copie.close().await?;
    anyhow::ensure!(resultat == "ok", "{} n'est pas une base intacte : {resultat}", fichier.display());
    Ok(())
}

/// Puts a backup back in place of the database at `url`. The backup is checked first;
/// an existing database is overwritten only with `force` (stop the server first).
pub async fn restaurer(url: &str, fichier: &Path, force: bool) -> anyhow::Result<()> {
    let cible = super::sqlite_file(url).ok_or_else(|| anyhow::anyhow!("la restauration intégrée est celle de SQLite ; pour PostgreSQL, utilisez pg_restore (voir le README)"))?;
    verifier(fichier).await?;
    let cible = Path::new(cible);
    anyhow::ensure!(force || !cible.exists(), "{} existe : arrêtez le serveur, puis relancez avec --force pour l'écraser", cible.display());
    if let Some(parent) = cible.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // Copied beside, then renamed: the database is never half written.
    let temporaire = cible.with_extension("restauration");
    std::fs::copy(fichier, &temporaire)?;
    for suffixe in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffixe}", cible.display()));
    }
    std::fs::rename(&temporaire, cible)?;
    Ok(())
}
