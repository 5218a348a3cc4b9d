//! Who receives what: the recipients' queries shared by the reminders.

use std::collections::BTreeSet;

use entities::enums::Role;
use entities::{contacts, structures, utilisateurs};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::auth::Acteur;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Personne {
    pub nom: String,
    /// Trimmed, lower-case: one outbox key per mailbox.
    pub email: String,
}

impl Personne {
    pub fn new(nom: String, email: &str) -> Personne {
        Personne { nom, email: email.trim().to_lowercase() }
    }

    /// A contact with an address: « Prénom Nom ».
    fn contact(c: &contacts::Model) -> Option<Personne> {
        let nom = [c.prenom.as_deref().unwrap_or(""), c.nom.as_str()].join(" ").trim().to_string();
        Some(Personne::new(nom, c.email.as_deref()?))
    }
}

pub async fn structures(db: &impl ConnectionTrait) -> AppResult<Vec<structures::Model>> {
    Ok(structures::Entity::find().order_by_asc(structures::Column::Id).all(db).await?)
}

/// Active users of the structure with `role`, oldest account first.
pub async fn utilisateurs(db: &impl ConnectionTrait, acteur: &Acteur, role: Role) -> AppResult<Vec<utilisateurs::Model>> {
    Ok(acteur
        .scoped::<utilisateurs::Entity>()
        .filter(utilisateurs::Column::Role.eq(role))
        .filter(utilisateurs::Column::Actif.eq(true))
        .order_by_asc(utilisateurs::Column::Id)
        .all(db)
        .await?)
}

/// The structure's facilitateurs; its administrators when it has none, so that what
/// needs a facilitateur never goes unread.
pub async fn facilitateurs(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<Vec<Personne>> {
    let mut gens = utilisateurs(db, acteur, Role::Facilitateur).await?;
    if gens.is_empty() {
        gens = utilisateurs(db, acteur, Role::Admin).await?;
    }
    Ok(gens.into_iter().map(|u| Personne::new(u.nom, &u.email)).collect())
}

/// The people to remind for each company of `entreprise_ids`: its contacts who receive
/// reminders, and its active user accounts. One row per (company, address).
pub async fn contacts_entreprises(db: &impl ConnectionTrait, acteur: &Acteur, entreprise_ids: &[i64]) -> AppResult<Vec<(i64, Personne)>> {
    let contacts = acteur
        .scoped::<contacts::Entity>()
        .filter(contacts::Column::EntrepriseId.is_in(entreprise_ids.to_vec()))
        .filter(contacts::Column::RecoitRelances.eq(true))
        .filter(contacts::Column::Email.is_not_null())
        .order_by_asc(contacts::Column::Id)
        .all(db)
        .await?;
    let comptes = acteur
        .scoped::<utilisateurs::Entity>()
        .filter(utilisateurs::Column::EntrepriseId.is_in(entreprise_ids.to_vec()))
        .filter(utilisateurs::Column::Role.eq(Role::Entreprise))
        .filter(utilisateurs::Column::Actif.eq(true))
        .order_by_asc(utilisateurs::Column::Id)
        .all(db)
        .await?;
    let depuis_contacts = contacts.iter().filter_map(|c| Some((c.entreprise_id?, Personne::contact(c)?)));
    let depuis_comptes = comptes.into_iter().filter_map(|u| Some((u.entreprise_id?, Personne::new(u.nom, &u.email))));
    Ok(unique(depuis_contacts.chain(depuis_comptes)))
}

/// The contacts of donneurs d'ordre who asked for the monthly bilan.
pub async fn contacts_donneurs_ordre(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<Vec<(i64, Personne)>> {
    let contacts = acteur
        .scoped::<contacts::Entity>()
        .filter(contacts::Column::DonneurOrdreId.is_not_null())
        .filter(contacts::Column::RecoitBilans.eq(true))
        .filter(contacts::Column::Email.is_not_null())
        .order_by_asc(contacts::Column::Id)
        .all(db)
        .await?;
    Ok(unique(contacts.iter().filter_map(|c| Some((c.donneur_ordre_id?, Personne::contact(c)?)))))
}

fn unique(rows: impl Iterator<Item = (i64, Personne)>) -> Vec<(i64, Personne)> {
    let mut seen = BTreeSet::new();
    rows.filter(|(id, p)| !p.email.is_empty() && seen.insert((*id, p.email.clone()))).collect()
}
