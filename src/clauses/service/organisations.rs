//! Donneurs d'ordre, entreprises and their contacts.

use entities::enums::Role;
use entities::{contacts, donneurs_ordre, entreprises};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Select, Set, TransactionTrait};

use serde::Serialize;

use super::super::forms::{ContactInput, DonneurOrdreInput, EntrepriseInput};
use crate::audit;
use super::super::siret::Identifiant;
use crate::auth::{Acteur, Tenant, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

/// Donneurs d'ordre the caller may read: its structure's (gestion, référents), or only
/// its own for a donneur d'ordre user; never for entreprise users.
pub fn donneurs_ordre_visibles(acteur: &Acteur) -> AppResult<Select<donneurs_ordre::Entity>> {
    let select = acteur.scoped::<donneurs_ordre::Entity>();
    match acteur.role {
        Role::Admin | Role::Facilitateur | Role::Referent => Ok(select),
        Role::DonneurOrdre => Ok(select.filter(donneurs_ordre::Column::Id.eq(acteur.donneur_ordre_id.unwrap_or(-1)))),
        Role::Entreprise => Err(AppError::Forbidden),
    }
}

/// Entreprises the caller may read: its structure's, or only its own for an entreprise
/// user; never for donneur d'ordre users.
pub fn entreprises_visibles(acteur: &Acteur) -> AppResult<Select<entreprises::Entity>> {
    let select = acteur.scoped::<entreprises::Entity>();
    match acteur.role {
        Role::Admin | Role::Facilitateur | Role::Referent => Ok(select),
        Role::Entreprise => Ok(select.filter(entreprises::Column::Id.eq(acteur.entreprise_id.unwrap_or(-1)))),
        Role::DonneurOrdre => Err(AppError::Forbidden),
    }
}

pub async fn create_donneur_ordre(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: &DonneurOrdreInput) -> AppResult<donneurs_ordre::Model> {
    acteur.require(GESTION)?;
    let org = input.parse()?;
    let now = clock.now();
    let model = donneurs_ordre::ActiveModel {
        structure_id: Set(acteur.structure_id),
        nom: Set(org.nom),
        siret: Set(org.identifiant.to_string()),
        r#type: Set(input.type_),
        adresse: Set(org.adresse),
        code_postal: Set(org.code_postal),
        commune: Set(org.commune),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    insert_unique_siret(db, clock, acteur, ("donneur_ordre", |m: &donneurs_ordre::Model| m.id), donneurs_ordre::Column::Siret, &org.identifiant, model).await
}

pub async fn create_entreprise(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: &EntrepriseInput) -> AppResult<entreprises::Model> {
    acteur.require(GESTION)?;
    let org = input.parse()?;
    let now = clock.now();
    let model = entreprises::ActiveModel {
        structure_id: Set(acteur.structure_id),
        raison_sociale: Set(org.nom),
        siret: Set(org.identifiant.to_string()),
        type_identifiant: Set(org.identifiant.type_),
        r#type: Set(input.type_),
        adresse: Set(org.adresse),
        code_postal: Set(org.code_postal),
        commune: Set(org.commune),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    insert_unique_siret(db, clock, acteur, ("entreprise", |m: &entreprises::Model| m.id), entreprises::Column::Siret, &org.identifiant, model).await
}

/// Replaces a donneur d'ordre's name, SIRET, kind and address (facilitateur, admin): the
/// kind guessed by a DECP import, say. 404 outside the structure, 409 if the SIRET is
/// another's.
pub async fn update_donneur_ordre(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: &DonneurOrdreInput) -> AppResult<donneurs_ordre::Model> {
    acteur.require(GESTION)?;
    let org = input.parse()?;
    let siret = org.identifiant.clone();
    let changer = |m: &mut donneurs_ordre::ActiveModel| {
        m.nom = Set(org.nom);
        m.siret = Set(org.identifiant.to_string());
        m.r#type = Set(input.type_);
        m.adresse = Set(org.adresse);
        m.code_postal = Set(org.code_postal);
        m.commune = Set(org.commune);
        m.updated_at = Set(clock.now());
    };
    update_unique_siret(db, clock, acteur, ("donneur_ordre", |m: &donneurs_ordre::Model| m.id), donneurs_ordre::Column::Siret, id, &siret, changer).await
}

/// Replaces an entreprise's raison sociale, SIRET, kind and address (facilitateur,
/// admin): an imported company found to be an SIAE, say. 404 outside the structure, 409
/// if the SIRET is another's.
pub async fn update_entreprise(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: &EntrepriseInput) -> AppResult<entreprises::Model> {
    acteur.require(GESTION)?;
    let org = input.parse()?;
    let siret = org.identifiant.clone();
    let changer = |m: &mut entreprises::ActiveModel| {
        m.raison_sociale = Set(org.nom);
        m.siret = Set(org.identifiant.to_string());
        m.type_identifiant = Set(org.identifiant.type_);
        m.r#type = Set(input.type_);
        m.adresse = Set(org.adresse);
        m.code_postal = Set(org.code_postal);
        m.commune = Set(org.commune);
        m.updated_at = Set(clock.now());
    };
    update_unique_siret(db, clock, acteur, ("entreprise", |m: &entreprises::Model| m.id), entreprises::Column::Siret, id, &siret, changer).await
}

/// « Le SIRET … est déjà enregistré… », or « L'identifiant … » for another kind.
fn deja_enregistre(i: &Identifiant) -> String {
    if i.type_ == entities::enums::TypeIdentifiant::Siret {
        format!("Le SIRET {i} est déjà enregistré dans votre structure.")
    } else {
        format!("L'identifiant {i} est déjà enregistré dans votre structure.")
    }
}

/// Updates an organisation of the structure (404 otherwise) whose SIRET stays unique in
/// it (409), with its audit row (before/after), in one transaction.
async fn update_unique_siret<E, A>(
    db: &impl TransactionTrait,
    clock: &Clock,
    acteur: &Acteur,
    entite: (&str, fn(&E::Model) -> i64),
    siret_column: E::Column,
    id: i64,
    siret: &Identifiant,
    changer: impl FnOnce(&mut A),
) -> AppResult<E::Model>
where
    E: Tenant,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<A> + Serialize + Clone,
{
    let duplicate = || AppError::Conflict(deja_enregistre(siret));
    let txn = crate::db::ecrire(db).await?;
    let avant = acteur.get::<E>(&txn, id).await?;
    if acteur.scoped::<E>().filter(siret_column.eq(siret.valeur.as_str())).filter(E::id_column().ne(id)).one(&txn).await?.is_some() {
        return Err(duplicate());
    }
    let mut modele = avant.clone().into_active_model();
    changer(&mut modele);
    let apres = modele.update(&txn).await.map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => duplicate(),
        other => other,
    })?;
    audit::record(&txn, clock, acteur, "modification", entite.0, entite.1(&apres), Some(&avant), Some(&apres)).await?;
    txn.commit().await?;
    Ok(apres)
}

/// Inserts an organisation whose SIRET is unique in the structure, with its audit row
/// (`entite`: audit name and id getter), in one transaction: 409 if the SIRET is known
/// (also when a concurrent insert wins the race on the unique index).
async fn insert_unique_siret<E, A>(
    db: &impl TransactionTrait,
    clock: &Clock,
    acteur: &Acteur,
    entite: (&str, fn(&E::Model) -> i64),
    siret_column: E::Column,
    siret: &Identifiant,
    model: A,
) -> AppResult<E::Model>
where
    E: Tenant,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<A> + Serialize,
{
    let duplicate = || AppError::Conflict(deja_enregistre(siret));
    let txn = crate::db::ecrire(db).await?;
    if acteur.scoped::<E>().filter(siret_column.eq(siret.valeur.as_str())).one(&txn).await?.is_some() {
        return Err(duplicate());
    }
    let created = model.insert(&txn).await.map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => duplicate(),
        other => other,
    })?;
    audit::record(&txn, clock, acteur, "creation", entite.0, entite.1(&created), None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn get_donneur_ordre(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<donneurs_ordre::Model> {
    donneurs_ordre_visibles(acteur)?.filter(donneurs_ordre::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

pub async fn get_entreprise(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<entreprises::Model> {
    entreprises_visibles(acteur)?.filter(entreprises::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

pub fn list_donneurs_ordre(acteur: &Acteur) -> AppResult<Select<donneurs_ordre::Entity>> {
    Ok(donneurs_ordre_visibles(acteur)?.order_by_asc(donneurs_ordre::Column::Nom).order_by_asc(donneurs_ordre::Column::Id))
}

pub fn list_entreprises(acteur: &Acteur) -> AppResult<Select<entreprises::Entity>> {
    Ok(entreprises_visibles(acteur)?.order_by_asc(entreprises::Column::RaisonSociale).order_by_asc(entreprises::Column::Id))
}

/// The raison sociale of each of these companies of the caller's structure.
pub async fn noms_entreprises(db: &impl ConnectionTrait, acteur: &Acteur, ids: Vec<i64>) -> AppResult<std::collections::BTreeMap<i64, String>> {
    Ok(crate::db::par_ids(db, acteur.scoped::<entreprises::Entity>(), entreprises::Column::Id, ids).await?.into_iter().map(|e| (e.id, e.raison_sociale)).collect())
}

/// Finds an entreprise of a structure by SIRET (CLI: binding a user to its company).
pub async fn find_entreprise_by_siret(db: &impl ConnectionTrait, structure_id: i64, siret: &str) -> AppResult<Option<entreprises::Model>> {
    Ok(entreprises::Entity::find()
        .filter(entreprises::Column::StructureId.eq(structure_id))
        .filter(entreprises::Column::Siret.eq(siret.replace(' ', "")))
        .one(db)
        .await?)
}

pub async fn find_donneur_ordre_by_siret(db: &impl ConnectionTrait, structure_id: i64, siret: &str) -> AppResult<Option<donneurs_ordre::Model>> {
    Ok(donneurs_ordre::Entity::find()
        .filter(donneurs_ordre::Column::StructureId.eq(structure_id))
        .filter(donneurs_ordre::Column::Siret.eq(siret.replace(' ', "")))
        .one(db)
        .await?)
}

/// The contacts of an entreprise or a donneur d'ordre the caller may read.
pub async fn contacts(db: &impl ConnectionTrait, acteur: &Acteur, de: Organisation) -> AppResult<Vec<contacts::Model>> {
    let select = match de {
        Organisation::Entreprise(id) => {
            get_entreprise(db, acteur, id).await?;
            acteur.scoped::<contacts::Entity>().filter(contacts::Column::EntrepriseId.eq(id))
        }
        Organisation::DonneurOrdre(id) => {
            get_donneur_ordre(db, acteur, id).await?;
            acteur.scoped::<contacts::Entity>().filter(contacts::Column::DonneurOrdreId.eq(id))
        }
    };
    Ok(select.order_by_asc(contacts::Column::Nom).order_by_asc(contacts::Column::Id).all(db).await?)
}

#[derive(Debug, Clone, Copy)]
pub enum Organisation {
    Entreprise(i64),
    DonneurOrdre(i64),
}

/// Adds a contact (the people who get reminders and bilans). Facilitateur, admin.
pub async fn add_contact(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, de: Organisation, input: ContactInput) -> AppResult<contacts::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let nom = input.nom.trim().to_string();
    if nom.is_empty() {
        errors.push(FieldError::new("nom", "Ce champ est obligatoire."));
    }
    let email = clean(&input.email).map(|e| e.to_lowercase());
    if email.as_deref().is_some_and(|e| !e.contains('@') || e.contains(char::is_whitespace)) {
        errors.push(FieldError::new("email", "Adresse e-mail invalide."));
    }
    if (input.recoit_relances || input.recoit_bilans) && email.is_none() {
        errors.push(FieldError::new("email", "Une adresse e-mail est nécessaire pour recevoir relances ou bilans."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = crate::db::ecrire(db).await?;
    let (entreprise_id, donneur_ordre_id) = match de {
        Organisation::Entreprise(id) => (Some(get_entreprise(&txn, acteur, id).await?.id), None),
        Organisation::DonneurOrdre(id) => (None, Some(get_donneur_ordre(&txn, acteur, id).await?.id)),
    };
    let created = contacts::ActiveModel {
        structure_id: Set(acteur.structure_id),
        entreprise_id: Set(entreprise_id),
        donneur_ordre_id: Set(donneur_ordre_id),
        nom: Set(nom),
        prenom: Set(clean(&input.prenom)),
        fonction: Set(clean(&input.fonction)),
        email: Set(email),
        telephone: Set(clean(&input.telephone)),
        recoit_relances: Set(input.recoit_relances),
        recoit_bilans: Set(input.recoit_bilans),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "contact", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// « numéro — objet » of these marchés of the caller's structure, by id.
pub async fn noms_marches(db: &impl ConnectionTrait, acteur: &Acteur, ids: Vec<i64>) -> AppResult<std::collections::BTreeMap<i64, String>> {
    Ok(crate::db::par_ids(db, acteur.scoped::<entities::marches::Entity>(), entities::marches::Column::Id, ids).await?.into_iter().map(|m| (m.id, format!("{} — {}", m.numero, m.objet))).collect())
}
