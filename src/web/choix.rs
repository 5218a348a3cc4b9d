//! A choice among the structure's records in a form or a list's filter (a company, a
//! buyer, an opération): the page lists at most [`CHOIX_MAX`] of them, so that it does
//! not grow with the structure. Past that many, a search typed next to the list narrows
//! it (the form is sent again with the button « Chercher »: nothing is written, every
//! value typed is kept), and the value already chosen is always among the options.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::Serialize;

use crate::error::AppResult;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, motif};

/// A filter's or a form's choices are listed up to this many.
pub const CHOIX_MAX: usize = 200;

#[derive(Debug, Default, Serialize)]
pub struct Choix {
    /// `(id, label)`, by label.
    pub options: Vec<(String, String)>,
    /// More records match than are listed: the page asks for a narrower search.
    pub tronque: bool,
    /// The search typed, shown again in its field.
    pub recherche: String,
}

/// The records of `select` whose `nom` contains `recherche` (all when blank), by `nom`,
/// at most [`CHOIX_MAX`] — plus the record `retenu` (the value already chosen) wherever
/// it is. The second value says whether more matched.
pub async fn lire<E>(db: &impl ConnectionTrait, select: Select<E>, nom: E::Column, id: E::Column, recherche: &str, retenu: Option<i64>) -> AppResult<(Vec<E::Model>, bool)>
where
    E: EntityTrait,
{
    let mut s = select.clone();
    if let Some(m) = motif(recherche) {
        s = s.filter(like(nom, &m));
    }
    let mut lignes = s.order_by_asc(nom).order_by_asc(id).limit(CHOIX_MAX as u64 + 1).all(db).await?;
    let tronque = lignes.len() > CHOIX_MAX;
    lignes.truncate(CHOIX_MAX);
    if let Some(r) = retenu {
        let deja = lignes.iter().any(|l| cle(l, id) == r.to_string());
        if !deja {
            if let Some(l) = select.filter(id.eq(r)).one(db).await? {
                lignes.insert(0, l);
            }
        }
    }
    Ok((lignes, tronque))
}

/// [`lire`] for the field `champ` of a form: its search (`chercher_<champ>`) and its
/// value, each record shown by `vue`.
pub async fn du_formulaire<E>(db: &impl ConnectionTrait, f: &Formulaire, champ: &str, select: Select<E>, nom: E::Column, id: E::Column, vue: impl Fn(&E::Model) -> String) -> AppResult<Choix>
where
    E: EntityTrait,
{
    let recherche = recherche(f, champ);
    let retenu = f.valeurs.get(champ).and_then(|v| v.trim().parse().ok());
    let (lignes, tronque) = lire(db, select, nom, id, &recherche, retenu).await?;
    let options = lignes.iter().map(|l| (cle(l, id), vue(l))).collect();
    Ok(Choix { options, tronque, recherche })
}

/// A list's filter: the first [`CHOIX_MAX`] records by name, and the one filtered on.
/// Past that many the page says so; its search also matches these names.
pub async fn filtre<E>(db: &impl ConnectionTrait, select: Select<E>, nom: E::Column, id: E::Column, retenu: Option<i64>, vue: impl Fn(&E::Model) -> String) -> AppResult<Choix>
where
    E: EntityTrait,
{
    let (lignes, tronque) = lire(db, select, nom, id, "", retenu).await?;
    Ok(Choix { options: lignes.iter().map(|l| (cle(l, id), vue(l))).collect(), tronque, recherche: String::new() })
}

/// The search typed next to a form's field (`chercher_<champ>`), trimmed.
pub fn recherche(f: &Formulaire, champ: &str) -> String {
    f.valeurs.get(&format!("chercher_{champ}")).map(|v| v.trim().chars().take(100).collect()).unwrap_or_default()
}

/// The form was sent by a « Chercher » button: show it again, write nothing.
pub fn cherche(f: &Formulaire) -> bool {
    f.valeurs.contains_key("chercher")
}

fn cle<M: sea_orm::ModelTrait>(l: &M, id: <M::Entity as EntityTrait>::Column) -> String {
    match l.get(id) {
        sea_orm::Value::BigInt(Some(v)) => v.to_string(),
        sea_orm::Value::Int(Some(v)) => v.to_string(),
        autre => autre.to_string(),
    }
}
