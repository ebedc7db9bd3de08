//! Background work from [`Settings`]: the job storage, the mailer, and the workers
//! that `djcrm serve` runs in-process and `djcrm worker` runs alone.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use djcrm_adapter_jobs::{ApalisQueue, JobStorage, WorkerSettings, run_workers};
use djcrm_adapter_mail::{FileMailer, Sender, SmtpMailer};
use djcrm_adapter_webhooks::HttpSender;
use djcrm_application::SystemClock;
use djcrm_application::jobs::{Links, Relay, WebhookSettings, Worker};
use djcrm_domain::ports::{MailError, Mailer, Store};

use crate::config::{Settings, redact_url};

/// Why background work could not start.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// The job storage could not be opened.
    #[error("job queue at {url}")]
    Queue {
        /// Where (password redacted).
        url: String,
        /// Why.
        source: djcrm_adapter_jobs::StorageError,
    },
    /// The mail settings are unusable.
    #[error("mail settings")]
    Mail(#[source] MailError),
}

/// Where jobs wait: `queue.url`, or beside the store. A SQLite store's jobs go to a
/// file of their own beside it (`djcrm.db` -> `djcrm-jobs.db`).
#[must_use]
pub fn queue_url(settings: &Settings) -> String {
    if let Some(url) = &settings.queue.url {
        return url.clone();
    }
    let store = &settings.database.url;
    if !store.starts_with("sqlite:") || store.contains(":memory:") {
        return store.clone();
    }
    let (path, query) = store.split_once('?').unwrap_or((store, ""));
    let stem = path.strip_suffix(".db").unwrap_or(path);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{stem}-jobs.db{query}")
}

/// The job queue named by the settings, connected and set up.
///
/// # Errors
/// [`BackgroundError::Queue`] when the storage cannot be opened.
pub async fn queue(settings: &Settings) -> Result<ApalisQueue, BackgroundError> {
    let url = queue_url(settings);
    let timeout = Duration::from_millis(settings.database.acquire_timeout_ms);
    let storage =
        JobStorage::connect(&url, timeout)
            .await
            .map_err(|source| BackgroundError::Queue {
                url: redact_url(&url),
                source,
            })?;
    Ok(ApalisQueue::new(
        storage,
        &settings.queue.prefix,
        settings.queue.max_attempts,
    ))
}

/// The mailer named by the settings: SMTP when `mail.smtp_url` is set, else the
/// file outbox.
///
/// # Errors
/// [`BackgroundError::Mail`] when the sender or the SMTP URL is unusable.
pub fn mailer(settings: &Settings) -> Result<Arc<dyn Mailer>, BackgroundError> {
    let mail = &settings.mail;
    let sender = Sender::parse(&mail.from).map_err(BackgroundError::Mail)?;
    Ok(match &mail.smtp_url {
        Some(url) => Arc::new(
            SmtpMailer::new(url, Duration::from_millis(mail.timeout_ms), sender)
                .map_err(BackgroundError::Mail)?,
        ),
        None => Arc::new(FileMailer::new(&mail.outbox_dir, sender)),
    })
}

/// A name for this process's workers and relay lease, unique across processes.
#[must_use]
pub fn worker_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "djcrm-{}-{}",
        std::process::id(),
        id.get(..8).unwrap_or(&id)
    )
}

/// Runs the relay and the workers over `store` until `stop` resolves, then lets
/// in-flight jobs finish (for at most `http.shutdown_grace_seconds`).
///
/// # Errors
/// When the workers stop on an error.
pub async fn work<S: Store + Clone>(
    store: S,
    settings: &Settings,
    queue: ApalisQueue,
    mailer: Arc<dyn Mailer>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), djcrm_domain::BoxError> {
    let clock = Arc::new(SystemClock);
    let name = worker_name();
    let poll = Duration::from_millis(settings.queue.poll_interval_ms);
    let links = Links::new(&settings.http.public_url);
    let sender = HttpSender::new(
        Duration::from_millis(settings.webhooks.timeout_ms),
        settings.webhooks.allow_private_targets,
    )
    .map_err(|e| Box::new(e) as djcrm_domain::BoxError)?;
    let webhooks = WebhookSettings {
        sender: Some(Arc::new(sender)),
        disable_after: settings.webhooks.disable_after_failures,
    };
    let worker =
        Arc::new(Worker::new(store.clone(), mailer, clock.clone(), links).with_webhooks(webhooks));
    // The lease outlives a few missed passes, so a slow pass does not hand it over.
    let lease = poll.saturating_mul(20).max(Duration::from_secs(5));
    let relay = Relay::new(store, Arc::new(queue.clone()), clock, name.clone(), lease);
    let workers = WorkerSettings {
        concurrency: settings.queue.concurrency,
        base: Duration::from_millis(settings.queue.retry_base_ms),
        max: Duration::from_millis(settings.queue.retry_max_ms),
        poll_interval: poll,
        heartbeat: Duration::from_secs(settings.queue.heartbeat_seconds),
    };
    let grace = Duration::from_secs(settings.http.shutdown_grace_seconds);
    tracing::info!(worker = %name, queue = %redact_url(&queue_url(settings)), "background worker started");
    run_workers(queue, worker, relay, workers, &name, grace, stop).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_store(url: &str) -> Settings {
        let mut settings = Settings::default();
        settings.database.url = url.to_owned();
        settings
    }

    #[test]
    fn a_sqlite_store_gets_a_jobs_file_beside_it() {
        assert_eq!(
            queue_url(&with_store("sqlite://data/djcrm.db?mode=rwc")),
            "sqlite://data/djcrm-jobs.db?mode=rwc"
        );
        assert_eq!(
            queue_url(&with_store("sqlite://djcrm.db")),
            "sqlite://djcrm-jobs.db"
        );
    }

    #[test]
    fn a_postgres_store_keeps_jobs_in_its_database() {
        let url = "postgres://postgres@127.0.0.1/crm";
        assert_eq!(queue_url(&with_store(url)), url);
    }

    #[test]
    fn an_explicit_queue_url_wins() {
        let mut settings = with_store("sqlite://djcrm.db");
        settings.queue.url = Some("redis://127.0.0.1:6379".to_owned());
        assert_eq!(queue_url(&settings), "redis://127.0.0.1:6379");
    }
}
