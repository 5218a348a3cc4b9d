//! Reading many rows as one value: the database builds the JSON array of the rows
//! (`json_group_array` on SQLite, `json_agg` on PostgreSQL) and the application parses it
//! with serde. The SQL drivers hand rows over one value at a time (on SQLite, each value
//! is copied under the connection's lock and each row crosses a channel between
//! threads), which made the wide reads of the bilans cost 5–10 µs per row; one packed
//! value costs a `memcpy`.
//!
//! Each row is a JSON array, in the order of the columns given, and is read as a tuple
//! (or a struct deserialized from a sequence). Only for reads without `GROUP BY` or
//! `ORDER BY` (the whole result is one aggregate): sort in Rust when order matters.
//! Booleans are 0/1 on SQLite and true/false on PostgreSQL: read them as [`Booleen`].

use std::fmt;

use sea_orm::sea_query::{Expr, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, QuerySelect, QueryTrait, Select};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};

/// The aggregate that packs the rows of `colonnes` into one JSON text.
pub fn expression(backend: DbBackend, colonnes: impl IntoIterator<Item = SimpleExpr>) -> SimpleExpr {
    let colonnes: Vec<SimpleExpr> = colonnes.into_iter().collect();
    // sea-query's placeholders for sub-expressions: `$1, $2…` on PostgreSQL, `?` in order
    // on SQLite.
    let places = |numerote: bool| (1..=colonnes.len()).map(|i| if numerote { format!("${i}") } else { "?".into() }).collect::<Vec<_>>().join(", ");
    let sql = match backend {
        DbBackend::Postgres => format!("CAST(COALESCE(json_agg(json_build_array({})), '[]') AS TEXT)", places(true)),
        _ => format!("json_group_array(json_array({}))", places(false)),
    };
    Expr::cust_with_exprs(sql, colonnes)
}

/// The rows of `select` (its joins and filters; its column list is replaced by
/// `colonnes`), each read as a `T`.
pub async fn lignes<T: DeserializeOwned, E: EntityTrait>(db: &impl ConnectionTrait, select: Select<E>, colonnes: impl IntoIterator<Item = SimpleExpr>) -> Result<Vec<T>, DbErr> {
    requete(db, &select.select_only().expr(expression(db.get_database_backend(), colonnes)).into_query()).await
}

/// The rows packed by a query whose one column is an [`expression`].
pub async fn requete<T: DeserializeOwned>(db: &impl ConnectionTrait, select: &SelectStatement) -> Result<Vec<T>, DbErr> {
    let ligne = db.query_one(db.get_database_backend().build(select)).await?;
    let texte: Option<String> = match ligne {
        Some(l) => l.try_get_by_index(0)?,
        None => None,
    };
    lire(texte.as_deref().unwrap_or("[]"))
}

/// Parses a packed JSON array of rows.
pub fn lire<T: DeserializeOwned>(texte: &str) -> Result<Vec<T>, DbErr> {
    serde_json::from_str(texte).map_err(|e| DbErr::Custom(format!("lignes empaquetées illisibles : {e}")))
}

/// For `#[serde(deserialize_with = "booleen")]` on a packed boolean field.
pub fn booleen<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Booleen::deserialize(d).map(|b| b.0)
}

/// A boolean column as packed by either backend (0/1 or false/true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Booleen(pub bool);

impl<'de> Deserialize<'de> for Booleen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Booleen;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("un booléen (true/false ou 1/0)")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Booleen, E> {
                Ok(Booleen(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Booleen, E> {
                Ok(Booleen(n != 0))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Booleen, E> {
                Ok(Booleen(n != 0))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_booleans_from_either_backend() {
        let v: Vec<(i64, Booleen, Option<chrono::NaiveDate>, Option<String>)> = lire(r#"[[1, 1, "2025-03-01", null], [2, false, null, "a,\"b\""]]"#).unwrap();
        assert_eq!(v[0], (1, Booleen(true), chrono::NaiveDate::from_ymd_opt(2025, 3, 1), None));
        assert_eq!(v[1], (2, Booleen(false), None, Some("a,\"b\"".into())));
        assert!(lire::<(i64,)>("[[\"x\"]]").unwrap_err().to_string().contains("illisibles"));
        use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};
        let colonnes = || [Expr::col(Alias::new("a")).into(), Expr::col(Alias::new("b")).is_not_null()];
        let sql = Query::select().expr(expression(DbBackend::Sqlite, colonnes())).to_string(SqliteQueryBuilder);
        assert_eq!(sql, r#"SELECT json_group_array(json_array("a", "b" IS NOT NULL))"#);
        let sql = Query::select().expr(expression(DbBackend::Postgres, colonnes())).to_string(PostgresQueryBuilder);
        assert_eq!(sql, r#"SELECT CAST(COALESCE(json_agg(json_build_array("a", "b" IS NOT NULL)), '[]') AS TEXT)"#);
    }
}
