//! The bookkeeping of background jobs: leases with cursors, sealed secrets, and the
//! record of jobs that ended. Each statement commits alone, on the writer pool.

use chrono::{DateTime, Utc};
use djcrm_domain::jobs::{Job, JobKey, JobRun, RunState, Secret};
use djcrm_domain::ports::JobLog;
use djcrm_domain::{DomainError, EventId, OrgId, Position};

use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::{corrupt, storage};
use crate::{Dialect, RowOf, SqlStore};

const RUN_COLUMNS: &str = "state, attempts, error, job, finished_at";

fn run(row: &impl ReadRow) -> Result<JobRun, DomainError> {
    let col = || storage("reading a job run");
    let state = match row.text("state").map_err(col())?.as_str() {
        "done" => RunState::Done,
        "failed" => RunState::Failed,
        other => return Err(corrupt("job state", other)),
    };
    let job: Job =
        serde_json::from_str(&row.text("job").map_err(col())?).map_err(|e| corrupt("job", e))?;
    Ok(JobRun {
        job,
        state,
        attempts: u32::try_from(row.int("attempts").map_err(col())?).unwrap_or(u32::MAX),
        error: row.opt_text("error").map_err(col())?,
        finished_at: row.time("finished_at").map_err(col())?,
    })
}

impl<D: Dialect> SqlStore<D> {
    async fn write_optional(
        &self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Option<RowOf<D>>, DomainError> {
        let mut conn = self.writer.acquire().await.map_err(storage(context))?;
        D::Db::fetch_optional(&mut conn, sql)
            .await
            .map_err(storage(context))
    }
}

impl<D: Dialect> JobLog for SqlStore<D> {
    async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<i64>, DomainError> {
        let sql = Sql::new(
            "INSERT INTO leases (name, cursor, holder, held_until) VALUES ($1, 0, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             held_until = excluded.held_until \
             WHERE leases.holder = excluded.holder OR leases.held_until IS NULL \
             OR leases.held_until < $4 RETURNING cursor",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now);
        let row = self.write_optional(sql, "taking a lease").await?;
        row.map(|row| row.int("cursor").map_err(storage("taking a lease")))
            .transpose()
    }

    async fn cursor(&self, name: &str) -> Result<i64, DomainError> {
        let sql = Sql::new("SELECT cursor FROM leases WHERE name = $1").bind(name);
        let row = self.fetch_optional(sql, "reading a cursor").await?;
        Ok(row
            .map(|row| row.int("cursor"))
            .transpose()
            .map_err(storage("reading a cursor"))?
            .unwrap_or(0))
    }

    async fn advance(&self, name: &str, holder: &str, to: i64) -> Result<bool, DomainError> {
        let sql = Sql::new(
            "UPDATE leases SET cursor = $1 WHERE name = $2 AND holder = $3 RETURNING name",
        )
        .bind(to)
        .bind(name)
        .bind(holder);
        Ok(self.write_optional(sql, "moving a cursor").await?.is_some())
    }

    async fn secret(&self, event: EventId) -> Result<Option<Secret>, DomainError> {
        let sql = Sql::new("SELECT secret FROM sealed_secrets WHERE event_id = $1").bind(event);
        let row = self.fetch_optional(sql, "reading a sealed secret").await?;
        row.map(|row| {
            row.text("secret")
                .map(Secret::new)
                .map_err(storage("reading a sealed secret"))
        })
        .transpose()
    }

    async fn forget_secrets(&self, through: Position) -> Result<(), DomainError> {
        let sql = Sql::new(
            "DELETE FROM sealed_secrets WHERE event_id IN \
             (SELECT id FROM outbox WHERE position <= $1)",
        )
        .bind(through.get());
        let context = "forgetting sealed secrets";
        let mut conn = self.writer.acquire().await.map_err(storage(context))?;
        D::Db::execute(&mut conn, sql)
            .await
            .map_err(storage(context))
    }

    async fn is_done(&self, key: &JobKey) -> Result<bool, DomainError> {
        let sql = Sql::new("SELECT key FROM job_runs WHERE key = $1 AND state = 'done'")
            .bind(key.as_str());
        Ok(self
            .fetch_optional(sql, "reading a job run")
            .await?
            .is_some())
    }

    async fn record(&self, run: &JobRun) -> Result<(), DomainError> {
        let job = serde_json::to_string(&run.job)
            .map_err(|e| DomainError::storage("encoding a job", e))?;
        // A done job stays done: a late failure of a duplicate cannot undo it.
        let sql = Sql::new(
            "INSERT INTO job_runs (key, organization_id, kind, state, attempts, error, job, \
             finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (key) DO UPDATE SET state = excluded.state, \
             attempts = excluded.attempts, error = excluded.error, job = excluded.job, \
             finished_at = excluded.finished_at WHERE job_runs.state <> 'done' RETURNING key",
        )
        .bind(run.job.key.as_str())
        .bind(run.job.org_id)
        .bind(run.job.work.kind())
        .bind(run.state.as_str())
        .bind(i64::from(run.attempts))
        .bind(run.error.clone())
        .bind(job)
        .bind(run.finished_at);
        self.write_optional(sql, "recording a job run")
            .await
            .map(drop)
    }

    async fn run(&self, key: &JobKey) -> Result<Option<JobRun>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(RUN_COLUMNS)
            .push(" FROM job_runs WHERE key = ")
            .push_bind(key.as_str());
        self.fetch_optional(sql, "reading a job run")
            .await?
            .map(|row| run(&row))
            .transpose()
    }

    async fn runs(
        &self,
        org: Option<OrgId>,
        state: RunState,
        limit: u32,
    ) -> Result<Vec<JobRun>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(RUN_COLUMNS).push(" FROM job_runs WHERE ");
        if let Some(org) = org {
            sql.push("organization_id = ").push_bind(org).push(" AND ");
        }
        sql.push("state = ")
            .push_bind(state.as_str())
            .push(" ORDER BY finished_at DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = self.fetch_all(sql, "listing job runs").await?;
        rows.iter().map(run).collect()
    }
}
