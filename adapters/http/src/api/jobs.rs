//! Background jobs that failed: an organizer sees why, and retries them.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use djcrm_application::Crm;
use djcrm_domain::jobs::{JobKey, JobRun};
use djcrm_domain::ports::Store;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::problem::{AUTHENTICATED, BY_ID, FORBIDDEN, QUERY};

/// A job that failed after its last attempt.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct FailedJobBody {
    /// Its key: pass it to retry the job.
    pub key: String,
    /// What it does (`invitation_mail`, `lead_assigned_mail`, `password_reset_mail`).
    pub kind: String,
    /// How many attempts it had.
    pub attempts: u32,
    /// Why its last attempt failed.
    pub error: Option<String>,
    /// When it gave up.
    pub finished_at: DateTime<Utc>,
}

impl From<JobRun> for FailedJobBody {
    fn from(run: JobRun) -> Self {
        Self {
            kind: run.job.work.kind().to_owned(),
            key: run.job.key.to_string(),
            attempts: run.attempts,
            error: run.error,
            finished_at: run.finished_at,
        }
    }
}

/// Failed jobs, newest first.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct FailedJobList {
    /// The jobs.
    pub items: Vec<FailedJobBody>,
}

impl Example for FailedJobBody {
    fn example() -> Self {
        Self {
            key: "password-reset-mail-01936f1c-2a4e-7b10-8c3d-5e6f7a8b9c0c".to_owned(),
            kind: "password_reset_mail".to_owned(),
            attempts: 8,
            error: Some("sending a mail: mail could not be sent now: connecting".to_owned()),
            finished_at: Utc
                .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }
}

impl Example for FailedJobList {
    fn example() -> Self {
        Self {
            items: vec![FailedJobBody::example()],
        }
    }
}

/// Retry result.
#[derive(ApiResponse)]
pub enum RetryResponse {
    /// The job is back on its queue.
    #[oai(status = 202)]
    Queued(Json<FailedJobBody>),
}

/// Failed job endpoints.
pub struct JobsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Jobs")]
impl<S: Store> JobsApi<S> {
    /// The organization's background jobs (mails) that failed after their last
    /// attempt, newest first, with why (organizers).
    #[oai(path = "/jobs/failed", method = "get", operation_id = "listFailedJobs")]
    async fn failed(
        &self,
        auth: BearerAuth,
        /// How many, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<FailedJobList>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let runs = self.crm.failed_jobs(&auth.0.actor, limit.0).await?;
        Ok(Json(FailedJobList {
            items: runs.into_iter().map(Into::into).collect(),
        }))
    }

    /// Put a failed job back on its queue (organizers). It runs again with all its
    /// attempts; once done it leaves this list.
    #[oai(
        path = "/jobs/failed/:key/retry",
        method = "post",
        operation_id = "retryJob"
    )]
    async fn retry(
        &self,
        auth: BearerAuth,
        /// The job's `key`.
        key: Path<String>,
    ) -> ApiResult<RetryResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        let key = JobKey::from_string(key.0);
        let run = self.crm.retry_job(&auth.0.actor, &key).await?;
        Ok(RetryResponse::Queued(Json(run.into())))
    }
}
