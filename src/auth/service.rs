//! Use cases of accounts: structures, users, passwords, API tokens.

use chrono::Duration;
use entities::enums::Role;
use entities::{api_tokens, structures, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use super::{password, token};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};

/// The settings (`parametres` JSON) of a structure; each module reads its own section.
pub async fn parametres_structure(db: &impl ConnectionTrait, structure_id: i64) -> AppResult<serde_json::Value> {
    let s = structures::Entity::find_by_id(structure_id).one(db).await?.ok_or(AppError::NotFound)?;
    Ok(s.parametres)
}

/// Replaces one section of the caller's structure's settings (administrators only),
/// audited in `txn` with the whole settings before and after.
pub async fn ecrire_parametres(txn: &sea_orm::DatabaseTransaction, clock: &Clock, acteur: &super::Acteur, section: &str, valeur: serde_json::Value) -> AppResult<()> {
    acteur.require(&[Role::Admin])?;
    let s = structures::Entity::find_by_id(acteur.structure_id).one(txn).await?.ok_or(AppError::NotFound)?;
    let before = s.parametres.clone();
    let mut after = if before.is_object() { before.clone() } else { serde_json::json!({}) };
    after[section] = valeur;
    let mut model: structures::ActiveModel = s.into();
    model.parametres = Set(after.clone());
    model.update(txn).await?;
    crate::audit::record(txn, clock, acteur, "parametres", "structure", acteur.structure_id, Some(&before), Some(&after)).await?;
    Ok(())
}

/// Finds the structure named `nom`, creating it if missing.
pub async fn ensure_structure(db: &impl ConnectionTrait, clock: &Clock, nom: &str) -> AppResult<structures::Model> {
    let nom = nom.trim();
    if nom.is_empty() {
        return Err(AppError::field("structure", "Le nom de la structure est obligatoire."));
    }
    if let Some(s) = structures::Entity::find().filter(structures::Column::Nom.eq(nom)).one(db).await? {
        return Ok(s);
    }
    Ok(structures::ActiveModel {
        nom: Set(nom.to_string()),
        parametres: Set(serde_json::json!({})),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A user to create, already bound to its structure.
#[derive(Debug, Clone)]
pub struct NouvelUtilisateur {
    pub structure_id: i64,
    pub email: String,
    pub nom: String,
    pub role: Role,
    pub password: Option<String>,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_email(email: &str) -> Option<FieldError> {
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
    (!ok).then(|| FieldError::new("email", "Adresse e-mail invalide."))
}

/// A role's attachment: a company account to one entreprise, a buyer's to one donneur
/// d'ordre, the others to neither.
pub fn rattachement(role: Role, entreprise_id: Option<i64>, donneur_ordre_id: Option<i64>) -> Option<FieldError> {
    match (role, entreprise_id, donneur_ordre_id) {
        (Role::Entreprise, None, _) => Some(FieldError::new("entreprise_id", "Un utilisateur « entreprise » doit être rattaché à une entreprise.")),
        (Role::DonneurOrdre, _, None) => Some(FieldError::new("donneur_ordre_id", "Un utilisateur « donneur d'ordre » doit être rattaché à un donneur d'ordre.")),
        (Role::Entreprise, _, Some(_)) => Some(FieldError::new("donneur_ordre_id", "Un utilisateur « entreprise » ne peut pas être rattaché à un donneur d'ordre.")),
        (Role::DonneurOrdre, Some(_), _) => Some(FieldError::new("entreprise_id", "Un utilisateur « donneur d'ordre » ne peut pas être rattaché à une entreprise.")),
        (Role::Admin | Role::Facilitateur | Role::Referent, e, d) if e.is_some() || d.is_some() => {
            Some(FieldError::new("role", "Seuls les rôles « entreprise » et « donneur_ordre » sont rattachés à une entreprise ou à un donneur d'ordre."))
        }
        _ => None,
    }
}

pub async fn create_user(db: &impl ConnectionTrait, clock: &Clock, new: NouvelUtilisateur) -> AppResult<utilisateurs::Model> {
    let email = normalize_email(&new.email);
    let mut errors: Vec<FieldError> = check_email(&email).into_iter().collect();
    if new.nom.trim().is_empty() {
        errors.push(FieldError::new("nom", "Le nom est obligatoire."));
    }
    if let Some(p) = &new.password {
        if p.chars().count() < password::MIN_LENGTH {
            errors.push(FieldError::new("password", format!("Le mot de passe doit compter au moins {} caractères.", password::MIN_LENGTH)));
        }
    }
    errors.extend(rattachement(new.role, new.entreprise_id, new.donneur_ordre_id));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let deja = utilisateurs::Entity::find()
        .filter(utilisateurs::Column::StructureId.eq(new.structure_id))
        .filter(utilisateurs::Column::Email.eq(&email))
        .one(db)
        .await?;
    if deja.is_some() {
        return Err(AppError::Conflict(format!("Un utilisateur de votre structure a déjà l'adresse {email}.")));
    }
    let password_hash = match new.password {
        Some(p) => Some(password::hash_async(p).await?),
        None => None,
    };
    Ok(utilisateurs::ActiveModel {
        structure_id: Set(new.structure_id),
        email: Set(email),
        nom: Set(new.nom.trim().to_string()),
        role: Set(new.role),
        password_hash: Set(password_hash),
        entreprise_id: Set(new.entreprise_id),
        donneur_ordre_id: Set(new.donneur_ordre_id),
        actif: Set(true),
        created_at: Set(clock.now()),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The names of these users of the caller's structure, by id (pages and e-mails that
/// say who did what).
pub async fn noms_utilisateurs(db: &impl ConnectionTrait, acteur: &crate::auth::Acteur, ids: Vec<i64>) -> AppResult<std::collections::BTreeMap<i64, String>> {
    Ok(crate::db::par_ids(db, acteur.scoped::<utilisateurs::Entity>(), utilisateurs::Column::Id, ids).await?.into_iter().map(|u| (u.id, u.nom)).collect())
}

/// The accounts that have this address: one per structure at most (an address is unique
/// within a structure, not across them), the most recently used first.
pub async fn find_users_by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<Vec<utilisateurs::Model>> {
    let mut comptes = utilisateurs::Entity::find()
        .filter(utilisateurs::Column::Email.eq(normalize_email(email)))
        .order_by_asc(utilisateurs::Column::Id)
        .limit(MAX_COMPTES_PAR_ADRESSE)
        .all(db)
        .await?;
    comptes.sort_by(|a, b| b.last_login_at.cmp(&a.last_login_at).then(a.id.cmp(&b.id)));
    Ok(comptes)
}

/// How many accounts of one address a login tries (one argon2 verification each).
const MAX_COMPTES_PAR_ADRESSE: u64 = 8;

/// The account with this address in a structure, or the only one when no structure is
/// named; an error naming the structures when the address has several accounts.
pub async fn find_user_by_email(db: &impl ConnectionTrait, email: &str, structure_id: Option<i64>) -> AppResult<Option<utilisateurs::Model>> {
    let comptes: Vec<_> = find_users_by_email(db, email).await?.into_iter().filter(|u| structure_id.is_none_or(|s| u.structure_id == s)).collect();
    match comptes.len() {
        0 | 1 => Ok(comptes.into_iter().next()),
        _ => Err(AppError::Conflict(format!(
            "L'adresse {} a un compte dans plusieurs structures ({}) : précisez la structure.",
            normalize_email(email),
            comptes.iter().map(|u| u.structure_id.to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Creates a bearer token for `user`; returns the token (shown once, stored hashed).
pub async fn issue_token(
    db: &impl ConnectionTrait,
    clock: &Clock,
    ttl_days: i64,
    user: &utilisateurs::Model,
    label: &str,
) -> AppResult<String> {
    let secret = token::generate();
    let now = clock.now();
    api_tokens::ActiveModel {
        structure_id: Set(user.structure_id),
        utilisateur_id: Set(user.id),
        token_hash: Set(token::digest(&secret)),
        label: Set(label.to_string()),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set((ttl_days > 0).then(|| now + Duration::days(ttl_days))),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// Checks an e-mail and password; the same answer (and about the same time) whether the
/// address is unknown or the password wrong.
/// Attempts are limited per account and per address (`limites`): past the limit, a 429
/// without checking the password.
pub async fn authenticate(db: &(impl ConnectionTrait + TransactionTrait), clock: &Clock, email: &str, pass: &str, ip: Option<std::net::IpAddr>) -> AppResult<utilisateurs::Model> {
    const REFUSED: AppError = AppError::Unauthorized("Adresse e-mail ou mot de passe incorrect.");
    let cles = super::limites::cles(email, ip);
    super::limites::verifier(db, clock, &cles).await?;
    // The address may have an account in several structures, each with its own password:
    // the account whose password matches is the one logged in.
    let comptes: Vec<_> = find_users_by_email(db, email).await?.into_iter().filter(|u| u.actif && u.password_hash.is_some()).collect();
    let mut trouve = None;
    for u in comptes.iter() {
        if password::verify_async(pass.to_string(), u.password_hash.clone().unwrap_or_default()).await {
            trouve = Some(u.clone());
            break;
        }
    }
    if comptes.is_empty() {
        password::verify_async(pass.to_string(), DUMMY_HASH.to_string()).await;
    }
    match trouve {
        Some(u) => {
            super::limites::succes(db, &cles).await?;
            let mut active: utilisateurs::ActiveModel = u.into();
            active.last_login_at = Set(Some(clock.now()));
            Ok(active.update(db).await?)
        }
        _ => {
            super::limites::echec(db, clock, &cles).await?;
            Err(REFUSED)
        }
    }
}

/// An argon2id hash of a random string, verified against when the user is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Yq7v0Y0kq4k9yQy1m0jv3o0kS2t8b7x9QJv1y2Z3a4";
