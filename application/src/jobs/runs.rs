//! Jobs that failed after their last attempt: seen and retried by organizers (their
//! own organization's) and operators (every organization's).

use djcrm_domain::jobs::{JobKey, JobRun, RunState};
use djcrm_domain::ports::{JobLog, Store};
use djcrm_domain::{Actor, DomainError, Limit, OrgId};

use crate::Crm;
use crate::policy::require_organizer;

impl<S: Store> Crm<S> {
    /// The caller's organization's failed jobs, newest first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `limit`.
    pub async fn failed_jobs(
        &self,
        actor: &Actor,
        limit: Option<i64>,
    ) -> Result<Vec<JobRun>, DomainError> {
        require_organizer(actor, "only organizers can see failed jobs")?;
        self.failed_jobs_of(Some(actor.org_id), limit).await
    }

    /// Failed jobs of `org`, or of every organization (operators), newest first.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `limit`.
    pub async fn failed_jobs_of(
        &self,
        org: Option<OrgId>,
        limit: Option<i64>,
    ) -> Result<Vec<JobRun>, DomainError> {
        let limit = limit
            .map_or(Ok(Limit::DEFAULT), Limit::new)
            .map_err(|e| DomainError::invalid("limit", e.to_string()))?;
        self.store
            .jobs()
            .runs(org, RunState::Failed, limit.get())
            .await
    }

    /// Puts a failed job of the caller's organization back on its queue.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when no failed job of the organization has this key.
    /// - [`DomainError::Busy`] when the job queue cannot take it now.
    pub async fn retry_job(&self, actor: &Actor, key: &JobKey) -> Result<JobRun, DomainError> {
        require_organizer(actor, "only organizers can retry jobs")?;
        self.retry_failed_job(Some(actor.org_id), key).await
    }

    /// Puts a failed job back on its queue; confined to `org` when given
    /// (operators pass `None`).
    ///
    /// # Errors
    /// - [`DomainError::NotFound`] when no failed job (of `org`) has this key.
    /// - [`DomainError::Busy`] when there is no job queue or it cannot take the job.
    pub async fn retry_failed_job(
        &self,
        org: Option<OrgId>,
        key: &JobKey,
    ) -> Result<JobRun, DomainError> {
        let run = self.store.jobs().run(key).await?;
        let Some(run) = run.filter(|run| {
            run.state == RunState::Failed && org.is_none_or(|org| run.job.org_id == org)
        }) else {
            return Err(DomainError::not_found("failed job"));
        };
        self.enqueue(&run.job).await?;
        tracing::info!(job = %key, "failed job queued again");
        Ok(run)
    }

    /// Puts `job` on the queue; [`DomainError::Busy`] when there is no queue or it
    /// cannot take the job now.
    pub(crate) async fn enqueue(&self, job: &djcrm_domain::jobs::Job) -> Result<(), DomainError> {
        let busy = DomainError::Busy {
            what: "job queue",
            retry_after_seconds: 5,
        };
        let Some(queue) = &self.queue else {
            return Err(busy);
        };
        queue.enqueue(job).await.map_err(|error| {
            tracing::warn!(%error, job = %job.key, "a job could not be queued");
            busy
        })
    }
}
