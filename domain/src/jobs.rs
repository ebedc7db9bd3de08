//! Background jobs: work done off the request path (mail now, webhooks next), each
//! named by a [`JobKey`] that makes doing it idempotent.
//!
//! Jobs are made from committed events by the relay, so a job exists only for a
//! change that happened, and a crash between the commit and the enqueue loses
//! nothing (the relay starts again from its last position).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AgentId, DeliveryId, EventId, ImportId, InvitationId, LeadId, OrgId, UserId, WebhookId,
};

/// Names one effect. A job whose key is recorded as done is skipped, so a job run
/// twice (a worker killed after the effect, a relay restarted) has its effect once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobKey(String);

impl JobKey {
    /// The key of the job of kind `kind` made from event `event`.
    #[must_use]
    pub fn for_event(event: EventId, kind: &str) -> Self {
        Self(format!("{}-{event}", kind.replace('_', "-")))
    }

    /// The key of `user`'s digest for `day`: one per organizer per day, whichever
    /// worker schedules it.
    #[must_use]
    pub fn for_digest(user: UserId, day: NaiveDate) -> Self {
        Self(format!("digest-{user}-{day}"))
    }

    /// The key of the delivery of `event` to `webhook`.
    #[must_use]
    pub fn for_delivery(webhook: WebhookId, event: EventId) -> Self {
        Self(format!("webhook-{}-{event}", webhook.as_uuid().simple()))
    }

    /// The key of a replay asked for by an organizer: a new one each time.
    #[must_use]
    pub fn for_replay(replay: DeliveryId) -> Self {
        Self(format!("replay-{replay}"))
    }

    /// Wraps a key read back from storage or given by an operator.
    #[must_use]
    pub const fn from_string(key: String) -> Self {
        Self(key)
    }

    /// The key as text: letters, digits and `-` only, so it can name a file.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A single-use token on its way into a mail. Never printed: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a freshly generated token.
    #[must_use]
    pub const fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The token itself, to put in a mail.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The queue a job waits in: each has its own workers, so slow webhook targets
/// cannot hold up mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Mail of every kind.
    Mail,
    /// Webhook deliveries.
    Webhooks,
    /// Imports of uploaded files: long jobs, kept from holding up the others.
    Imports,
}

impl Queue {
    /// Every queue.
    pub const ALL: &'static [Self] = &[Self::Mail, Self::Webhooks, Self::Imports];

    /// Its name in the job storage, fixed here rather than derived from a Rust type.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mail => "djcrm-mail",
            Self::Webhooks => "djcrm-webhooks",
            Self::Imports => "djcrm-imports",
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Mail an invitation with its token.
    InvitationMail {
        /// The invitation.
        invitation_id: InvitationId,
        /// Its token, as sent.
        token: Secret,
    },
    /// Tell an agent that a lead was given to them.
    LeadAssignedMail {
        /// The lead.
        lead_id: LeadId,
        /// The agent it was given to.
        agent_id: AgentId,
        /// Who gave it: no mail when agents take a lead themselves.
        by: Option<UserId>,
    },
    /// Mail a password reset token.
    PasswordResetMail {
        /// Whose password.
        user_id: UserId,
        /// The token, as sent.
        token: Secret,
        /// Until when it works.
        expires_at: DateTime<Utc>,
    },
    /// POST an event to a webhook.
    WebhookDelivery {
        /// The webhook.
        webhook_id: WebhookId,
        /// The event.
        event_id: EventId,
    },
    /// Mail an organizer the digest of a day.
    DigestMail {
        /// The organizer.
        user_id: UserId,
        /// The day it sums up (UTC).
        day: NaiveDate,
    },
    /// Read an uploaded file into leads (resuming where an earlier attempt stopped).
    Import {
        /// The import.
        import_id: ImportId,
    },
}

impl Work {
    /// Its kind, as named in job listings.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::InvitationMail { .. } => "invitation_mail",
            Self::LeadAssignedMail { .. } => "lead_assigned_mail",
            Self::PasswordResetMail { .. } => "password_reset_mail",
            Self::DigestMail { .. } => "digest_mail",
            Self::WebhookDelivery { .. } => "webhook_delivery",
            Self::Import { .. } => "import",
        }
    }

    /// The queue it waits in.
    #[must_use]
    pub const fn queue(&self) -> Queue {
        match self {
            Self::WebhookDelivery { .. } => Queue::Webhooks,
            Self::Import { .. } => Queue::Imports,
            _ => Queue::Mail,
        }
    }
}

/// A piece of background work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Names its effect.
    pub key: JobKey,
    /// The organization it concerns.
    pub org_id: OrgId,
    /// What to do.
    pub work: Work,
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Its effect happened.
    Done,
    /// Its last attempt failed; it waits for someone to retry it.
    Failed,
}

impl RunState {
    /// Its name in storage and listings.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// The record of a job that ended: done (so it is never done again) or failed
/// (with its error, so it can be seen and retried).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job.
    pub job: Job,
    /// How it ended.
    pub state: RunState,
    /// How many attempts it took.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_files() {
        let key = JobKey::for_event(EventId::new(), "lead_assigned_mail");
        assert!(
            key.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        );
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).expect("a date");
        assert!(
            JobKey::for_digest(UserId::new(), day)
                .as_str()
                .ends_with("2026-12-02")
        );
    }

    #[test]
    fn a_secret_is_not_printed() {
        let work = Work::PasswordResetMail {
            user_id: UserId::new(),
            token: Secret::new("djcrm_topsecret".into()),
            expires_at: Utc::now(),
        };
        assert!(!format!("{work:?}").contains("topsecret"));
    }

    #[test]
    fn a_job_round_trips_through_json() {
        let job = Job {
            key: JobKey::for_event(EventId::new(), "mail"),
            org_id: OrgId::new(),
            work: Work::LeadAssignedMail {
                lead_id: LeadId::new(),
                agent_id: AgentId::new(),
                by: None,
            },
        };
        let json = serde_json::to_string(&job).expect("encodes");
        assert!(json.contains(r#""kind":"lead_assigned_mail""#));
        assert_eq!(serde_json::from_str::<Job>(&json).expect("decodes"), job);
    }
}
