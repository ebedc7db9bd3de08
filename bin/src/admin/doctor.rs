//! `djcrm-admin doctor`: each thing the CRM needs, checked, with the fix when it
//! fails.

use std::time::Duration;

use djcrm_adapter_jobs::JobStorage;
use djcrm_adapter_mail::{FileMailer, Sender, SmtpMailer};
use djcrm_domain::chain;
use djcrm_domain::ports::Store;
use serde::Serialize;

use crate::background::queue_url;
use crate::config::{Settings, redact_url};
use crate::startup::{AnyStore, Shared};

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn passed(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn failed(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// Every check, in order; a check that depends on a failed one is not made.
pub async fn run(settings: &Settings) -> Vec<Check> {
    let mut checks = vec![passed("configuration", "loaded and within range")];
    let url = redact_url(&settings.database.url);
    match AnyStore::connect(settings, false).await {
        Ok(store) => {
            let (reachable, schema) = match &store {
                AnyStore::Sqlite(s) => (
                    s.ping().await.map_err(|e| e.to_string()),
                    djcrm_adapter_sqlite::migration_status(s)
                        .await
                        .map_err(|e| e.to_string()),
                ),
                AnyStore::Postgres(s) => (
                    s.ping().await.map_err(|e| e.to_string()),
                    djcrm_adapter_postgres::migration_status(s)
                        .await
                        .map_err(|e| e.to_string()),
                ),
            };
            checks.push(match reachable {
                Ok(()) => passed("store", format!("{url} answers")),
                Err(e) => failed("store", e, "start the database, or fix database.url"),
            });
            checks.push(match schema {
                Ok(states) => {
                    let pending = states.iter().filter(|m| !m.applied).count();
                    let unknown = states
                        .iter()
                        .filter(|m| m.description.starts_with("unknown"))
                        .count();
                    if unknown > 0 {
                        failed(
                            "schema",
                            format!("{unknown} migration(s) from a newer DJ CRM"),
                            "run the newer djcrm-admin, or restore a backup made for this version",
                        )
                    } else if pending > 0 {
                        failed(
                            "schema",
                            format!("{pending} migration(s) pending"),
                            "run djcrm-admin migrate",
                        )
                    } else {
                        passed("schema", format!("current ({} migrations)", states.len()))
                    }
                }
                Err(e) => failed("schema", e, "check that the store answers"),
            });
        }
        Err(e) => {
            checks.push(failed(
                "store",
                format!("{url}: {}", chain(&e)),
                "start the database, or fix database.url (DJCRM_DATABASE__URL)",
            ));
        }
    }
    checks.push(match Shared::connect(settings) {
        Ok(shared) => match shared.cache.ping().await {
            Ok(()) => passed("cache", redact_url(&settings.cache.url)),
            Err(e) => failed(
                "cache",
                chain(&e),
                "start Redis, or fix cache.url (memory:// needs nothing)",
            ),
        },
        Err(e) => failed("cache", chain(&e), "fix cache.url"),
    });
    let queue = queue_url(settings);
    let timeout = Duration::from_millis(settings.database.acquire_timeout_ms);
    checks.push(match JobStorage::connect(&queue, timeout).await {
        Ok(_) => passed("queue", redact_url(&queue)),
        Err(e) => failed(
            "queue",
            format!("{}: {}", redact_url(&queue), chain(&e)),
            "start the job storage, or fix queue.url",
        ),
    });
    checks.push(mail(settings).await);
    checks
}

async fn mail(settings: &Settings) -> Check {
    let mail = &settings.mail;
    let sender = match Sender::parse(&mail.from) {
        Ok(sender) => sender,
        Err(e) => return failed("mail", chain(&e), "set mail.from to \"Name <address>\""),
    };
    match &mail.smtp_url {
        Some(url) => {
            let smtp = match SmtpMailer::new(url, Duration::from_millis(mail.timeout_ms), sender) {
                Ok(smtp) => smtp,
                Err(e) => return failed("mail", chain(&e), "fix mail.smtp_url"),
            };
            match smtp.check().await {
                Ok(()) => passed("mail", format!("SMTP at {}", redact_url(url))),
                Err(e) => failed(
                    "mail",
                    chain(&e),
                    "start the SMTP server, or fix mail.smtp_url",
                ),
            }
        }
        None => match FileMailer::new(&mail.outbox_dir, sender).check().await {
            Ok(()) => passed("mail", format!("written to {}", mail.outbox_dir)),
            Err(e) => failed("mail", chain(&e), "make mail.outbox_dir writable"),
        },
    }
}
