//! Retention: what `djcrm-admin purge` removes, and when.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::DomainError;

/// Up to when each kind of record is kept: anything older (or closed before) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Tokens that expired before this.
    pub tokens_expired_before: DateTime<Utc>,
    /// Invitations accepted, revoked or expired before this.
    pub invitations_closed_before: DateTime<Utc>,
    /// Password resets that expired before this (used ones expire too).
    pub resets_expired_before: DateTime<Utc>,
    /// Idempotency records made before this.
    pub idempotency_before: DateTime<Utc>,
    /// Leads deleted before this, with their history.
    pub leads_deleted_before: DateTime<Utc>,
    /// Events that happened before this and that the relay has passed.
    pub events_before: DateTime<Utc>,
    /// Finished jobs and webhook deliveries from before this.
    pub jobs_before: DateTime<Utc>,
}

/// How many records of each kind went (or would go, in a dry run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Expired API tokens.
    pub tokens: u64,
    /// Closed invitations.
    pub invitations: u64,
    /// Expired password resets.
    pub password_resets: u64,
    /// Idempotency records.
    pub idempotency_keys: u64,
    /// Soft-deleted leads.
    pub leads: u64,
    /// Their history entries.
    pub activities: u64,
    /// Outbox events the relay has passed.
    pub events: u64,
    /// Finished job records.
    pub job_runs: u64,
    /// Webhook delivery log entries.
    pub deliveries: u64,
}

/// Removing what is past its retention.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Retention: Send + Sync + 'static {
    /// Removes every record past `cutoffs`, in one transaction; with `dry_run`, only
    /// counts them. Events are removed only once the relay (`relay_cursor`) has
    /// passed them.
    fn purge(
        &self,
        cutoffs: Cutoffs,
        relay_cursor: i64,
        dry_run: bool,
    ) -> impl Future<Output = Result<Purged, DomainError>> + Send;
}
