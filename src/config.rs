//! Typed settings: `config/default.toml` (embedded in the binary, so the program runs from
//! any directory), then `<dir>/default.toml` and `<dir>/<CLAUSIER_ENV>.toml` when present,
//! then `CLAUSIER__SECTION__KEY` environment variables. Secrets are `SecretString`: they
//! never reach a log line or a `Debug` output.

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const EMBEDDED_DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub jobs: JobsSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub base_url: String,
    pub templates_dir: PathBuf,
    /// A connection that has not sent a whole request's headers within this time (a slow
    /// or half-sent request, an idle keep-alive connection) is closed.
    pub delai_entetes_secondes: u64,
    /// A request still running after this is answered 503 (French, `Retry-After`).
    #[serde(default = "delai_requete_secondes")]
    pub delai_requete_secondes: u64,
    /// Heavy reads (bilans, exports, consolidation) run at once; the others wait.
    #[serde(default = "travaux_lourds")]
    pub travaux_lourds: usize,
    /// How long a heavy read waits for its turn before a 503.
    #[serde(default = "attente_travail_lourd_secondes")]
    pub attente_travail_lourd_secondes: u64,
}

fn delai_requete_secondes() -> u64 {
    60
}

fn travaux_lourds() -> usize {
    2
}

fn attente_travail_lourd_secondes() -> u64 {
    20
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    /// The main pool: pages, API, declarations, jobs.
    pub max_connections: u32,
    /// The heavy reads' own pool (bilans, exports, consolidation).
    #[serde(default = "connexions_lourdes")]
    pub connexions_lourdes: u32,
    /// How long a request waits for a free connection before a 503.
    #[serde(default = "attente_connexion_secondes")]
    pub attente_connexion_secondes: u64,
    /// SQLite: page cache of each connection, in MiB.
    #[serde(default = "sqlite_cache_mio")]
    pub sqlite_cache_mio: u32,
    /// SQLite: memory-mapped reads of the file, in MiB (0: none).
    #[serde(default = "sqlite_mmap_mio")]
    pub sqlite_mmap_mio: u32,
}

fn connexions_lourdes() -> u32 {
    2
}

fn attente_connexion_secondes() -> u64 {
    10
}

fn sqlite_cache_mio() -> u32 {
    crate::db::MemoireSqlite::default().cache_mio
}

fn sqlite_mmap_mio() -> u32 {
    crate::db::MemoireSqlite::default().mmap_mio
}

impl DatabaseSettings {
    pub fn memoire(&self) -> crate::db::MemoireSqlite {
        crate::db::MemoireSqlite { cache_mio: self.sqlite_cache_mio, mmap_mio: self.sqlite_mmap_mio }
    }

    /// The main pool's settings.
    pub fn pool(&self) -> crate::db::OptionsPool {
        crate::db::OptionsPool { connexions: self.max_connections, attente: std::time::Duration::from_secs(self.attente_connexion_secondes.max(1)), memoire: self.memoire() }
    }

    /// The heavy reads' pool.
    pub fn pool_lourd(&self) -> crate::db::OptionsPool {
        crate::db::OptionsPool { connexions: self.connexions_lourdes.max(1), ..self.pool() }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub token_ttl_days: i64,
    pub session_ttl_hours: i64,
    /// How long the sign-in link of a reminder e-mail lasts.
    #[serde(default = "lien_connexion_jours")]
    pub lien_connexion_jours: i64,
}

fn lien_connexion_jours() -> i64 {
    14
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    File,
    Stub,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub dir: PathBuf,
    pub smtp_url: SecretString,
    pub from: String,
    /// Attempts of one e-mail before it is given up (and shown as such).
    pub max_tentatives: i32,
    /// First retry delay after a failed send, doubled at each failure.
    pub premier_delai_secondes: i64,
}

/// The job scheduler (`[jobs]`): knobs, and one cron expression per job in
/// `[jobs.horaires]` (Europe/Paris time).
#[derive(Debug, Clone, Deserialize)]
pub struct JobsSettings {
    /// How often a server looks for due occurrences and e-mails to send.
    pub tick_secondes: u64,
    /// A missed occurrence still runs within this window (only the latest).
    pub rattrapage_heures: i64,
    pub bail_minutes: i64,
    pub max_tentatives: i32,
    pub premier_delai_secondes: i64,
    pub horaires: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Loads the layered configuration from `CLAUSIER_CONFIG_DIR` (default `config`) and
    /// the process environment.
    pub fn load() -> anyhow::Result<Settings> {
        let dir = std::env::var("CLAUSIER_CONFIG_DIR").unwrap_or_else(|_| "config".into());
        let env = std::env::var("CLAUSIER_ENV").unwrap_or_else(|_| "development".into());
        Self::load_from(Path::new(&dir), &env, Environment::with_prefix("CLAUSIER"))
    }

    /// Same layering with an explicit directory, environment name and variable source.
    pub fn load_from(dir: &Path, env: &str, vars: Environment) -> anyhow::Result<Settings> {
        let settings = Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULTS, FileFormat::Toml))
            .add_source(File::from(dir.join("default.toml")).required(false))
            .add_source(File::from(dir.join(format!("{env}.toml"))).required(false))
            .add_source(vars.prefix_separator("__").separator("__").try_parsing(true))
            .build()?;
        Ok(settings.try_deserialize()?)
    }

    pub fn database_url(&self) -> &str {
        self.database.url.expose_secret()
    }

    /// The address users are sent to (e-mails, start-up banner).
    pub fn base_url(&self) -> String {
        if self.server.base_url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.base_url.trim_end_matches('/').to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::with_prefix("CLAUSIER").source(Some(map))
    }

    #[test]
    fn layers_apply_in_order_and_secrets_stay_hidden() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("staging.toml"), "[server]\nbind = \"0.0.0.0:9000\"\n").unwrap();
        let s = Settings::load_from(
            dir.path(),
            "staging",
            vars(&[("CLAUSIER__DATABASE__URL", "postgres://u:tres-secret@h/db"), ("CLAUSIER__MAIL__TRANSPORT", "smtp")]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.database_url(), "postgres://u:tres-secret@h/db");
        assert_eq!(s.mail.transport, MailTransport::Smtp);
        assert_eq!(s.auth.token_ttl_days, 365);
        assert!(!format!("{s:?}").contains("tres-secret"));
    }

    #[test]
    fn defaults_are_the_embedded_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load_from(dir.path(), "development", vars(&[])).unwrap();
        assert!(s.database_url().starts_with("sqlite://"));
        assert_eq!(s.base_url(), "http://127.0.0.1:8080");
    }
}
