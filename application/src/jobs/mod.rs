//! Background work: the [`Relay`] turns committed events into jobs on the queue,
//! and the [`Worker`] does each job once.
//!
//! The relay reads the outbox from its cursor, enqueues the jobs each event calls
//! for, then moves the cursor. A crash between the two enqueues the same jobs again;
//! their keys make that harmless: the worker skips a job whose key is recorded as
//! done, and an effect done twice (a worker killed after sending, before recording)
//! names its mail by the key, so it is recognisably one message.

mod deliver;
mod imports;
mod mails;
mod relay;
mod runs;
mod worker;

use djcrm_domain::BoxError;

pub use deliver::payload;
pub use mails::Links;
pub use relay::{DIGEST_LEASE, OutboxLag, RELAY_LEASE, Relay, RelayError, RelayStep, outbox_lag};
pub use worker::{Outcome, WebhookSettings, Worker};

/// Why a job did not get done.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// It may succeed later (a mail server down, the store busy): retry with backoff.
    #[error("{context}")]
    Retry {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Option<BoxError>,
    },
    /// It can never succeed as it is (a refused recipient, a broken template): keep
    /// it as failed without retrying.
    #[error("{context}")]
    Permanent {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Option<BoxError>,
    },
}

impl JobError {
    /// Whether retrying cannot help.
    #[must_use]
    pub const fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }

    /// The error and its causes on one line, as kept with a failed job.
    #[must_use]
    pub fn chain(&self) -> String {
        djcrm_domain::chain(self)
    }
}

impl From<djcrm_domain::DomainError> for JobError {
    fn from(error: djcrm_domain::DomainError) -> Self {
        Self::Retry {
            context: "reading the store".to_owned(),
            source: Some(Box::new(error)),
        }
    }
}

impl From<djcrm_domain::ports::MailError> for JobError {
    fn from(error: djcrm_domain::ports::MailError) -> Self {
        use djcrm_domain::ports::MailError;
        let permanent = matches!(error, MailError::Rejected { .. });
        let context = "sending a mail".to_owned();
        let source = Some(Box::new(error) as BoxError);
        if permanent {
            Self::Permanent { context, source }
        } else {
            Self::Retry { context, source }
        }
    }
}
