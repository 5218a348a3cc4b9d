//! Foreign keys that carry the structure: a row of a procurement table refers to its
//! parent by `(structure_id, parent_id)` instead of `structure_id → structures` and
//! `parent_id → parent` apart. The database itself now refuses an opération whose
//! buyer, a marché whose opération, a lot or version whose marché, an attribution whose
//! lot or company belongs to another structure; and a row costs fewer checks (an
//! attribution: 2 instead of 4; per DECP marché imported ≈ 16.5 → 9), each on its own
//! parent row rather than all on the structure's one row.
//!
//! The parents get the unique indexes these keys need: `(structure_id, id)` on
//! donneurs d'ordre, entreprises, opérations and marchés; on lots, the index
//! `(structure_id, marche_id)` becomes the unique `(structure_id, marche_id, id)` (same
//! entries, every query that used it can use it).
//!
//! PostgreSQL changes the constraints in place (in the migration's transaction). SQLite
//! cannot: each table is rebuilt from its stored definition with only its foreign-key
//! clauses replaced, its rows, indexes and AUTOINCREMENT counter kept, with foreign
//! keys off on one connection, then checked (`PRAGMA foreign_key_check`) before commit.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key: its columns, the parent table and the parent's columns.
struct Cle {
    colonnes: &'static [&'static str],
    parent: &'static str,
    cles_parent: &'static [&'static str],
}

/// A table's keys: the simple ones it loses, the composite ones it gets.
struct Changement {
    table: &'static str,
    retirees: &'static [Cle],
    ajoutees: &'static [Cle],
}

const fn cle(colonnes: &'static [&'static str], parent: &'static str, cles_parent: &'static [&'static str]) -> Cle {
    Cle { colonnes, parent, cles_parent }
}

const STRUCTURE: Cle = cle(&["structure_id"], "structures", &["id"]);

/// Parents first: a table is rebuilt (SQLite) before the tables that refer to it.
const CHANGEMENTS: &[Changement] = &[
    Changement { table: "operations", retirees: &[STRUCTURE, cle(&["donneur_ordre_id"], "donneurs_ordre", &["id"])], ajoutees: &[cle(&["structure_id", "donneur_ordre_id"], "donneurs_ordre", &["structure_id", "id"])] },
    Changement { table: "marches", retirees: &[STRUCTURE, cle(&["operation_id"], "operations", &["id"])], ajoutees: &[cle(&["structure_id", "operation_id"], "operations", &["structure_id", "id"])] },
    Changement { table: "lots", retirees: &[STRUCTURE, cle(&["marche_id"], "marches", &["id"])], ajoutees: &[cle(&["structure_id", "marche_id"], "marches", &["structure_id", "id"])] },
    Changement { table: "marche_versions", retirees: &[STRUCTURE, cle(&["marche_id"], "marches", &["id"])], ajoutees: &[cle(&["structure_id", "marche_id"], "marches", &["structure_id", "id"])] },
    Changement {
        table: "attributions",
        retirees: &[STRUCTURE, cle(&["marche_id"], "marches", &["id"]), cle(&["lot_id"], "lots", &["id"]), cle(&["entreprise_id"], "entreprises", &["id"])],
        ajoutees: &[cle(&["structure_id", "marche_id", "lot_id"], "lots", &["structure_id", "marche_id", "id"]), cle(&["structure_id", "entreprise_id"], "entreprises", &["structure_id", "id"])],
    },
];

/// The unique indexes the new keys refer to.
fn index_parents() -> Vec<IndexCreateStatement> {
    let mut v: Vec<IndexCreateStatement> = ["donneurs_ordre", "entreprises", "operations", "marches"].iter().map(|t| index(t, &["structure_id", "id"]).unique().to_owned()).collect();
    v.push(index("lots", &["structure_id", "marche_id", "id"]).unique().to_owned());
    v
}

const INDEX_REMPLACE: (&str, &str) = ("lots", "ix_lots_structure_id_marche_id");

fn nom(table: &str, c: &Cle) -> String {
    format!("fk_{table}_{}", c.colonnes.join("_"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX_REMPLACE.1).table(n(INDEX_REMPLACE.0)).to_owned()).await?;
        for ix in index_parents() {
            m.create_index(ix).await?;
        }
        if m.get_database_backend() == DbBackend::Sqlite {
            return reconstruire_sqlite(m).await;
        }
        for ch in CHANGEMENTS {
            for c in ch.retirees {
                m.drop_foreign_key(ForeignKey::drop().name(nom(ch.table, c)).table(n(ch.table)).to_owned()).await?;
            }
            for c in ch.ajoutees {
                let mut fk = ForeignKey::create();
                fk.name(nom(ch.table, c)).from_tbl(n(ch.table)).to_tbl(n(c.parent));
                for col in c.colonnes {
                    fk.from_col(n(col));
                }
                for col in c.cles_parent {
                    fk.to_col(n(col));
                }
                m.create_foreign_key(fk).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}

/// A key as SQLite stores it in a table's definition (how sea-query wrote it).
fn clause_sqlite(c: &Cle) -> String {
    let liste = |cols: &[&str]| cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    format!("FOREIGN KEY ({}) REFERENCES \"{}\" ({})", liste(c.colonnes), c.parent, liste(c.cles_parent))
}

/// The definition of `ch.table` with its keys changed, under the name `nouvelle`.
fn definition_sqlite(ch: &Changement, ancienne: &str, nouvelle: &str) -> Result<String, DbErr> {
    let erreur = |quoi: String| DbErr::Migration(format!("{} : {quoi} introuvable dans « {ancienne} »", ch.table));
    let entete = format!("CREATE TABLE \"{}\" (", ch.table);
    let mut sql = ancienne.strip_prefix(&entete).map(|reste| format!("CREATE TABLE \"{nouvelle}\" ({reste}")).ok_or_else(|| erreur(entete.clone()))?;
    for c in ch.retirees {
        let clause = format!(", {}", clause_sqlite(c));
        let debut = sql.find(&clause).ok_or_else(|| erreur(clause.clone()))?;
        sql.replace_range(debut..debut + clause.len(), "");
    }
    let fin = sql.rfind(')').ok_or_else(|| erreur(")".into()))?;
    let ajout: String = ch.ajoutees.iter().map(|c| format!(", {}", clause_sqlite(c))).collect();
    Ok(format!("{}{ajout} )", sql[..fin].trim_end()))
}

/// SQLite: every table of [`CHANGEMENTS`] rebuilt with its new keys, on one connection
/// with foreign keys off (a table others refer to cannot be dropped otherwise), in one
/// transaction checked before it commits; foreign keys back on whatever happened.
async fn reconstruire_sqlite(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::sqlx;
    let SchemaManagerConnection::Connection(db) = m.get_connection() else {
        return Err(DbErr::Migration("SQLite : migration attendue hors transaction".into()));
    };
    let mut connexion = db.get_sqlite_connection_pool().acquire().await.map_err(sql_err)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *connexion).await.map_err(sql_err)?;
    let fait = reconstruire_tables(&mut connexion).await;
    let remis = sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *connexion).await.map_err(sql_err);
    if remis.is_err() {
        // Never hand a connection without foreign keys back to the pool.
        connexion.detach();
    }
    fait.and(remis.map(|_| ()))
}

fn sql_err(e: sea_orm_migration::sea_orm::sqlx::Error) -> DbErr {
    DbErr::Migration(format!("SQLite : {e}"))
}

async fn reconstruire_tables(connexion: &mut sea_orm_migration::sea_orm::sqlx::SqliteConnection) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::sqlx::{self, Connection, Row};
    let mut txn = connexion.begin().await.map_err(sql_err)?;
    for ch in CHANGEMENTS {
        let ancienne: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(ch.table).fetch_one(&mut *txn).await.map_err(sql_err)?;
        let index: Vec<String> = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").bind(ch.table).fetch_all(&mut *txn).await.map_err(sql_err)?;
        let compteur: Option<i64> = sqlx::query("SELECT seq FROM sqlite_sequence WHERE name = ?").bind(ch.table).fetch_optional(&mut *txn).await.map_err(sql_err)?.map(|r| r.get(0));
        let nouvelle = format!("{}_nouvelle", ch.table);
        for sql in [
            definition_sqlite(ch, &ancienne, &nouvelle)?,
            format!("INSERT INTO \"{nouvelle}\" SELECT * FROM \"{}\"", ch.table),
            format!("DROP TABLE \"{}\"", ch.table),
            format!("ALTER TABLE \"{nouvelle}\" RENAME TO \"{}\"", ch.table),
        ]
        .into_iter()
        .chain(index)
        {
            sqlx::query(&sql).execute(&mut *txn).await.map_err(sql_err)?;
        }
        if let Some(seq) = compteur {
            sqlx::query("UPDATE sqlite_sequence SET seq = ? WHERE name = ?").bind(seq).bind(ch.table).execute(&mut *txn).await.map_err(sql_err)?;
        }
    }
    let orphelins = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *txn).await.map_err(sql_err)?;
    if let Some(r) = orphelins.first() {
        let table: String = r.get(0);
        let rowid: Option<i64> = r.get(1);
        return Err(DbErr::Migration(format!("{} ligne(s) dont la clé étrangère ne mène à rien ou à une autre structure (première : table {table}, ligne {})", orphelins.len(), rowid.unwrap_or_default())));
    }
    txn.commit().await.map_err(sql_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_definition_sqlite_perd_ses_cles_simples_et_gagne_les_composees() {
        let ancienne = "CREATE TABLE \"lots\" ( \"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"structure_id\" bigint NOT NULL, \"marche_id\" bigint NOT NULL, FOREIGN KEY (\"structure_id\") REFERENCES \"structures\" (\"id\"), FOREIGN KEY (\"marche_id\") REFERENCES \"marches\" (\"id\") )";
        let ch = CHANGEMENTS.iter().find(|c| c.table == "lots").unwrap();
        assert_eq!(
            definition_sqlite(ch, ancienne, "lots_nouvelle").unwrap(),
            "CREATE TABLE \"lots_nouvelle\" ( \"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"structure_id\" bigint NOT NULL, \"marche_id\" bigint NOT NULL, FOREIGN KEY (\"structure_id\", \"marche_id\") REFERENCES \"marches\" (\"structure_id\", \"id\") )"
        );
        let sans = ancienne.replace(", FOREIGN KEY (\"marche_id\") REFERENCES \"marches\" (\"id\")", "");
        assert!(definition_sqlite(ch, &sans, "x").unwrap_err().to_string().contains("FOREIGN KEY (\"marche_id\")"));
    }
}
