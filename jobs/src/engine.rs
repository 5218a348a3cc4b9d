//! The engine: registered jobs, the `job_runs` ledger, leases, retries, bounded catch-up.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entities::enums::StatutJob;
use entities::job_runs::{self, Column as C, Entity as Runs};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::{Job, RunContext, Schedule};

/// The engine's knobs (from the application's configuration).
#[derive(Debug, Clone, Copy)]
pub struct Reglages {
    /// How long a server owns an occurrence it started; past it, another may take over.
    pub lease: Duration,
    /// How far back a missed occurrence is still run (only the latest one).
    pub catch_up: Duration,
    /// Attempts of one occurrence before it stays failed.
    pub max_attempts: i32,
    /// First retry delay; doubled at each failure.
    pub retry_base: Duration,
}

impl Default for Reglages {
    fn default() -> Self {
        Reglages {
            lease: Duration::minutes(15),
            catch_up: Duration::hours(72),
            max_attempts: 5,
            retry_base: Duration::minutes(2),
        }
    }
}

/// One run the engine performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub job: &'static str,
    pub occurrence: DateTime<Utc>,
    pub dry_run: bool,
    /// The job's report, or its error.
    pub issue: Result<String, String>,
}

/// A job's schedule with its last ledger row and next occurrence (`clausier jobs list`).
#[derive(Debug, Clone)]
pub struct Etat {
    pub job: &'static str,
    pub expression: String,
    pub derniere: Option<job_runs::Model>,
    pub prochaine: Option<DateTime<Utc>>,
}

struct Entry {
    job: Arc<dyn Job>,
    /// `None`: not scheduled, runs only by hand.
    schedule: Option<Schedule>,
}

type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct Engine {
    db: DatabaseConnection,
    owner: String,
    reglages: Reglages,
    now: Now,
    entries: Vec<Entry>,
}

impl Engine {
    /// `owner` names this process in leases (host, pid…); `now` is the clock.
    pub fn new(
        db: DatabaseConnection,
        owner: impl Into<String>,
        reglages: Reglages,
        now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Engine {
        Engine { db, owner: owner.into(), reglages, now: Arc::new(now), entries: Vec::new() }
    }

    pub fn register(&mut self, job: Arc<dyn Job>, schedule: Option<Schedule>) {
        assert!(self.entries.iter().all(|e| e.job.name() != job.name()), "job {} registered twice", job.name());
        self.entries.push(Entry { job, schedule });
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.job.name()).collect()
    }

    /// Every job with its schedule, last run and next occurrence.
    pub async fn etats(&self) -> Result<Vec<Etat>, DbErr> {
        let now = (self.now)();
        let mut etats = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let derniere =
                Runs::find().filter(C::Job.eq(e.job.name())).order_by_desc(C::OccurrenceAt).one(&self.db).await?;
            etats.push(Etat {
                job: e.job.name(),
                expression: e.schedule.as_ref().map_or("off", |s| s.expression()).to_string(),
                derniere,
                prochaine: e.schedule.as_ref().and_then(|s| s.next_after(now)),
            });
        }
        Ok(etats)
    }

    /// Runs what is due now: each job's latest occurrence within the catch-up window if
    /// no server has taken it yet, failed occurrences whose retry time has come, and
    /// occurrences whose server died (lease expired). Returns what this server ran.
    pub async fn tick(&self) -> Result<Vec<Execution>, DbErr> {
        let now = (self.now)();
        let mut executions = Vec::new();
        for e in &self.entries {
            let name = e.job.name();
            let due = e.schedule.as_ref().and_then(|s| s.occurrences(now - self.reglages.catch_up, now, usize::MAX).pop());
            if let Some(occurrence) = due {
                if let Some(id) = self.claim_new(name, occurrence, now).await? {
                    executions.push(self.execute(e, id, occurrence, false).await?);
                }
            }
            for row in self.reclaimable(name, now).await? {
                if self.claim_existing(row.id, now, false).await? {
                    executions.push(self.execute(e, row.id, row.occurrence_at, false).await?);
                }
            }
        }
        Ok(executions)
    }

    /// Runs one job now for the occurrence `at` (the CLI's `jobs run`). A dry run writes
    /// nothing, not even the ledger. A real run takes the occurrence's ledger row (even
    /// one already done: the job is idempotent), unless another server runs it now.
    pub async fn run_now(&self, name: &str, at: DateTime<Utc>, dry_run: bool) -> Result<Execution, String> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.job.name() == name)
            .ok_or_else(|| format!("tâche inconnue « {name} » (tâches : {})", self.names().join(", ")))?;
        if dry_run {
            let issue = run_job(entry.job.clone(), RunContext { occurrence: at, dry_run: true }).await;
            return Ok(Execution { job: entry.job.name(), occurrence: at, dry_run: true, issue });
        }
        let now = (self.now)();
        let db_err = |e: DbErr| format!("base de données : {e}");
        let id = match self.claim_new(name, at, now).await.map_err(db_err)? {
            Some(id) => id,
            None => {
                let row = Runs::find()
                    .filter(C::Job.eq(name))
                    .filter(C::OccurrenceAt.eq(at))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .ok_or("occurrence introuvable")?;
                if !self.claim_existing(row.id, now, true).await.map_err(db_err)? {
                    return Err(format!("« {name} » pour {at} est en cours sur un autre serveur ({})", row.lease_owner.unwrap_or_default()));
                }
                row.id
            }
        };
        self.execute(entry, id, at, false).await.map_err(db_err)
    }

    /// Inserts the occurrence's row, owned by this server; `None` if it already exists.
    async fn claim_new(&self, name: &str, occurrence: DateTime<Utc>, now: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
        let row = job_runs::ActiveModel {
            job: Set(name.to_string()),
            occurrence_at: Set(occurrence),
            statut: Set(StatutJob::EnCours),
            tentatives: Set(1),
            lease_owner: Set(Some(self.owner.clone())),
            lease_until: Set(Some(now + self.reglages.lease)),
            started_at: Set(Some(now)),
            created_at: Set(now),
            ..Default::default()
        };
        let inserted = Runs::insert(row)
            .on_conflict(OnConflict::columns([C::Job, C::OccurrenceAt]).do_nothing().to_owned())
            .exec_without_returning(&self.db)
            .await?;
        if inserted == 0 {
            return Ok(None);
        }
        let row = Runs::find().filter(C::Job.eq(name)).filter(C::OccurrenceAt.eq(occurrence)).one(&self.db).await?;
        Ok(row.map(|r| r.id))
    }

    /// Rows of `name` another attempt may take: failed with attempts left and retry time
    /// reached, or running under an expired lease.
    async fn reclaimable(&self, name: &str, now: DateTime<Utc>) -> Result<Vec<job_runs::Model>, DbErr> {
        Runs::find()
            .filter(C::Job.eq(name))
            .filter(self.takeover(now, false))
            .order_by_asc(C::OccurrenceAt)
            .all(&self.db)
            .await
    }

    fn takeover(&self, now: DateTime<Utc>, forced: bool) -> Condition {
        let stale = Condition::all().add(C::Statut.eq(StatutJob::EnCours)).add(C::LeaseUntil.lt(now));
        let retry = Condition::all()
            .add(C::Statut.eq(StatutJob::Echoue))
            .add(C::Tentatives.lt(self.reglages.max_attempts))
            .add(C::LeaseUntil.lte(now));
        if forced {
            // By hand: anything not running under a live lease.
            Condition::any().add(C::Statut.ne(StatutJob::EnCours)).add(stale)
        } else {
            Condition::any().add(stale).add(retry)
        }
    }

    /// Takes an existing row in one conditional update: only one server can win it.
    async fn claim_existing(&self, id: i64, now: DateTime<Utc>, forced: bool) -> Result<bool, DbErr> {
        let updated = Runs::update_many()
            .col_expr(C::Statut, Expr::value(StatutJob::EnCours))
            .col_expr(C::Tentatives, Expr::col(C::Tentatives).add(1))
            .col_expr(C::LeaseOwner, Expr::value(self.owner.clone()))
            .col_expr(C::LeaseUntil, Expr::value(now + self.reglages.lease))
            .col_expr(C::StartedAt, Expr::value(now))
            .col_expr(C::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(C::Id.eq(id))
            .filter(self.takeover(now, forced))
            .exec(&self.db)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    async fn execute(&self, entry: &Entry, id: i64, occurrence: DateTime<Utc>, dry_run: bool) -> Result<Execution, DbErr> {
        let name = entry.job.name();
        tracing::info!(job = name, %occurrence, "tâche démarrée");
        let issue = run_job(entry.job.clone(), RunContext { occurrence, dry_run }).await;
        let now = (self.now)();
        let row = Runs::find_by_id(id).one(&self.db).await?;
        let tentatives = row.map(|r| r.tentatives).unwrap_or(1);
        let mut update = Runs::update_many().col_expr(C::FinishedAt, Expr::value(now));
        update = match &issue {
            Ok(report) => {
                tracing::info!(job = name, %occurrence, report, "tâche réussie");
                update
                    .col_expr(C::Statut, Expr::value(StatutJob::Reussi))
                    .col_expr(C::Resultat, Expr::value(serde_json::json!({ "rapport": report })))
                    .col_expr(C::Erreur, Expr::value(Option::<String>::None))
                    .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            }
            Err(error) => {
                tracing::error!(job = name, %occurrence, tentatives, error, "tâche en échec");
                let delay = self.reglages.retry_base * 2i32.saturating_pow((tentatives - 1).clamp(0, 16) as u32);
                update
                    .col_expr(C::Statut, Expr::value(StatutJob::Echoue))
                    .col_expr(C::Erreur, Expr::value(error.clone()))
                    .col_expr(C::LeaseUntil, Expr::value(now + delay))
            }
        };
        let done = update
            .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
            .filter(C::Id.eq(id))
            .filter(C::LeaseOwner.eq(self.owner.clone()))
            .exec(&self.db)
            .await?;
        if done.rows_affected == 0 {
            tracing::warn!(job = name, %occurrence, "bail perdu pendant l'exécution : un autre serveur a repris l'occurrence");
        }
        Ok(Execution { job: name, occurrence, dry_run, issue })
    }
}

/// Runs a job in its own task so that a panic becomes a failed run, not a dead scheduler.
async fn run_job(job: Arc<dyn Job>, context: RunContext) -> Result<String, String> {
    let handle = tokio::spawn(async move { job.run(context).await.map_err(|e| e.to_string()) });
    match handle.await {
        Ok(result) => result,
        Err(e) => Err(format!("la tâche s'est arrêtée brutalement : {e}")),
    }
}
