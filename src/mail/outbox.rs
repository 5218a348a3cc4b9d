//! The outbox (`emails`): jobs insert one row per (structure, kind, recipient, period) —
//! a second insert of the same key does nothing — in the transaction that read what the
//! message says; the sender delivers due rows through the [`Mailer`], marks them sent,
//! retries failures with backoff and gives up after `max_tentatives`.
//!
//! A sender takes a row by moving its `prochain_essai_at` forward in one conditional
//! update, so two servers never send the same row at the same time; a server that dies
//! mid-send leaves the row to be taken again once that short lease is over.

use chrono::{DateTime, Duration, Utc};
use entities::emails::{self, Column as C, Entity as Emails};
use entities::enums::StatutEnvoi;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::{Email, Mailer};
use crate::config::MailSettings;

/// A message a job wants sent, identified by (structure, kind, recipient, period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub structure_id: i64,
    pub kind: &'static str,
    pub periode: String,
    pub email: Email,
}

/// Inserts the messages not yet in the outbox; returns how many were new.
pub async fn enqueue(db: &impl ConnectionTrait, now: DateTime<Utc>, messages: &[Message]) -> Result<u64, DbErr> {
    let mut nouveaux = 0;
    for m in messages {
        let row = emails::ActiveModel {
            structure_id: Set(Some(m.structure_id)),
            kind: Set(m.kind.to_string()),
            destinataire: Set(m.email.to.clone()),
            periode: Set(m.periode.clone()),
            sujet: Set(m.email.subject.clone()),
            corps_texte: Set(m.email.text.clone()),
            corps_html: Set(m.email.html.clone()),
            statut: Set(StatutEnvoi::EnAttente),
            tentatives: Set(0),
            prochain_essai_at: Set(now),
            derniere_erreur: Set(None),
            created_at: Set(now),
            envoye_at: Set(None),
            ..Default::default()
        };
        nouveaux += Emails::insert(row)
            .on_conflict(
                OnConflict::columns([C::StructureId, C::Kind, C::Destinataire, C::Periode]).do_nothing().to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(nouveaux)
}

/// The sender's knobs (from `[mail]`).
#[derive(Debug, Clone, Copy)]
pub struct ReglagesEnvoi {
    pub max_tentatives: i32,
    pub premier_delai: Duration,
    /// How long a sender owns a row it is sending.
    pub bail: Duration,
    /// Rows taken per round.
    pub lot: u64,
}

impl ReglagesEnvoi {
    pub fn from_settings(s: &MailSettings) -> ReglagesEnvoi {
        ReglagesEnvoi {
            max_tentatives: s.max_tentatives.max(1),
            premier_delai: Duration::seconds(s.premier_delai_secondes.max(1)),
            bail: Duration::minutes(5),
            lot: 200,
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Livraison {
    pub envoyes: usize,
    pub echecs: usize,
    pub abandonnes: usize,
}

/// Sends the rows due at `now` (waiting, or failed with their retry time reached).
pub async fn deliver_due(
    db: &impl ConnectionTrait,
    mailer: &Mailer,
    now: DateTime<Utc>,
    reglages: ReglagesEnvoi,
) -> Result<Livraison, DbErr> {
    let dus = Emails::find()
        .filter(C::Statut.is_in([StatutEnvoi::EnAttente, StatutEnvoi::Echec]))
        .filter(C::ProchainEssaiAt.lte(now))
        .order_by_asc(C::ProchainEssaiAt)
        .order_by_asc(C::Id)
        .limit(reglages.lot)
        .all(db)
        .await?;
    let mut livraison = Livraison::default();
    for row in dus {
        let pris = Emails::update_many()
            .col_expr(C::ProchainEssaiAt, Expr::value(now + reglages.bail))
            .filter(C::Id.eq(row.id))
            .filter(C::Statut.is_in([StatutEnvoi::EnAttente, StatutEnvoi::Echec]))
            .filter(C::ProchainEssaiAt.lte(now))
            .exec(db)
            .await?;
        if pris.rows_affected != 1 {
            continue; // another sender took it
        }
        let email = Email { to: row.destinataire.clone(), subject: row.sujet, text: row.corps_texte, html: row.corps_html };
        let tentatives = row.tentatives + 1;
        let update = Emails::update_many().col_expr(C::Tentatives, Expr::value(tentatives)).filter(C::Id.eq(row.id));
        match mailer.send(&email).await {
            Ok(()) => {
                update
                    .col_expr(C::Statut, Expr::value(StatutEnvoi::Envoye))
                    .col_expr(C::EnvoyeAt, Expr::value(now))
                    .col_expr(C::DerniereErreur, Expr::value(Option::<String>::None))
                    .exec(db)
                    .await?;
                livraison.envoyes += 1;
            }
            Err(e) => {
                let erreur = format!("{e:#}");
                let abandon = tentatives >= reglages.max_tentatives;
                tracing::warn!(email = row.id, destinataire = row.destinataire, tentatives, abandon, erreur, "envoi en échec");
                let delai = reglages.premier_delai * 2i32.saturating_pow((tentatives - 1).clamp(0, 16) as u32);
                let statut = if abandon { StatutEnvoi::Abandonne } else { StatutEnvoi::Echec };
                update
                    .col_expr(C::Statut, Expr::value(statut))
                    .col_expr(C::ProchainEssaiAt, Expr::value(now + delai))
                    .col_expr(C::DerniereErreur, Expr::value(erreur))
                    .exec(db)
                    .await?;
                if abandon {
                    livraison.abandonnes += 1;
                } else {
                    livraison.echecs += 1;
                }
            }
        }
    }
    Ok(livraison)
}
