//! Inviting a user (`POST /utilisateurs`): the account is created without a password,
//! with a one-time link valid 7 days, sent by e-mail through the outbox; the invited
//! person chooses its password on `/invitation/{token}` and is logged in.

use chrono::Duration;
use entities::enums::Role;
use entities::{donneurs_ordre, entreprises, invitations, utilisateurs};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::service::{self, NouvelUtilisateur};
use super::{password, token, Acteur, GESTION};
use crate::error::{AppError, AppResult, FieldError};
use crate::mail::outbox::{self, Message};
use crate::state::AppState;

const VALIDITE_JOURS: i64 = 7;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub email: String,
    pub nom: String,
    /// `admin`, `facilitateur`, `referent`, `entreprise`, `donneur_ordre`.
    pub role: Role,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
}

/// Creates the user and queues its invitation, in one transaction. Facilitateurs invite
/// every role but `admin`; administrators every role.
pub async fn inviter(state: &AppState, acteur: &Acteur, input: InvitationInput) -> AppResult<utilisateurs::Model> {
    acteur.require(GESTION)?;
    if input.role == Role::Admin && acteur.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let txn = crate::db::ecrire(&state.db).await?;
    // The company or buyer must be one of the caller's structure.
    if let Some(id) = input.entreprise_id {
        acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.eq(id)).one(&txn).await?.ok_or_else(|| AppError::field("entreprise_id", "Entreprise introuvable."))?;
    }
    if let Some(id) = input.donneur_ordre_id {
        acteur.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Id.eq(id)).one(&txn).await?.ok_or_else(|| AppError::field("donneur_ordre_id", "Donneur d'ordre introuvable."))?;
    }
    let user = service::create_user(
        &txn,
        &state.clock,
        NouvelUtilisateur { structure_id: acteur.structure_id, email: input.email, nom: input.nom, role: input.role, password: None, entreprise_id: input.entreprise_id, donneur_ordre_id: input.donneur_ordre_id },
    )
    .await?;
    envoyer(&txn, state, acteur, &user).await?;
    crate::audit::record(&txn, &state.clock, acteur, "invitation", "utilisateur", user.id, None, Some(&user)).await?;
    txn.commit().await?;
    Ok(user)
}

/// A new invitation link for `user` (the earlier ones stop working), e-mailed through the
/// outbox within the caller's transaction.
async fn envoyer(txn: &impl ConnectionTrait, state: &AppState, acteur: &Acteur, user: &utilisateurs::Model) -> AppResult<()> {
    invitations::Entity::update_many()
        .col_expr(invitations::Column::ExpiresAt, Expr::value(state.clock.now()))
        .filter(invitations::Column::UtilisateurId.eq(user.id))
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(state.clock.now()))
        .exec(txn)
        .await?;
    let secret = token::generate();
    let invitation = invitations::ActiveModel {
        structure_id: Set(acteur.structure_id),
        utilisateur_id: Set(user.id),
        token_hash: Set(token::digest(&secret)),
        expires_at: Set(state.clock.now() + Duration::days(VALIDITE_JOURS)),
        used_at: Set(None),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("nom", &user.nom);
    ctx.insert("invite_par", &acteur.nom);
    ctx.insert("role", &crate::libelles::de("role", user.role));
    ctx.insert("lien", &format!("{}/invitation/{secret}", state.settings.base_url()));
    ctx.insert("jours", &VALIDITE_JOURS);
    let email = crate::mail::compose(&state.templates, "invitation", &user.email, &ctx).map_err(|e| anyhow::anyhow!("modèle d'e-mail invitation : {e:?}"))?;
    // One outbox key per link: a resent invitation is a new message.
    let periode = format!("utilisateur:{}:invitation:{}", user.id, invitation.id);
    outbox::enqueue(txn, state.clock.now(), &[Message { structure_id: acteur.structure_id, kind: "invitation", periode, email }]).await?;
    Ok(())
}

/// Sends the invitation of an account that has not chosen its password yet again, with a
/// new link (the earlier one stops working).
pub async fn renvoyer(state: &AppState, acteur: &Acteur, id: i64) -> AppResult<utilisateurs::Model> {
    let txn = crate::db::ecrire(&state.db).await?;
    let user = super::comptes::compte_gere(&txn, acteur, id).await?;
    if user.password_hash.is_some() {
        return Err(AppError::field("invitation", "Cette personne a déjà choisi son mot de passe : elle peut se connecter, ou demander un nouveau mot de passe depuis la page de connexion."));
    }
    if !user.actif {
        return Err(AppError::field("invitation", "Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation."));
    }
    envoyer(&txn, state, acteur, &user).await?;
    crate::audit::record(&txn, &state.clock, acteur, "invitation_renvoyee", "utilisateur", user.id, None::<&()>, None).await?;
    txn.commit().await?;
    Ok(user)
}

/// How long a new-password link lasts.
pub const REINITIALISATION_HEURES: i64 = 2;

/// A forgotten password: if an active account has this address, a one-time link (the
/// invitation's page) to choose a new password is e-mailed to it. The answer is the same
/// whether the address exists or not; at most 5 requests per address in 15 minutes.
pub async fn reinitialiser(state: &AppState, email: &str) -> AppResult<()> {
    let cle = vec![(format!("reinitialisation:{}", service::normalize_email(email)), 5)];
    super::limites::verifier(&state.db, &state.clock, &cle).await?;
    super::limites::echec(&state.db, &state.clock, &cle).await?;
    let comptes: Vec<_> = service::find_users_by_email(&state.db, email).await?.into_iter().filter(|u| u.actif).collect();
    for user in comptes {
        lien_de_reinitialisation(state, &user).await?;
    }
    Ok(())
}

/// One account's new-password link: the invitation table's one-time token, 2 hours.
async fn lien_de_reinitialisation(state: &AppState, user: &utilisateurs::Model) -> AppResult<()> {
    let now = state.clock.now();
    let txn = crate::db::ecrire(&state.db).await?;
    let secret = token::generate();
    invitations::ActiveModel {
        structure_id: Set(user.structure_id),
        utilisateur_id: Set(user.id),
        token_hash: Set(token::digest(&secret)),
        expires_at: Set(now + Duration::hours(REINITIALISATION_HEURES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("nom", &user.nom);
    ctx.insert("lien", &format!("{}/invitation/{secret}", state.settings.base_url()));
    ctx.insert("heures", &REINITIALISATION_HEURES);
    let structure = entities::structures::Entity::find_by_id(user.structure_id).one(&txn).await?.map(|s| s.nom).unwrap_or_default();
    ctx.insert("structure", &structure);
    let message = crate::mail::compose(&state.templates, "reinitialisation", &user.email, &ctx).map_err(|e| anyhow::anyhow!("modèle d'e-mail reinitialisation : {e:?}"))?;
    outbox::enqueue(&txn, now, &[Message { structure_id: user.structure_id, kind: "reinitialisation", periode: format!("utilisateur:{}:{}", user.id, now.timestamp_micros()), email: message }]).await?;
    let acteur = Acteur::systeme(user.structure_id);
    crate::audit::record(&txn, &state.clock, &acteur, "reinitialisation_demandee", "utilisateur", user.id, None::<&()>, None).await?;
    txn.commit().await?;
    Ok(())
}

/// The user an unused, unexpired invitation is for.
pub async fn trouver(db: &impl ConnectionTrait, state: &AppState, secret: &str) -> AppResult<Option<(invitations::Model, utilisateurs::Model)>> {
    let found = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token::digest(secret)))
        .filter(invitations::Column::Suite.is_null())
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(state.clock.now()))
        .find_also_related(utilisateurs::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(i, u)| u.filter(|u| u.actif).map(|u| (i, u))))
}

/// Sets the password chosen through an invitation and uses the invitation up.
pub async fn accepter(state: &AppState, secret: &str, mot_de_passe: &str, confirmation: &str) -> AppResult<utilisateurs::Model> {
    let mut errors = Vec::new();
    if mot_de_passe.chars().count() < password::MIN_LENGTH {
        errors.push(FieldError::new("password", format!("Le mot de passe doit compter au moins {} caractères.", password::MIN_LENGTH)));
    } else if mot_de_passe != confirmation {
        errors.push(FieldError::new("confirmation", "Les deux mots de passe diffèrent."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = password::hash_async(mot_de_passe.to_string()).await?;
    let txn = crate::db::ecrire(&state.db).await?;
    let (invitation, user) = trouver(&txn, state, secret).await?.ok_or(AppError::NotFound)?;
    // Used once: the update only takes an invitation still unused.
    let pris = invitations::Entity::update_many()
        .col_expr(invitations::Column::UsedAt, Expr::value(state.clock.now()))
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if pris.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    let mut active: utilisateurs::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    let user = active.update(&txn).await?;
    txn.commit().await?;
    Ok(user)
}
