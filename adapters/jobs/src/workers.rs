//! The workers: one apalis worker per queue runs the application's job handler,
//! with retries and exponential backoff; the relay runs beside them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::{
    AbortError, Attempt, BackendExt, BoxDynError, Data, Monitor, RetryPolicy, WorkerBuilder,
    WorkerBuilderExt,
};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use djcrm_application::jobs::{Outcome, Relay, Worker};
use djcrm_domain::jobs::{Job, Queue};
use djcrm_domain::ports::Store;

use crate::poll::EveryInterval;
use crate::{ApalisQueue, JobStorage};

/// How jobs are run and retried.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Jobs one worker runs at once, per queue.
    pub concurrency: usize,
    /// The wait before the first retry; it doubles per attempt, with jitter.
    pub base: Duration,
    /// The longest wait between attempts.
    pub max: Duration,
    /// How often an idle worker looks for jobs (and the relay for events).
    pub poll_interval: Duration,
    /// How often a worker tells the storage it is alive. A worker silent for three
    /// heartbeats is presumed dead, and its unfinished jobs go to another.
    pub heartbeat: Duration,
}

/// Heartbeats a worker may miss before its jobs are taken back.
const MISSED_HEARTBEATS: usize = 3;

/// What each job handler shares.
struct Shared<S: Store> {
    worker: Arc<Worker<S>>,
    max_attempts: u32,
}

/// Runs one job: the application decides; apalis is told whether to retry.
async fn handle<S: Store>(
    job: Job,
    attempt: Attempt,
    shared: Data<Arc<Shared<S>>>,
) -> Result<(), BoxDynError> {
    let number = u32::try_from(attempt.current().max(1)).unwrap_or(u32::MAX);
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "job",
        queue = job.work.queue().name(),
        kind = job.work.kind(),
        key = %job.key,
        attempt = number,
    );
    let performed = shared
        .worker
        .perform(&job, number, shared.max_attempts)
        .instrument(span)
        .await;
    let (outcome, result): (&'static str, Result<(), BoxDynError>) = match performed {
        Ok(Outcome::Skipped(why)) => {
            tracing::info!(job = %job.key, why, "job skipped");
            ("skipped", Ok(()))
        }
        Ok(_) => ("done", Ok(())),
        // Recorded as failed by the worker: no more attempts, here or by apalis.
        Err(error) if error.is_permanent() || number >= shared.max_attempts => {
            ("failed", Err(Box::new(AbortError::new(error))))
        }
        Err(error) => ("retry", Err(Box::new(error))),
    };
    let queue = job.work.queue().name();
    metrics::counter!("djcrm_job_runs_total", "queue" => queue, "outcome" => outcome).increment(1);
    metrics::histogram!("djcrm_job_run_seconds", "queue" => queue)
        .record(started.elapsed().as_secs_f64());
    result
}

/// Runs the relay and one worker per queue until `stop` resolves; in-flight jobs
/// finish first (for at most `grace`).
///
/// # Errors
/// When the workers cannot be started or stop on an error.
pub async fn run_workers<S: Store + Clone>(
    queue: ApalisQueue,
    worker: Arc<Worker<S>>,
    relay: Relay<S>,
    settings: WorkerSettings,
    name: &str,
    grace: Duration,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxDynError> {
    let shared = Arc::new(Shared {
        worker,
        max_attempts: queue.max_attempts(),
    });
    let retries = usize::try_from(queue.max_attempts().saturating_sub(1)).unwrap_or(0);
    let backoff =
        ExponentialBackoffMaker::new(settings.base, settings.max, 0.5, HasherRng::default())
            .map_err(|e| -> BoxDynError { e.to_string().into() })?;
    let (stopped, stopping) = tokio::sync::watch::channel(false);
    let relay_stop = {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let mut monitor = Monitor::new();
    for &kind in Queue::ALL {
        let queue_name = queue.name(kind);
        let worker_name = format!("{name}-{queue_name}");
        let shared = shared.clone();
        let backoff = backoff.clone();
        let poll = settings.poll_interval;
        let heartbeat = settings.heartbeat;
        let concurrency = settings.concurrency;
        macro_rules! register {
            ($backend:expr) => {
                monitor = monitor.register(move |_restarts| {
                    let policy = RetryPolicy::retries(retries)
                        .with_backoff(backoff.clone().make_backoff())
                        .retry_if(|e: &BoxDynError| e.downcast_ref::<AbortError>().is_none());
                    WorkerBuilder::new(worker_name.as_str())
                        .backend($backend)
                        .data(shared.clone())
                        .concurrency(concurrency)
                        .retry(policy)
                        .build(handle::<S>)
                })
            };
        }
        match queue.storage().clone() {
            JobStorage::Sqlite(pool) => register!(
                SqliteStorage::<Job>::new(&pool)
                    .with_config(
                        apalis_sqlite::Config::default()
                            .queue(&queue_name)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(MISSED_HEARTBEATS),
                    )
                    .poll_with_strategy(EveryInterval::new(poll))
            ),
            JobStorage::Postgres(pool) => register!(
                PostgresStorage::<Job>::new(&pool)
                    .with_config(
                        apalis_postgres::Config::default()
                            .queue(&queue_name)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(MISSED_HEARTBEATS),
                    )
                    .poll_with_strategy(EveryInterval::new(poll))
            ),
            JobStorage::Redis(connection) => register!(
                RedisStorage::<Job>::new(connection.clone())
                    .with_config(
                        apalis_redis::Config::default()
                            .queue(&queue_name)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(MISSED_HEARTBEATS),
                    )
                    .poll_with_strategy(EveryInterval::new(poll))
            ),
        }
    }
    // A worker whose storage failed (a lost connection) starts again.
    let monitor = monitor.should_restart(|_, _| true).shutdown_timeout(grace);
    let relay_task = tokio::spawn(async move {
        relay.run(settings.poll_interval, relay_stop).await;
    });
    let signal = async move {
        stop.await;
        let _ = stopped.send(true);
        Ok(())
    };
    let result = monitor.run_with_signal(signal).await;
    let _ = relay_task.await;
    result.map_err(Into::into)
}
