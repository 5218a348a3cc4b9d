//! Clausier's job engine. It knows nothing of clauses: the application implements [`Job`]
//! for each of its jobs and registers it with a [`Schedule`]; the [`Engine`] decides when
//! each occurrence is due and runs it once.
//!
//! - Schedules are cron expressions read in **Europe/Paris** time, so that "every Monday
//!   at 08:00" stays 08:00 in France across daylight-saving changes.
//! - Every occurrence has one row in the `job_runs` ledger, unique on (job, occurrence).
//!   A server runs an occurrence only after winning it: by inserting its row, or by a
//!   conditional update of a row whose lease has expired (a crashed server) or whose
//!   retry time has come (a failed run). Both are single atomic statements, so several
//!   `clausier serve` processes on one PostgreSQL database (or one SQLite file) run each
//!   occurrence once.
//! - A failed run is retried with exponential backoff, up to a maximum of attempts.
//! - Catch-up is bounded: after a downtime, only the latest occurrence missed within the
//!   catch-up window runs (one late digest, not one per missed week).

mod engine;

pub use engine::{Engine, Etat, Execution, Reglages};

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;

/// A cron schedule in French time. Accepts the classic five fields
/// (`minute hour day month weekday`, e.g. `0 8 * * MON`) or six/seven with seconds
/// first. Use day names (MON…SUN) for weekdays: numbers are ambiguous between cron
/// dialects.
#[derive(Debug, Clone)]
pub struct Schedule {
    expression: String,
    inner: cron::Schedule,
}

impl Schedule {
    pub fn parse(expression: &str) -> Result<Schedule, String> {
        let fields = expression.split_whitespace().count();
        let full = match fields {
            5 => format!("0 {expression}"),
            6 | 7 => expression.to_string(),
            _ => return Err(format!("expression cron « {expression} » : 5 champs attendus (minute heure jour mois jour-de-semaine)")),
        };
        let inner = cron::Schedule::from_str(&full).map_err(|e| format!("expression cron « {expression} » invalide : {e}"))?;
        Ok(Schedule { expression: expression.to_string(), inner })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.inner.after(&after.with_timezone(&Paris)).next().map(|t| t.with_timezone(&Utc))
    }

    /// Occurrences in `(from, to]`, oldest first, at most `limit` (catch-up is bounded).
    pub fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
        self.inner
            .after(&from.with_timezone(&Paris))
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= to)
            .take(limit)
            .collect()
    }
}

/// What a job is told when it runs: the occurrence it runs for (its logical time, used
/// as the idempotency key of what it produces) and whether it may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunContext {
    pub occurrence: DateTime<Utc>,
    pub dry_run: bool,
}

pub type JobError = Box<dyn std::error::Error + Send + Sync>;
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<String, JobError>> + Send + 'a>>;

/// A job the application registers. `run` must be idempotent for one occurrence: running
/// it twice produces what running it once does. It returns a short report.
pub trait Job: Send + Sync {
    fn name(&self) -> &'static str;
    fn run(&self, context: RunContext) -> JobFuture<'_>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn monday_8am_in_paris_follows_daylight_saving() {
        let s = Schedule::parse("0 8 * * MON").unwrap();
        // Winter: Paris = UTC+1.
        assert_eq!(s.next_after(utc(2025, 1, 1, 0, 0)), Some(utc(2025, 1, 6, 7, 0)));
        // Summer: Paris = UTC+2.
        assert_eq!(s.next_after(utc(2025, 7, 1, 0, 0)), Some(utc(2025, 7, 7, 6, 0)));
    }

    #[test]
    fn monthly_occurrences_are_bounded_for_catch_up() {
        let s = Schedule::parse("0 0 8 1 * *").unwrap();
        let all = s.occurrences(utc(2025, 1, 15, 0, 0), utc(2025, 6, 15, 0, 0), 100);
        assert_eq!(all.len(), 5);
        assert_eq!(all[0], utc(2025, 2, 1, 7, 0));
        assert_eq!(s.occurrences(utc(2025, 1, 15, 0, 0), utc(2025, 6, 15, 0, 0), 2).len(), 2);
    }

    #[test]
    fn bad_expressions_are_refused_in_french() {
        assert!(Schedule::parse("tous les lundis").unwrap_err().contains("5 champs"));
        assert!(Schedule::parse("0 25 * * MON").is_err());
    }
}
