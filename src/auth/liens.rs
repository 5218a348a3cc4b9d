//! Sign-in links (domain.md §6): a reminder e-mail leads its recipient straight to its
//! month's grid through a one-time link bound to the recipient's account — single use,
//! expiring (`auth.lien_connexion_jours`, 14 days by default), opening a session with
//! exactly that user's rights. Stored as the `invitations` row's SHA-256 with `suite`, the
//! page to go to. The link opens a page with a button (a POST uses it up), so that a mail
//! filter that follows links does not spend it.

use chrono::Duration;
use entities::{invitations, utilisateurs};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::token;
use crate::clock::Clock;
use crate::error::AppResult;

/// A new sign-in link for `user` to `suite` (a path of the site); returns the secret of
/// `/connexion/lien/<secret>`.
pub async fn creer(db: &impl ConnectionTrait, clock: &Clock, jours: i64, user: &utilisateurs::Model, suite: &str) -> AppResult<String> {
    let secret = token::generate();
    let now = clock.now();
    invitations::ActiveModel {
        structure_id: Set(user.structure_id),
        utilisateur_id: Set(user.id),
        token_hash: Set(token::digest(&secret)),
        expires_at: Set(now + Duration::days(jours.max(1))),
        used_at: Set(None),
        created_at: Set(now),
        suite: Set(Some(super::session::suite_sure(Some(suite)).to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The active user of an unused, unexpired sign-in link, and where it leads.
pub async fn lire(db: &impl ConnectionTrait, clock: &Clock, secret: &str) -> AppResult<Option<(invitations::Model, utilisateurs::Model)>> {
    let trouve = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token::digest(secret)))
        .filter(invitations::Column::Suite.is_not_null())
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(clock.now()))
        .find_also_related(utilisateurs::Entity)
        .one(db)
        .await?;
    Ok(trouve.and_then(|(i, u)| u.filter(|u| u.actif).map(|u| (i, u))))
}

/// Uses the link up (once, even under two concurrent requests): the user and the page.
pub async fn utiliser(db: &impl ConnectionTrait, clock: &Clock, secret: &str) -> AppResult<Option<(utilisateurs::Model, String)>> {
    let Some((lien, user)) = lire(db, clock, secret).await? else { return Ok(None) };
    let fait = invitations::Entity::update_many()
        .col_expr(invitations::Column::UsedAt, Expr::value(clock.now()))
        .filter(invitations::Column::Id.eq(lien.id))
        .filter(invitations::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok((fait.rows_affected == 1).then(|| (user, lien.suite.unwrap_or_else(|| "/".into()))))
}
