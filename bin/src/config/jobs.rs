//! `[mail]` and `[queue]`: where mail goes and where background jobs wait.

use serde::{Deserialize, Serialize};

use super::{ConfigError, in_range};

/// `[mail]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// Where mail is written as `<id>.eml` files when `smtp_url` is not set.
    pub outbox_dir: String,
    /// `smtp://host:port` (plain; add `?tls=required` for STARTTLS) or
    /// `smtps://host:port` (TLS), with `user:password@` when the server wants a
    /// login. Unset: mail goes to `outbox_dir`.
    pub smtp_url: Option<String>,
    /// Who mail comes from: `"Name <address>"` or an address.
    pub from: String,
    /// The most one SMTP delivery may take, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            outbox_dir: "./outbox".to_owned(),
            smtp_url: None,
            from: "DJ CRM <crm@djcrm.localhost>".to_owned(),
            timeout_ms: 10_000,
        }
    }
}

/// `[queue]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Where jobs wait: `sqlite://...`, `postgres://...` or `redis://...`. Unset:
    /// beside the store (a SQLite store gets its own `<name>-jobs.db` file, so jobs
    /// never take the store's write lock; a PostgreSQL store keeps jobs in its
    /// `apalis` schema).
    pub url: Option<String>,
    /// Prepended to every queue name (`djcrm-mail`), to keep several deployments
    /// apart in one Redis or database.
    pub prefix: String,
    /// Whether `djcrm serve` also runs a worker (the relay and the job handlers).
    /// Turn it off when `djcrm worker` processes do the work.
    pub in_process_worker: bool,
    /// Jobs one worker runs at once, per queue.
    pub concurrency: usize,
    /// Attempts per job before it is kept as failed.
    pub max_attempts: u32,
    /// The wait before the first retry, in milliseconds; it doubles per attempt
    /// (with jitter) up to `retry_max_ms`.
    pub retry_base_ms: u64,
    /// The longest wait between attempts, in milliseconds.
    pub retry_max_ms: u64,
    /// How often an idle worker looks for new events and jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// How often a worker tells the job storage it is alive, in seconds. The jobs
    /// of a worker silent for three heartbeats (killed, or cut off) go to another.
    pub heartbeat_seconds: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            url: None,
            prefix: String::new(),
            in_process_worker: true,
            concurrency: 4,
            max_attempts: 8,
            retry_base_ms: 1000,
            retry_max_ms: 300_000,
            poll_interval_ms: 500,
            heartbeat_seconds: 10,
        }
    }
}

/// `[webhooks]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Let deliveries reach loopback, private and link-local addresses (tests, closed
    /// networks). Off: such targets are refused.
    pub allow_private_targets: bool,
    /// The most one delivery may take, in milliseconds.
    pub timeout_ms: u64,
    /// Failed deliveries in a row after which a webhook is turned off.
    pub disable_after_failures: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            timeout_ms: 5000,
            disable_after_failures: 10,
        }
    }
}

impl WebhooksConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        in_range("webhooks.timeout_ms", self.timeout_ms, 100, 60_000)?;
        in_range(
            "webhooks.disable_after_failures",
            u64::from(self.disable_after_failures),
            1,
            1000,
        )
    }
}

impl MailConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        in_range("mail.timeout_ms", self.timeout_ms, 100, 600_000)?;
        if let Some(url) = &self.smtp_url {
            let scheme = url.split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("smtp" | "smtps")) {
                return Err(ConfigError::Invalid {
                    key: "mail.smtp_url",
                    reason: "is neither smtp://... nor smtps://...".to_owned(),
                });
            }
        }
        if self.from.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "mail.from",
                reason: "is empty".to_owned(),
            });
        }
        Ok(())
    }
}

impl QueueConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.url {
            let scheme = url.split_once(':').map(|(scheme, _)| scheme);
            if !matches!(
                scheme,
                Some("sqlite" | "postgres" | "postgresql" | "redis" | "rediss")
            ) {
                return Err(ConfigError::Invalid {
                    key: "queue.url",
                    reason: "is none of sqlite:, postgres://, redis://".to_owned(),
                });
            }
        }
        in_range("queue.concurrency", super::wide(self.concurrency), 1, 256)?;
        in_range("queue.max_attempts", u64::from(self.max_attempts), 1, 100)?;
        in_range("queue.retry_base_ms", self.retry_base_ms, 10, 3_600_000)?;
        in_range(
            "queue.retry_max_ms",
            self.retry_max_ms,
            self.retry_base_ms,
            86_400_000,
        )?;
        in_range("queue.poll_interval_ms", self.poll_interval_ms, 10, 60_000)?;
        in_range("queue.heartbeat_seconds", self.heartbeat_seconds, 1, 3600)?;
        Ok(())
    }
}
