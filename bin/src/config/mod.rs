//! Configuration: built-in defaults (the embedded default), then `djcrm.toml`
//! (or the file named by `DJCRM_CONFIG`), then `DJCRM_*` environment variables,
//! with `__` between levels: `DJCRM_DATABASE__URL=sqlite://other.db`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

mod errors;
mod jobs;
mod metrics;
mod print;
mod traces;

pub use errors::ErrorsConfig;
pub use jobs::{MailConfig, QueueConfig, WebhooksConfig};
pub use metrics::MetricsConfig;
pub use print::{PrintError, redacted, to_commented_toml};
pub use traces::TracingConfig;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything `djcrm` and `djcrm-admin` read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The HTTP server.
    pub http: HttpConfig,
    /// The store.
    pub database: DatabaseConfig,
    /// Tokens and password hashing.
    pub auth: AuthConfig,
    /// Where rate limits (and cached values) are kept.
    pub cache: CacheConfig,
    /// Rate limits.
    pub rate_limit: RateLimitConfig,
    /// Logs.
    pub log: LogConfig,
    /// Mail.
    pub mail: MailConfig,
    /// Background jobs.
    pub queue: QueueConfig,
    /// Webhook deliveries.
    pub webhooks: WebhooksConfig,
    /// Where Prometheus reads the metrics.
    pub metrics: MetricsConfig,
    /// Where spans are exported.
    pub tracing: TracingConfig,
    /// Where failures are reported.
    pub errors: ErrorsConfig,
}

/// `[http]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Where `djcrm serve` listens.
    pub bind: SocketAddr,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// The largest CSV file `POST /imports` accepts, in bytes.
    pub import_limit_bytes: u64,
    /// How long in-flight requests may finish after a shutdown signal, in seconds.
    pub shutdown_grace_seconds: u64,
    /// How long a client may take to send a request's headers, from its first byte
    /// (or from connecting), in milliseconds; slower connections are closed.
    pub header_read_timeout_ms: u64,
    /// How long a connection may stay silent (keep-alive between requests
    /// included) before it is closed, in seconds.
    pub idle_timeout_seconds: u64,
    /// Most connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Origins allowed to call the API from a browser (CORS). Empty: CORS is off.
    pub cors_allowed_origins: Vec<String>,
    /// The address people reach the server at, for links in mails.
    pub public_url: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            body_limit_bytes: 1024 * 1024,
            import_limit_bytes: 100 << 20,
            shutdown_grace_seconds: 10,
            header_read_timeout_ms: 10_000,
            idle_timeout_seconds: 60,
            max_connections: 1024,
            cors_allowed_origins: Vec::new(),
            public_url: "http://127.0.0.1:8000".to_owned(),
        }
    }
}

/// `[database]`
#[derive(Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path.db` (the embedded default) or `postgres://user:pass@host/db`.
    pub url: String,
    /// Most connections for reads; on PostgreSQL as many again for writes.
    pub max_connections: u32,
    /// How long a request waits for a pooled connection, in milliseconds (PostgreSQL).
    pub acquire_timeout_ms: u64,
    /// The longest one SQL statement may run, in milliseconds (PostgreSQL).
    pub statement_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// How long a write waits for a lock, in milliseconds.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://djcrm.db".to_owned(),
            max_connections: 8,
            acquire_timeout_ms: 5000,
            statement_timeout_ms: 30_000,
            migrate_on_start: true,
            busy_timeout_ms: 5000,
        }
    }
}

// Database URLs may carry passwords: never print them.
impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("busy_timeout_ms", &self.busy_timeout_ms)
            .finish()
    }
}

/// The URL with any password replaced by `***`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// `[auth]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// How long a token from signup or login stays valid, in hours.
    pub token_ttl_hours: u32,
    /// Passwords hashed at once (each takes about 19 MiB and a core); 0 means one
    /// per core.
    pub password_hash_concurrency: usize,
    /// How long a login or signup waits for a hashing slot before it is answered
    /// 503 with `Retry-After`, in milliseconds.
    pub password_hash_wait_ms: u64,
    /// How long an invitation's token works, in hours.
    pub invitation_ttl_hours: u32,
    /// How long a password reset's token works, in minutes.
    pub password_reset_ttl_minutes: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token_ttl_hours: 24 * 30,
            password_hash_concurrency: 0,
            password_hash_wait_ms: 2000,
            invitation_ttl_hours: 24 * 7,
            password_reset_ttl_minutes: 60,
        }
    }
}

/// `[cache]`
#[derive(Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// `memory://` (this process only: the embedded default) or `redis://...` /
    /// `rediss://...` (shared by every instance using it).
    pub url: String,
    /// Prepended to every Redis key.
    pub prefix: String,
    /// The most one Redis call may take, in milliseconds; a slower one counts as
    /// Redis being unavailable.
    pub timeout_ms: u64,
    /// Redis connections kept open.
    pub max_connections: usize,
    /// MiB of keys and values the in-process cache holds at most, the least recently
    /// used going first; 0 turns caching off (rate limits still apply).
    pub max_mib: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            url: "memory://".to_owned(),
            prefix: "djcrm:".to_owned(),
            timeout_ms: 250,
            max_connections: 16,
            max_mib: 8,
        }
    }
}

// Redis URLs may carry passwords: never print them.
impl fmt::Debug for CacheConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheConfig")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_connections", &self.max_connections)
            .field("max_mib", &self.max_mib)
            .finish()
    }
}

/// `[rate_limit]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// API requests per minute per token (per client address without one).
    pub api_per_minute: u32,
    /// Login and signup requests per minute per client address.
    pub auth_per_minute: u32,
    /// Failed logins per email in 15 minutes; past it, 429 until they age out.
    /// Signup attempts per email are held to the same number.
    pub login_failures_per_15_min: u32,
    /// Password reset mails per email in 15 minutes.
    pub password_resets_per_15_min: u32,
    /// Serve API requests when the limiter is unavailable (true), or answer 503.
    pub api_fail_open: bool,
    /// Let logins and signups through when the limiter is unavailable (false:
    /// answer 503, so brute force stays impossible).
    pub login_fail_open: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            api_per_minute: 600,
            auth_per_minute: 30,
            login_failures_per_15_min: 10,
            password_resets_per_15_min: 5,
            api_fail_open: true,
            login_fail_open: false,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// An `EnvFilter` directive; `RUST_LOG` overrides it.
    pub filter: String,
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            filter: "info,sqlx=warn".to_owned(),
            format: LogFormat::Pretty,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value of the wrong type, or an unknown key.
    #[error("invalid configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    /// A value outside the range the server can work with.
    #[error("invalid configuration: {key} = {value} is out of range ({min} to {max})")]
    OutOfRange {
        /// The key, as in `djcrm.toml`.
        key: &'static str,
        /// The value given.
        value: u64,
        /// The smallest value accepted.
        min: u64,
        /// The largest value accepted.
        max: u64,
    },
    /// A value the server cannot use, with why.
    #[error("invalid configuration: {key}: {reason}")]
    Invalid {
        /// The key, as in `djcrm.toml`.
        key: &'static str,
        /// Why it is refused.
        reason: String,
    },
}

/// Checks that `value` of `key` lies in `min..=max`.
fn in_range(key: &'static str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            key,
            value,
            min,
            max,
        })
    }
}

fn wide(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl Settings {
    /// The layered figment: defaults, the TOML file, the environment.
    #[must_use]
    pub fn figment() -> Figment {
        let file = std::env::var_os("DJCRM_CONFIG")
            .map_or_else(|| PathBuf::from("djcrm.toml"), PathBuf::from);
        Figment::from(Serialized::defaults(Self::default()))
            .merge(Toml::file(file))
            .merge(
                Env::prefixed("DJCRM_")
                    .ignore(&["CONFIG", "ADMIN_PASSWORD"])
                    .split("__"),
            )
    }

    /// Loads the settings.
    ///
    /// # Errors
    /// [`ConfigError`] naming the offending key when a value has the wrong type or a
    /// key is unknown (a typo in `DJCRM_*` is an error, not silently ignored).
    pub fn load() -> Result<Self, ConfigError> {
        let settings: Self = Self::figment()
            .extract()
            .map_err(|e| ConfigError::Figment(Box::new(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every value against the range the server can work with, so a bad one
    /// stops the start with its key named instead of failing requests later (a
    /// token lifetime of 4294967295 hours once made every login a 500).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let http = &self.http;
        in_range(
            "http.body_limit_bytes",
            wide(http.body_limit_bytes),
            1024,
            64 << 20,
        )?;
        in_range(
            "http.import_limit_bytes",
            http.import_limit_bytes,
            1024,
            16 << 30,
        )?;
        in_range(
            "http.shutdown_grace_seconds",
            http.shutdown_grace_seconds,
            0,
            600,
        )?;
        in_range(
            "http.header_read_timeout_ms",
            http.header_read_timeout_ms,
            100,
            300_000,
        )?;
        in_range(
            "http.idle_timeout_seconds",
            http.idle_timeout_seconds,
            1,
            3600,
        )?;
        in_range(
            "http.max_connections",
            wide(http.max_connections),
            1,
            1_000_000,
        )?;
        for origin in &http.cors_allowed_origins {
            if !(origin.starts_with("https://") || origin.starts_with("http://"))
                || origin.ends_with('/')
            {
                return Err(ConfigError::Invalid {
                    key: "http.cors_allowed_origins",
                    reason: format!("{origin:?} is not an origin (scheme://host[:port], no path)"),
                });
            }
        }
        self.metrics.validate()?;
        self.tracing.validate()?;
        self.errors.validate()?;
        let db = &self.database;
        in_range(
            "database.max_connections",
            u64::from(db.max_connections),
            1,
            1000,
        )?;
        in_range(
            "database.acquire_timeout_ms",
            db.acquire_timeout_ms,
            100,
            600_000,
        )?;
        in_range(
            "database.statement_timeout_ms",
            db.statement_timeout_ms,
            100,
            3_600_000,
        )?;
        in_range("database.busy_timeout_ms", db.busy_timeout_ms, 0, 600_000)?;
        // A year at most: longer-lived secrets belong to API tokens issued on purpose.
        in_range(
            "auth.token_ttl_hours",
            u64::from(self.auth.token_ttl_hours),
            1,
            24 * 366,
        )?;
        in_range(
            "auth.password_hash_concurrency",
            wide(self.auth.password_hash_concurrency),
            0,
            256,
        )?;
        in_range(
            "auth.password_hash_wait_ms",
            self.auth.password_hash_wait_ms,
            0,
            60_000,
        )?;
        let cache = &self.cache;
        let scheme = cache.url.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("memory" | "redis" | "rediss")) {
            return Err(ConfigError::Invalid {
                key: "cache.url",
                reason: format!(
                    "{:?} is neither memory:// nor redis://... (or rediss://...)",
                    redact_url(&cache.url)
                ),
            });
        }
        in_range("cache.timeout_ms", cache.timeout_ms, 10, 60_000)?;
        in_range(
            "cache.max_connections",
            wide(cache.max_connections),
            1,
            1024,
        )?;
        let limits = &self.rate_limit;
        in_range(
            "rate_limit.api_per_minute",
            u64::from(limits.api_per_minute),
            1,
            1_000_000,
        )?;
        in_range(
            "rate_limit.auth_per_minute",
            u64::from(limits.auth_per_minute),
            1,
            1_000_000,
        )?;
        in_range(
            "rate_limit.login_failures_per_15_min",
            u64::from(limits.login_failures_per_15_min),
            1,
            1_000_000,
        )?;
        in_range(
            "rate_limit.password_resets_per_15_min",
            u64::from(limits.password_resets_per_15_min),
            1,
            1_000_000,
        )?;
        in_range(
            "auth.invitation_ttl_hours",
            u64::from(self.auth.invitation_ttl_hours),
            1,
            24 * 90,
        )?;
        in_range(
            "auth.password_reset_ttl_minutes",
            u64::from(self.auth.password_reset_ttl_minutes),
            5,
            24 * 60,
        )?;
        if !(self.http.public_url.starts_with("http://")
            || self.http.public_url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "http.public_url",
                reason: "is not an http:// or https:// address".to_owned(),
            });
        }
        self.mail.validate()?;
        self.queue.validate()?;
        self.webhooks.validate()?;
        Ok(())
    }
}

// figment's Jail closures must return figment's (large) error type.
#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;

    #[test]
    fn defaults_are_the_embedded_default() {
        Jail::expect_with(|_| {
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings, Settings::default());
            assert_eq!(settings.database.url, "sqlite://djcrm.db");
            assert_eq!(settings.http.bind.to_string(), "127.0.0.1:8000");
            Ok(())
        });
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "djcrm.toml",
                "[database]\nurl = \"sqlite://file.db\"\nmax_connections = 3\n[http]\nbind = \"0.0.0.0:9000\"\n",
            )?;
            jail.set_env("DJCRM_DATABASE__URL", "sqlite://env.db");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.database.url, "sqlite://env.db");
            assert_eq!(settings.database.max_connections, 3);
            assert_eq!(settings.http.bind.port(), 9000);
            Ok(())
        });
    }

    #[test]
    fn djcrm_config_names_another_file() {
        Jail::expect_with(|jail| {
            jail.create_file("other.toml", "[auth]\ntoken_ttl_hours = 1\n")?;
            jail.set_env("DJCRM_CONFIG", "other.toml");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.auth.token_ttl_hours, 1);
            Ok(())
        });
    }

    #[test]
    fn a_misspelt_key_is_an_error() {
        Jail::expect_with(|jail| {
            jail.set_env("DJCRM_DATABASE__ULR", "sqlite://typo.db");
            assert!(Settings::load().is_err());
            Ok(())
        });
    }

    #[test]
    fn a_wrongly_typed_value_names_its_key() {
        Jail::expect_with(|jail| {
            jail.set_env("DJCRM_HTTP__BIND", "not an address");
            let error = Settings::load().expect_err("invalid address").to_string();
            assert!(error.to_lowercase().contains("http.bind"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://crm:s3cret@db:5432/crm"),
            "postgres://crm:***@db:5432/crm"
        );
        assert_eq!(redact_url("sqlite://djcrm.db"), "sqlite://djcrm.db");
        let config = DatabaseConfig {
            url: "postgres://crm:s3cret@db/crm".into(),
            ..DatabaseConfig::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn an_out_of_range_value_names_its_key_and_range() {
        Jail::expect_with(|jail| {
            jail.set_env("DJCRM_AUTH__TOKEN_TTL_HOURS", "4294967295");
            let error = Settings::load().expect_err("refused").to_string();
            assert!(error.contains("auth.token_ttl_hours"), "{error}");
            assert!(error.contains("1 to 8784"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_zero_pool_is_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("DJCRM_DATABASE__MAX_CONNECTIONS", "0");
            let error = Settings::load().expect_err("refused").to_string();
            assert!(error.contains("database.max_connections"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_cors_origin_with_a_path_is_refused() {
        let mut settings = Settings::default();
        settings.http.cors_allowed_origins = vec!["https://app.acme.test/".to_owned()];
        let error = settings.validate().expect_err("refused").to_string();
        assert!(error.contains("http.cors_allowed_origins"), "{error}");
    }

    #[test]
    fn the_defaults_are_in_range() {
        assert!(Settings::default().validate().is_ok());
    }
}
