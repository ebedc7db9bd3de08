//! # DJ CRM background jobs on apalis
//!
//! Where jobs wait ([`JobStorage`]: SQLite, PostgreSQL or Redis, chosen by
//! `queue.url`), how they get there ([`ApalisQueue`], the `JobQueue` port the relay
//! enqueues through) and who runs them ([`run_workers`]: one apalis worker per
//! queue calling the application's [`Worker`](djcrm_application::jobs::Worker),
//! with retries and backoff, beside the relay).
//!
//! apalis moves jobs; the application decides what a job does and keeps the record
//! of how it ended (done, never done again; failed, with its error, to retry). So a
//! job's effect is idempotent whichever storage holds it.

mod poll;
mod queue;
mod storage;
mod workers;

pub use queue::ApalisQueue;
pub use storage::{JobStorage, StorageError};
pub use workers::{WorkerSettings, run_workers};
