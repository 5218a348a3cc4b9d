//! Small builders so that every table is declared the same way on both backends.

use sea_orm_migration::prelude::*;

pub fn n(name: &str) -> Alias {
    Alias::new(name)
}

/// `id`: BIGINT auto-increment primary key (INTEGER PRIMARY KEY on SQLite, a rowid alias).
pub fn pk(name: &str) -> ColumnDef {
    ColumnDef::new(n(name)).big_integer().not_null().auto_increment().primary_key().to_owned()
}

macro_rules! typed {
    ($($f:ident, $fnull:ident, $method:ident($($arg:expr),*));* $(;)?) => {$(
        pub fn $f(name: &str) -> ColumnDef {
            ColumnDef::new(n(name)).$method($($arg),*).not_null().to_owned()
        }
        #[allow(dead_code)]
        pub fn $fnull(name: &str) -> ColumnDef {
            ColumnDef::new(n(name)).$method($($arg),*).null().to_owned()
        }
    )*};
}

typed! {
    integer, integer_null, integer();
    big_integer, big_integer_null, big_integer();
    boolean, boolean_null, boolean();
    // Free text is TEXT: a length limit is the form's business, never a database error.
    string, string_null, text();
    text, text_null, text();
    date, date_null, date();
    timestamp_with_time_zone, timestamp_with_time_zone_null, timestamp_with_time_zone();
    json, json_null, json();
    code, code_null, string_len(32);
}

/// A foreign key `table.column -> target.id`, named after both.
pub fn fk(table: &str, column: &str, target: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(n(table), n(column))
        .to(n(target), n("id"))
        .to_owned()
}

/// An index named `ix_<table>_<columns>`.
pub fn index(table: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut ix = Index::create();
    ix.name(format!("ix_{table}_{}", columns.join("_"))).table(n(table));
    for c in columns {
        ix.col(n(c));
    }
    ix
}
