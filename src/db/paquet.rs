//! Reading many rows fast, each backend its own way, into the same serde types.
//!
//! - SQLite: the database builds the JSON array of the rows (`json_group_array`) and the
//!   application parses it with serde. The driver hands rows over one value at a time
//!   (each value copied under the connection's lock, each row sent across a channel
//!   between threads), which made the wide reads of the bilans cost 5–10 µs per row; one
//!   packed value costs a `memcpy`.
//! - PostgreSQL: plain rows, read in the binary protocol straight into the same types
//!   ([`LignePg`], a serde deserializer over a row). Packing there cost more than it
//!   saved: `json_build_array` looks up each value's type in the catalogue caches on
//!   every row (half of the largest opération's bilan in the database was JSON building,
//!   measured in psql), while a plain row's output functions are looked up once per query.
//!
//! Each row is read as a tuple (or a struct deserialized from a sequence) whose fields
//! follow the columns given. Only for reads without `GROUP BY` or `ORDER BY` (on SQLite
//! the whole result is one aggregate): sort in Rust when order matters. Booleans are 0/1
//! on SQLite and true/false on PostgreSQL: read them as [`Booleen`].

use std::fmt;

use sea_orm::sea_query::{Expr, SelectStatement, SimpleExpr};
use sea_orm::sqlx::postgres::{PgRow, PgValueRef};
use sea_orm::sqlx::{Column, Row, TypeInfo, ValueRef};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, QuerySelect, QueryTrait, Select};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer};

/// The aggregate that packs the rows of `colonnes` into one JSON text (SQLite).
fn expression(colonnes: Vec<SimpleExpr>) -> SimpleExpr {
    // sea-query's placeholders for sub-expressions: `?`, in order.
    let places = vec!["?"; colonnes.len()].join(", ");
    Expr::cust_with_exprs(format!("json_group_array(json_array({places}))"), colonnes)
}

/// The rows of `select` (its joins and filters; its column list is replaced by
/// `colonnes`), each read as a `T`.
pub async fn lignes<T: DeserializeOwned, E: EntityTrait>(db: &impl ConnectionTrait, select: Select<E>, colonnes: impl IntoIterator<Item = SimpleExpr>) -> Result<Vec<T>, DbErr> {
    requete(db, select.select_only().into_query(), colonnes).await
}

/// The rows of `query` (a statement without columns) for `colonnes`, each read as a `T`.
pub async fn requete<T: DeserializeOwned>(db: &impl ConnectionTrait, mut query: SelectStatement, colonnes: impl IntoIterator<Item = SimpleExpr>) -> Result<Vec<T>, DbErr> {
    let backend = db.get_database_backend();
    let colonnes: Vec<SimpleExpr> = colonnes.into_iter().collect();
    if backend == DbBackend::Postgres {
        query.exprs(colonnes);
        let lignes = db.query_all(backend.build(&query)).await?;
        return lignes.iter().map(|l| l.try_as_pg_row().ok_or_else(|| DbErr::Custom("ligne PostgreSQL attendue".into())).and_then(lire_ligne)).collect();
    }
    query.expr(expression(colonnes));
    let ligne = db.query_one(backend.build(&query)).await?;
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

/// Reads one PostgreSQL row as a `T`.
fn lire_ligne<T: DeserializeOwned>(ligne: &PgRow) -> Result<T, DbErr> {
    T::deserialize(LignePg { ligne, colonne: 0 }).map_err(|e| DbErr::Custom(format!("ligne illisible : {e}")))
}

/// A PostgreSQL row as a serde sequence of its values.
pub struct LignePg<'r> {
    ligne: &'r PgRow,
    colonne: usize,
}

impl<'de> Deserializer<'de> for LignePg<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::SeqAccess<'de> for LignePg<'_> {
    type Error = de::value::Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Self::Error> {
        if self.colonne >= self.ligne.columns().len() {
            return Ok(None);
        }
        let i = self.colonne;
        self.colonne += 1;
        let valeur = ValeurPg { brute: self.ligne.try_get_raw(i).map_err(de::Error::custom)?, type_: self.ligne.columns()[i].type_info().name() };
        seed.deserialize(valeur).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.ligne.columns().len() - self.colonne)
    }
}

/// One value of a PostgreSQL row, decoded by its column's type (named once per value:
/// the row's type checks were a tenth of a bilan's reading).
struct ValeurPg<'r> {
    brute: PgValueRef<'r>,
    type_: &'r str,
}

impl<'r> ValeurPg<'r> {
    fn nulle(&self) -> bool {
        self.brute.is_null()
    }

    fn lire<T: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>>(&self) -> Result<T, de::value::Error> {
        T::decode(self.brute.clone()).map_err(de::Error::custom)
    }
}

/// `YYYY-MM-DD`, as chrono reads a date (its `format` parses the pattern on every call).
fn date_iso(d: chrono::NaiveDate, tampon: &mut [u8; 10]) -> &str {
    use chrono::Datelike;
    let (a, m, j) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&a) {
        return "";
    }
    let chiffres = [a / 1000, a / 100 % 10, a / 10 % 10, a % 10, -1, m as i32 / 10, m as i32 % 10, -1, j as i32 / 10, j as i32 % 10];
    for (o, c) in tampon.iter_mut().zip(chiffres) {
        *o = if c < 0 { b'-' } else { b'0' + c as u8 };
    }
    std::str::from_utf8(tampon).unwrap_or("")
}

impl<'de> Deserializer<'de> for ValeurPg<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.nulle() {
            return visitor.visit_none();
        }
        match self.type_ {
            "INT8" => visitor.visit_i64(self.lire()?),
            "INT4" => visitor.visit_i32(self.lire()?),
            "INT2" => visitor.visit_i16(self.lire()?),
            "BOOL" => visitor.visit_bool(self.lire()?),
            "FLOAT8" => visitor.visit_f64(self.lire()?),
            // Dates go through their ISO text, as chrono reads them from JSON.
            "DATE" => visitor.visit_str(date_iso(self.lire()?, &mut [0; 10])),
            _ => visitor.visit_string(self.lire::<String>()?),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.nulle() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    /// Enumerations are stored as their snake_case code.
    fn deserialize_enum<V: Visitor<'de>>(self, _nom: &'static str, _variantes: &'static [&'static str], visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self.lire::<String>()?.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
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
    fn dates_in_iso_text() {
        let d = |a, m, j| chrono::NaiveDate::from_ymd_opt(a, m, j).unwrap();
        for date in [d(2025, 3, 1), d(1999, 12, 31), d(2, 1, 9), d(9999, 12, 31)] {
            assert_eq!(date_iso(date, &mut [0; 10]), date.format("%Y-%m-%d").to_string());
        }
        assert_eq!(date_iso(d(10000, 1, 1), &mut [0; 10]), "");
    }

    #[test]
    fn rows_and_booleans_from_either_backend() {
        let v: Vec<(i64, Booleen, Option<chrono::NaiveDate>, Option<String>)> = lire(r#"[[1, 1, "2025-03-01", null], [2, false, null, "a,\"b\""]]"#).unwrap();
        assert_eq!(v[0], (1, Booleen(true), chrono::NaiveDate::from_ymd_opt(2025, 3, 1), None));
        assert_eq!(v[1], (2, Booleen(false), None, Some("a,\"b\"".into())));
        assert!(lire::<(i64,)>("[[\"x\"]]").unwrap_err().to_string().contains("illisibles"));
        use sea_orm::sea_query::{Alias, Query, SqliteQueryBuilder};
        let colonnes = vec![Expr::col(Alias::new("a")).into(), Expr::col(Alias::new("b")).is_not_null()];
        let sql = Query::select().expr(expression(colonnes)).to_string(SqliteQueryBuilder);
        assert_eq!(sql, r#"SELECT json_group_array(json_array("a", "b" IS NOT NULL))"#);
    }
}
