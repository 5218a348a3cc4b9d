//! Rows written many at once, several tables in one transaction, their ids drawn first
//! so that rows can refer to each other: `COPY … FROM STDIN` on PostgreSQL, multi-row
//! `INSERT` on SQLite.
//!
//! Why `COPY` on PostgreSQL: the same 100 000 DECP marchés (their opérations, lots,
//! attributions, versions and audit rows) load in 12.1 s by `COPY` and 21.0 s by
//! `INSERT`s of 500 rows, on one connection (07/12/2026): no statement of thousands of
//! values to parse and plan, no expression evaluated per value, rows put in pages
//! several at a time. Each row's foreign keys are checked all the same.

use std::fmt::Write;

use sea_orm::sea_query::{Alias, Query, SimpleExpr, Value};
use sea_orm::{ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Iterable};

/// Rows of one table: the same columns, values in their order. A JSON column takes its
/// document as text (`Value::String`): it is not parsed here.
pub struct Lignes {
    table: String,
    colonnes: Vec<String>,
    valeurs: Vec<Vec<Value>>,
}

impl Lignes {
    /// Rows of `E` given as [`ActiveModelTrait`]s ([`Lignes::modele`]): the columns are
    /// those the first row sets.
    pub fn de<E: EntityTrait>() -> Lignes {
        Lignes { table: E::default().table_name().to_string(), colonnes: Vec::new(), valeurs: Vec::new() }
    }

    /// Rows of `E` given as values of these columns, in this order ([`Lignes::valeurs`]).
    pub fn colonnes<E: EntityTrait>(colonnes: &[E::Column]) -> Lignes {
        use sea_orm::IdenStatic;
        Lignes { colonnes: colonnes.iter().map(|c| c.as_str().to_string()).collect(), ..Lignes::de::<E>() }
    }

    /// A row from a model: its set (or unchanged) columns, which must be the first row's.
    pub fn modele<A: ActiveModelTrait>(&mut self, modele: A) -> anyhow::Result<()> {
        use sea_orm::IdenStatic;
        let mut noms = Vec::new();
        let mut valeurs = Vec::new();
        for c in <A::Entity as EntityTrait>::Column::iter() {
            match modele.get(c) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => {
                    noms.push(c);
                    valeurs.push(v);
                }
                ActiveValue::NotSet => {}
            }
        }
        if self.valeurs.is_empty() {
            self.colonnes = noms.iter().map(|c| c.as_str().to_string()).collect();
        } else if noms.len() != self.colonnes.len() || noms.iter().zip(&self.colonnes).any(|(a, b)| a.as_str() != b) {
            anyhow::bail!("{} : une ligne n'a pas les colonnes des autres", self.table);
        }
        self.valeurs.push(valeurs);
        Ok(())
    }

    /// A row as the values of the columns given to [`Lignes::colonnes`].
    pub fn valeurs(&mut self, valeurs: Vec<Value>) -> anyhow::Result<()> {
        anyhow::ensure!(valeurs.len() == self.colonnes.len(), "{} : {} valeurs pour {} colonnes", self.table, valeurs.len(), self.colonnes.len());
        self.valeurs.push(valeurs);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.valeurs.is_empty()
    }
}

/// Draws `ids` (for each table, how many: from its sequence on PostgreSQL, after its
/// largest on SQLite), builds the rows with them (`construire` gets the ids in the
/// order asked), then writes them table after table (parents first, as given) in one
/// transaction.
pub async fn ecrire<F>(db: &DatabaseConnection, ids: &[(&str, usize)], construire: F) -> anyhow::Result<()>
where
    F: FnOnce(Vec<Vec<i64>>) -> anyhow::Result<Vec<Lignes>>,
{
    match db.get_database_backend() {
        DbBackend::Postgres => {
            use sea_orm::sqlx;
            let mut txn = db.get_postgres_connection_pool().begin().await?;
            let mut tires = Vec::with_capacity(ids.len());
            for (table, n) in ids {
                // The sequence looked up once, not once per id (2.4 % of the DECP import's time).
                let sql = "WITH q AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s) SELECT nextval(q.s) FROM q, generate_series(1, $2)";
                let v: Vec<i64> = if *n == 0 { Vec::new() } else { sqlx::query_scalar(sql).bind(*table).bind(*n as i64).fetch_all(&mut *txn).await? };
                tires.push(v);
            }
            let mut texte = String::new();
            for lignes in construire(tires)?.into_iter().filter(|l| !l.is_empty()) {
                texte.clear();
                for ligne in &lignes.valeurs {
                    for (i, v) in ligne.iter().enumerate() {
                        if i > 0 {
                            texte.push('\t');
                        }
                        champ_copy(&mut texte, v)?;
                    }
                    texte.push('\n');
                }
                let colonnes: Vec<String> = lignes.colonnes.iter().map(|c| format!("\"{c}\"")).collect();
                let mut copie = txn.copy_in_raw(&format!("COPY \"{}\" ({}) FROM STDIN", lignes.table, colonnes.join(", "))).await?;
                copie.send(texte.as_bytes()).await?;
                copie.finish().await?;
            }
            txn.commit().await?;
        }
        backend => {
            let txn = super::ecrire(db).await?;
            let mut tires = Vec::with_capacity(ids.len());
            for (table, n) in ids {
                // The write transaction holds SQLite's only write lock: the ids after
                // the largest are free.
                let plus_grand: Option<i64> = if *n == 0 { None } else { txn.query_one(sea_orm::Statement::from_string(backend, format!("SELECT COALESCE(MAX(id), 0) FROM \"{table}\""))).await?.map(|l| l.try_get_by_index(0)).transpose()? };
                let depuis = plus_grand.unwrap_or(0);
                tires.push((depuis + 1..=depuis + *n as i64).collect());
            }
            for lignes in construire(tires)? {
                let mut valeurs = lignes.valeurs.into_iter().peekable();
                for n in tailles(valeurs.len(), lignes.colonnes.len()) {
                    let mut q = Query::insert();
                    q.into_table(Alias::new(&lignes.table)).columns(lignes.colonnes.iter().map(Alias::new));
                    for ligne in valeurs.by_ref().take(n) {
                        q.values(ligne.into_iter().map(SimpleExpr::from))?;
                    }
                    txn.execute(backend.build(&q)).await?;
                }
            }
            txn.commit().await?;
        }
    }
    Ok(())
}

/// The rows of each `INSERT` for `n` rows of `colonnes` columns on SQLite: as many as
/// 500 (under its limit of 32 766 bound values), then the rest by powers of two. Each
/// statement is prepared once and kept by the connection (100 of them): rests of any
/// size made a new one per chunk, each holding its program; by powers of two there are
/// a few per table, used again (measured on SQLite, peak for 100 000 DECP marchés: 130
/// MB with rests of any size, 117–120 MB so; 94–109 MB before this module, 1 GB: 115
/// MiB against 134).
fn tailles(n: usize, colonnes: usize) -> Vec<usize> {
    let par = (30_000 / colonnes.max(1)).clamp(1, 500);
    let mut tailles = vec![par; n / par];
    let reste = n % par;
    tailles.extend((0..usize::BITS).rev().map(|b| 1usize << b).filter(|p| reste & p != 0));
    tailles
}

/// A value in `COPY`'s text format: `\N` for none; a backslash, tab, line feed or
/// carriage return escaped by a backslash.
fn champ_copy(texte: &mut String, v: &Value) -> anyhow::Result<()> {
    // The text between the characters to escape copied at once (char by char, this was
    // 1.4 % of the machine's time during an import).
    fn echappe(texte: &mut String, s: &str) {
        let mut reste = s;
        while let Some(i) = reste.find(['\\', '\t', '\n', '\r']) {
            texte.push_str(&reste[..i]);
            texte.push_str(match reste.as_bytes()[i] {
                b'\\' => "\\\\",
                b'\t' => "\\t",
                b'\n' => "\\n",
                _ => "\\r",
            });
            reste = &reste[i + 1..];
        }
        texte.push_str(reste);
    }
    match v {
        Value::Bool(Some(b)) => texte.push(if *b { 't' } else { 'f' }),
        Value::TinyInt(Some(n)) => write!(texte, "{n}")?,
        Value::SmallInt(Some(n)) => write!(texte, "{n}")?,
        Value::Int(Some(n)) => write!(texte, "{n}")?,
        Value::BigInt(Some(n)) => write!(texte, "{n}")?,
        Value::TinyUnsigned(Some(n)) => write!(texte, "{n}")?,
        Value::SmallUnsigned(Some(n)) => write!(texte, "{n}")?,
        Value::Unsigned(Some(n)) => write!(texte, "{n}")?,
        Value::BigUnsigned(Some(n)) => write!(texte, "{n}")?,
        Value::Float(Some(x)) => write!(texte, "{x}")?,
        Value::Double(Some(x)) => write!(texte, "{x}")?,
        Value::String(Some(s)) => echappe(texte, s),
        Value::Char(Some(c)) => echappe(texte, c.encode_utf8(&mut [0; 4])),
        Value::Json(Some(j)) => echappe(texte, &j.to_string()),
        // ISO 8601 as chrono displays it (`2026-12-07`, `2026-12-07 23:05:09.000120`),
        // cut to the microsecond like a bound value: no format string parsed for each
        // value (0.7 % of an import).
        Value::ChronoDate(Some(d)) => write!(texte, "{d}")?,
        Value::ChronoDateTime(Some(d)) => write!(texte, "{}", micro(**d))?,
        Value::ChronoDateTimeUtc(Some(d)) => write!(texte, "{}+00", micro(d.naive_utc()))?,
        Value::ChronoDateTimeWithTimeZone(Some(d)) => write!(texte, "{}{}", micro(d.naive_local()), d.offset())?,
        Value::Bool(None)
        | Value::TinyInt(None)
        | Value::SmallInt(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::TinyUnsigned(None)
        | Value::SmallUnsigned(None)
        | Value::Unsigned(None)
        | Value::BigUnsigned(None)
        | Value::Float(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::Char(None)
        | Value::Json(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTime(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::ChronoDateTimeWithTimeZone(None) => texte.push_str("\\N"),
        autre => anyhow::bail!("valeur non prise en charge par COPY : {autre:?}"),
    }
    Ok(())
}

/// A time cut to the microsecond (PostgreSQL keeps six digits and would round the rest).
fn micro(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn champ(v: Value) -> String {
        let mut s = String::new();
        champ_copy(&mut s, &v).unwrap();
        s
    }

    #[test]
    fn des_insert_de_tailles_connues() {
        assert_eq!(tailles(1_485, 8), vec![500, 500, 256, 128, 64, 32, 4, 1]);
        assert_eq!(tailles(1_000, 8), vec![500, 500]);
        assert_eq!(tailles(0, 8), Vec::<usize>::new());
        assert_eq!(tailles(200, 100), vec![128, 64, 8]);
        assert_eq!(tailles(700, 100), vec![300, 300, 64, 32, 4]);
    }

    #[test]
    fn les_valeurs_au_format_texte_de_copy() {
        assert_eq!(champ(Value::String(Some(Box::new("a\tb\nc\\d\re".into())))), "a\\tb\\nc\\\\d\\re");
        assert_eq!(champ(Value::String(None)), "\\N");
        assert_eq!(champ(Value::BigInt(Some(-42))), "-42");
        assert_eq!(champ(Value::Bool(Some(false))), "f");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(champ(Value::ChronoDate(Some(Box::new(d)))), "2026-12-07");
        let t = d.and_hms_micro_opt(23, 5, 9, 120).unwrap().and_utc();
        assert_eq!(champ(Value::ChronoDateTimeUtc(Some(Box::new(t)))), "2026-12-07 23:05:09.000120+00");
        let t = d.and_hms_nano_opt(23, 5, 9, 123_456_789).unwrap().and_utc();
        assert_eq!(champ(Value::ChronoDateTimeUtc(Some(Box::new(t)))), "2026-12-07 23:05:09.123456+00");
        let t = d.and_hms_opt(0, 0, 0).unwrap().and_local_timezone(chrono::FixedOffset::east_opt(3600).unwrap()).unwrap();
        assert_eq!(champ(Value::ChronoDateTimeWithTimeZone(Some(Box::new(t)))), "2026-12-07 00:00:00+01:00");
        assert_eq!(champ(Value::String(Some(Box::new("\\é\tà\n".into())))), "\\\\é\\tà\\n");
        assert_eq!(champ(Value::String(Some(Box::new("sans rien".into())))), "sans rien");
        assert_eq!(champ(Value::Json(Some(Box::new(serde_json::json!({"a": "x\"y\\z"}))))), "{\"a\":\"x\\\\\"y\\\\\\\\z\"}");
    }
}
