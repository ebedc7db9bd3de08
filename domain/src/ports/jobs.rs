//! Background work: the queue jobs wait in, and the store's bookkeeping of the
//! relay and of finished jobs.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::jobs::{Job, JobKey, JobRun, RunState, Secret};
use crate::{DomainError, EventId, OrgId, Position};

/// Why the queue could not take or give a job.
#[derive(Debug, thiserror::Error)]
#[error("the job queue is unavailable: {context}")]
pub struct QueueError {
    /// What it was doing.
    pub context: String,
    /// Why it failed.
    #[source]
    pub source: Option<crate::BoxError>,
}

/// Where jobs wait for a worker: SQLite, PostgreSQL or Redis.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Puts `job` on its queue, to run as soon as a worker is free.
    async fn enqueue(&self, job: &Job) -> Result<(), QueueError>;

    /// How many jobs wait or run, over every queue.
    async fn depth(&self) -> Result<u64, QueueError>;

    /// Succeeds when the queue's storage answers.
    async fn ping(&self) -> Result<(), QueueError>;
}

/// The store's side of background work. Not a domain change: nothing here has an
/// event or a history.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait JobLog: Send + Sync + 'static {
    /// Takes or renews the lease named `name` for `holder` until `until`, and
    /// answers its cursor; `None` when another holder's lease has not ended. One
    /// relay (and one scheduler) runs at a time however many workers there are.
    fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<i64>, DomainError>> + Send;

    /// The cursor of `name`, without taking its lease; 0 when it never moved.
    fn cursor(&self, name: &str) -> impl Future<Output = Result<i64, DomainError>> + Send;

    /// Moves the cursor of `name` to `to` if `holder` still holds it; whether it did.
    fn advance(
        &self,
        name: &str,
        holder: &str,
        to: i64,
    ) -> impl Future<Output = Result<bool, DomainError>> + Send;

    /// The secret sealed with `event`, until the relay has moved past it.
    fn secret(
        &self,
        event: EventId,
    ) -> impl Future<Output = Result<Option<Secret>, DomainError>> + Send;

    /// Forgets the secrets sealed with the events at or before `through`: they are
    /// in their jobs now.
    fn forget_secrets(
        &self,
        through: Position,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Whether the job `key` is done.
    fn is_done(&self, key: &JobKey) -> impl Future<Output = Result<bool, DomainError>> + Send;

    /// Records how a job ended, replacing an earlier record of it (a failed job
    /// retried and done).
    fn record(&self, run: &JobRun) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The record of job `key`, if it ended.
    fn run(&self, key: &JobKey)
    -> impl Future<Output = Result<Option<JobRun>, DomainError>> + Send;

    /// The jobs that ended in `state`, of `org` (or of every organization), newest
    /// first, at most `limit`.
    fn runs(
        &self,
        org: Option<OrgId>,
        state: RunState,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<JobRun>, DomainError>> + Send;
}
