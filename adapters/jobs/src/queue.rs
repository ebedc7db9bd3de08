//! The `JobQueue` port over apalis: jobs pushed to the storage, one apalis queue
//! per [`Queue`], named explicitly.

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use djcrm_domain::jobs::{Job, Queue};
use djcrm_domain::ports::{JobQueue, QueueError};

use crate::JobStorage;

/// Jobs on apalis.
#[derive(Clone, Debug)]
pub struct ApalisQueue {
    storage: JobStorage,
    prefix: String,
    max_attempts: u32,
}

fn failed(context: &str, error: impl std::error::Error + Send + Sync + 'static) -> QueueError {
    QueueError {
        context: context.to_owned(),
        source: Some(Box::new(error)),
    }
}

impl ApalisQueue {
    /// Jobs in `storage`, in queues named `<prefix><queue>`, each tried at most
    /// `max_attempts` times.
    #[must_use]
    pub fn new(storage: JobStorage, prefix: &str, max_attempts: u32) -> Self {
        Self {
            storage,
            prefix: prefix.to_owned(),
            max_attempts,
        }
    }

    /// The storage.
    #[must_use]
    pub const fn storage(&self) -> &JobStorage {
        &self.storage
    }

    /// The apalis queue name of `queue`.
    #[must_use]
    pub fn name(&self, queue: Queue) -> String {
        format!("{}{}", self.prefix, queue.name())
    }

    /// How many attempts a job gets.
    #[must_use]
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The names of every queue, as `IN (...)` values for SQL.
    fn names(&self) -> Vec<String> {
        Queue::ALL.iter().map(|q| self.name(*q)).collect()
    }
}

#[async_trait::async_trait]
impl JobQueue for ApalisQueue {
    async fn enqueue(&self, job: &Job) -> Result<(), QueueError> {
        let name = self.name(job.work.queue());
        let attempts = usize::try_from(self.max_attempts).unwrap_or(usize::MAX);
        let task = TaskBuilder::new(job.clone()).max_attempts(attempts).build();
        let context = "enqueueing a job";
        match &self.storage {
            JobStorage::Sqlite(pool) => {
                let config = apalis_sqlite::Config::default().queue(&name);
                let mut storage = SqliteStorage::<Job>::new(pool).with_config(config);
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| failed(context, e))
            }
            JobStorage::Postgres(pool) => {
                let config = apalis_postgres::Config::default().queue(&name);
                let mut storage = PostgresStorage::<Job>::new(pool).with_config(config);
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| failed(context, e))
            }
            JobStorage::Redis(connection) => {
                let config = apalis_redis::Config::default().queue(&name);
                let mut storage = RedisStorage::<Job>::new(connection.clone()).with_config(config);
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| failed(context, e))
            }
        }
    }

    async fn depth(&self) -> Result<u64, QueueError> {
        let context = "counting waiting jobs";
        let names = self.names();
        let waiting = "status IN ('Pending', 'Queued', 'Running') \
             OR (status = 'Failed' AND attempts < max_attempts)";
        match &self.storage {
            JobStorage::Sqlite(pool) => {
                let placeholders = vec!["?"; names.len()].join(", ");
                let sql = format!(
                    "SELECT COUNT(*) FROM Jobs WHERE job_type IN ({placeholders}) AND ({waiting})"
                );
                let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for name in &names {
                    query = query.bind(name);
                }
                let count = query
                    .fetch_one(pool)
                    .await
                    .map_err(|e| failed(context, e))?;
                Ok(u64::try_from(count).unwrap_or(0))
            }
            JobStorage::Postgres(pool) => {
                let sql = format!(
                    "SELECT COUNT(*) FROM apalis.jobs WHERE job_type = ANY($1) AND ({waiting})"
                );
                let count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .bind(&names)
                    .fetch_one(pool)
                    .await
                    .map_err(|e| failed(context, e))?;
                Ok(u64::try_from(count).unwrap_or(0))
            }
            JobStorage::Redis(connection) => {
                let mut connection = connection.clone();
                let mut total = 0u64;
                for name in &names {
                    let config = apalis_redis::Config::default().queue(name);
                    let active: u64 = redis::cmd("LLEN")
                        .arg(config.active_jobs_list())
                        .query_async(&mut connection)
                        .await
                        .map_err(|e| failed(context, e))?;
                    total += active;
                }
                Ok(total)
            }
        }
    }

    async fn ping(&self) -> Result<(), QueueError> {
        let context = "reaching the job storage";
        match &self.storage {
            JobStorage::Sqlite(pool) => sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(drop)
                .map_err(|e| failed(context, e)),
            JobStorage::Postgres(pool) => sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(drop)
                .map_err(|e| failed(context, e)),
            JobStorage::Redis(connection) => {
                let mut connection = connection.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
                    .map(drop)
                    .map_err(|e| failed(context, e))
            }
        }
    }
}
