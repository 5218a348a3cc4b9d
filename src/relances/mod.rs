//! The jobs the application registers with the `jobs` engine (domain.md §6): declaration
//! reminders, digests, notices, follow-ups, the donneurs d'ordre's monthly bilan.
//!
//! Every job has the same shape, a [`Relance`]: for one occurrence and one structure it
//! reads, in one transaction, who must be told what, renders one [`Message`] per (kind,
//! recipient, period) and inserts them into the outbox in that same transaction (a second
//! run finds them there and adds nothing). A dry run renders and reports without writing.
//! [`scheduler`] is the loop each `clausier serve` runs: due occurrences, then the outbox.

pub mod avis;
pub mod declarations;
mod destinataires;
mod digests;
pub mod pages;
pub mod travail;
pub mod routes;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use jobs::{Engine, Job, JobFuture, Reglages, RunContext, Schedule};
use sea_orm::{DatabaseTransaction, EntityTrait};

use crate::error::AppResult;
use crate::mail::outbox::{self, Message, ReglagesEnvoi};
use crate::state::AppState;
use crate::parcours::service::participants::nom_court;

/// One reminder job: what it must send for one occurrence.
pub trait Relance: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// What one structure's recipients must be told, read in `txn`.
    fn preparer<'a>(
        &'a self,
        redacteur: &'a Redacteur,
        txn: &'a DatabaseTransaction,
        structure: &'a entities::structures::Model,
        occurrence: DateTime<Utc>,
    ) -> impl Future<Output = AppResult<Vec<Message>>> + Send + 'a;
}

/// Renders messages from `templates/emails/<kind>/`, with the shared variables.
pub struct Redacteur {
    state: AppState,
}

impl Redacteur {
    /// The public address of a page of the site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.state.settings.base_url())
    }

    pub fn message(
        &self,
        structure_id: i64,
        kind: &'static str,
        destinataire: &str,
        periode: impl Into<String>,
        mut context: tera::Context,
    ) -> AppResult<Message> {
        // The page the message is about, else the home page.
        if !context.contains_key("lien") {
            context.insert("lien", &self.url(""));
        }
        let email = crate::mail::compose(&self.state.templates, kind, destinataire, &context)
            .map_err(|e| anyhow::anyhow!("modèle d'e-mail {kind} : {e:?}"))?;
        Ok(Message { structure_id, kind, periode: periode.into(), email })
    }
}

/// A [`Relance`] as an engine job: one transaction, outbox insert, report.
struct Tache<R> {
    relance: R,
    redacteur: Redacteur,
}

impl<R: Relance> Job for Tache<R> {
    fn name(&self) -> &'static str {
        self.relance.name()
    }

    fn run(&self, context: RunContext) -> JobFuture<'_> {
        Box::pin(async move {
            // One transaction per structure: what is read and what is queued stay together,
            // and SQLite's write lock is never held for the whole country at once.
            let structures = destinataires::structures(&self.redacteur.state.db).await.map_err(erreur)?;
            let (mut dus, mut nouveaux, mut lignes, mut eteintes) = (0, 0, Vec::new(), Vec::new());
            for structure in &structures {
                if !envoie(structure, self.name()) {
                    eteintes.push(structure.nom.as_str());
                    continue;
                }
                let (n, new, l) = self.once(structure, context).await?;
                dus += n;
                nouveaux += new;
                lignes.extend(l);
            }
            let eteintes = if eteintes.is_empty() { String::new() } else { format!(" ; désactivé dans les réglages de : {}", eteintes.join(", ")) };
            if context.dry_run {
                Ok(format!("{dus} e-mail(s) seraient préparés (essai, rien n'est écrit){eteintes}\n{}", lignes.join("\n")))
            } else {
                Ok(format!("{dus} e-mail(s) dus, {nouveaux} nouveau(x) dans la file d'envoi{eteintes}"))
            }
        })
    }
}

impl<R: Relance> Tache<R> {
    /// One structure: (messages due, newly queued, dry-run lines).
    async fn once(&self, structure: &entities::structures::Model, context: RunContext) -> Result<(usize, u64, Vec<String>), jobs::JobError> {
        let txn = crate::db::ecrire(&self.redacteur.state.db).await?;
        let messages = self.relance.preparer(&self.redacteur, &txn, structure, context.occurrence).await.map_err(erreur)?;
        if context.dry_run {
            txn.rollback().await?;
            let lignes = messages.iter().map(|m| format!("  {} → {} : {}", m.kind, m.email.to, m.email.subject)).collect();
            return Ok((messages.len(), 0, lignes));
        }
        let nouveaux = outbox::enqueue(&txn, self.redacteur.state.clock.now(), &messages).await?;
        txn.commit().await?;
        Ok((messages.len(), nouveaux, Vec::new()))
    }
}

/// Whether `structure` sends the reminder `tache` (its settings, `/reglages`).
fn envoie(structure: &entities::structures::Model, tache: &str) -> bool {
    crate::clauses::parametres::ParametresSuivi::from_structure(&structure.parametres).relances.active(tache)
}

/// A job's error with its causes (the ledger and the log keep them).
fn erreur(e: crate::error::AppError) -> String {
    match e {
        crate::error::AppError::Internal(cause) => format!("{cause:#}"),
        other => other.to_string(),
    }
}

/// The engine with every job registered on its configured schedule, owned by this
/// process (host and pid name it in leases).
pub fn engine(state: &AppState) -> anyhow::Result<Engine> {
    engine_for(state, &format!("{}-{}", hostname(), std::process::id()))
}

/// The same, naming the owner (tests run two "servers" in one process).
pub fn engine_for(state: &AppState, owner: &str) -> anyhow::Result<Engine> {
    let s = &state.settings.jobs;
    let reglages = Reglages {
        lease: chrono::Duration::minutes(s.bail_minutes.max(1)),
        catch_up: chrono::Duration::hours(s.rattrapage_heures.max(0)),
        max_attempts: s.max_tentatives.max(1),
        retry_base: chrono::Duration::seconds(s.premier_delai_secondes.max(1)),
    };
    let clock = state.clock.clone();
    let mut engine = Engine::new(state.db.clone(), owner, reglages, move || clock.now());
    let mut add = |job: Arc<dyn Job>| -> anyhow::Result<()> {
        let expression = s
            .horaires
            .get(job.name())
            .ok_or_else(|| anyhow::anyhow!("pas d'horaire pour la tâche {} (réglage jobs.horaires.{})", job.name(), job.name()))?;
        let schedule = match expression.trim() {
            "off" => None,
            e => Some(Schedule::parse(e).map_err(|e| anyhow::anyhow!("jobs.horaires.{} : {e}", job.name()))?),
        };
        engine.register(job, schedule);
        Ok(())
    };
    fn tache<R: Relance>(state: &AppState, relance: R) -> Arc<dyn Job> {
        Arc::new(Tache { relance, redacteur: Redacteur { state: state.clone() } })
    }
    for etape in declarations::Etape::ALL {
        add(tache(state, declarations::RappelDeclaration(etape)))?;
    }
    add(tache(state, declarations::RenvoisDeclaration))?;
    add(tache(state, digests::DigestFacilitateur))?;
    add(tache(state, digests::DigestReferent))?;
    add(tache(state, avis::AvisReferents))?;
    add(tache(state, avis::SuiviSixMois))?;
    add(tache(state, digests::BilanDonneurOrdre))?;
    add(Arc::new(Anonymisation { state: state.clone() }))?;
    Ok(engine)
}

/// The RGPD retention job (`parcours::service::anonymisation`): daily, idempotent (an
/// anonymised participant is never taken again).
struct Anonymisation {
    state: AppState,
}

impl Job for Anonymisation {
    fn name(&self) -> &'static str {
        "anonymisation"
    }

    fn run(&self, context: jobs::RunContext) -> jobs::JobFuture<'_> {
        Box::pin(async move {
            let jour = context.occurrence.with_timezone(&chrono_tz::Europe::Paris).date_naive();
            let b = crate::parcours::service::anonymisation::anonymiser(&self.state.db, &self.state.clock, jour, context.dry_run).await.map_err(|e| Box::new(e) as jobs::JobError)?;
            Ok(if context.dry_run { format!("{} participant(s) à anonymiser (essai : rien d'écrit)", b.anonymises) } else { format!("{} participant(s) anonymisé(s)", b.anonymises) })
        })
    }
}

/// Tells the companies at once of the months just sent back in `structure` (the job
/// `renvoi_declaration`, for this structure now), then sends the outbox.
pub async fn renvois_maintenant(state: &AppState, structure_id: i64) -> AppResult<()> {
    let redacteur = Redacteur { state: state.clone() };
    let txn = crate::db::ecrire(&state.db).await?;
    let structure = entities::structures::Entity::find_by_id(structure_id).one(&txn).await?.ok_or(crate::error::AppError::NotFound)?;
    if !envoie(&structure, declarations::RenvoisDeclaration.name()) {
        return Ok(());
    }
    let messages = declarations::RenvoisDeclaration.preparer(&redacteur, &txn, &structure, state.clock.now()).await?;
    outbox::enqueue(&txn, state.clock.now(), &messages).await?;
    txn.commit().await?;
    crate::auth::routes::envoyer_bientot(state);
    Ok(())
}

fn hostname() -> String {
    std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "clausier".into())
}

/// Sends every e-mail of the outbox due now, batch after batch.
pub async fn envoyer(state: &AppState) -> Result<outbox::Livraison, sea_orm::DbErr> {
    let reglages = ReglagesEnvoi::from_settings(&state.settings.mail);
    let mut total = outbox::Livraison::default();
    loop {
        let l = outbox::deliver_due(&state.db, &state.mailer, state.clock.now(), reglages).await?;
        total.envoyes += l.envoyes;
        total.echecs += l.echecs;
        total.abandonnes += l.abandonnes;
        // A full batch may leave more behind; failures are pushed to later, so this ends.
        if (l.envoyes + l.echecs + l.abandonnes) < reglages.lot as usize {
            return Ok(total);
        }
    }
}

/// One round: due occurrences, then due e-mails. Errors are logged, never fatal.
pub async fn round(state: &AppState, engine: &Engine) {
    if let Err(e) = engine.tick().await {
        tracing::error!(error = %e, "planificateur : lecture du registre des tâches impossible");
    }
    match envoyer(state).await {
        Ok(l) if l != Default::default() => {
            tracing::info!(envoyes = l.envoyes, echecs = l.echecs, abandonnes = l.abandonnes, "e-mails")
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "file d'envoi illisible"),
    }
}

/// The scheduler loop of `clausier serve`, until `shutdown` turns true. A round under
/// way finishes before the loop stops (graceful shutdown).
pub async fn scheduler(state: AppState, engine: Engine, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(state.settings.jobs.tick_secondes.max(1));
    tracing::info!(taches = engine.names().len(), "planificateur démarré");
    loop {
        if *shutdown.borrow() {
            break;
        }
        round(&state, &engine).await;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!("planificateur arrêté");
}


/// The date in France of an occurrence.
fn jour(occurrence: DateTime<Utc>) -> NaiveDate {
    occurrence.with_timezone(&chrono_tz::Europe::Paris).date_naive()
}

/// An occurrence given by hand: `2025-04-01T08:00:00` (French time), with an offset
/// (`…+02:00`, `…Z`), or a date alone (08:00 French time).
pub fn parse_at(text: &str) -> Result<DateTime<Utc>, String> {
    use chrono::{NaiveDateTime, TimeZone};
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(8, 0, 0)))
        .ok_or_else(|| format!("date « {text} » illisible : attendu AAAA-MM-JJTHH:MM:SS (heure de Paris)"))?;
    chrono_tz::Europe::Paris
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("« {text} » n'existe pas à l'heure de Paris (changement d'heure)"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn occurrences_by_hand_are_french_time() {
        let utc = |h| chrono::Utc.with_ymd_and_hms(2025, 4, 1, h, 0, 0).unwrap();
        assert_eq!(super::parse_at("2025-04-01T08:00:00"), Ok(utc(6)));
        assert_eq!(super::parse_at("2025-04-01"), Ok(utc(6)));
        assert_eq!(super::parse_at("2025-04-01T08:00:00Z"), Ok(utc(8)));
        assert!(super::parse_at("1er avril").unwrap_err().contains("illisible"));
    }
}
