//! Units of work that commit together, each as a lone statement (see
//! `appends.rs`: a new lead with its history entry and its event), go to the
//! database as one statement.
//!
//! PostgreSQL spends more on a statement than on the rows it inserts: parsing,
//! planning, starting the executor, the commit and its WAL flush. Measured with
//! pgbench on a 2-core machine: a lead's creation (lead, history entry, event) as
//! one statement per lead, 2,900-3,400 leads/s under 32 clients; sixteen leads per
//! statement under two to four clients, 13,300-15,700 leads/s. So units of work that
//! reach their commit while the database is busy with others queue (see
//! `batches.rs`), and a sender writes up to sixteen of them, of one shape (as many
//! leads, history entries and events each), as one statement.
//!
//! A statement is atomic: a batch writes all of its units of work or none. When
//! the database refuses a batch's rows (a lead naming a category removed
//! meanwhile), each of its units of work is sent again alone, so only the one at
//! fault fails, with its own error. When the batch fails otherwise (no connection,
//! the connection lost, a timeout), each gets the shared cause: sending them again
//! one by one would wait out the same failure once for each.

use std::sync::Arc;

use djcrm_domain::DomainError;
use sqlx::Pool;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::appends::Held;
use crate::batches::{Batches, SenderSlot};
use crate::engine::SqlDatabase;
use crate::{Dialect, span};

/// Most units of work one statement writes.
const MOST_PER_STATEMENT: usize = 16;

/// What a failed write was doing, for its error.
const CONTEXT: &str = "writing a unit of work in one statement";

/// A unit of work's rows waiting for their statement.
pub(crate) struct Waiting {
    held: Held,
    answer: oneshot::Sender<Result<(), DomainError>>,
}

/// The lone writes of one store waiting to be sent.
pub(crate) type WriteBatches = Batches<Waiting>;

/// Writes `held` (rows that fit a lone statement, [`Held::fit_alone`]) as a lone
/// statement: its own transaction, shared with whatever other lone writes of its
/// shape are waiting.
pub(crate) async fn write_lone<D: Dialect>(
    batches: &Arc<WriteBatches>,
    writer: &Pool<D::Db>,
    held: Held,
) -> Result<(), DomainError> {
    let (answer, answered) = oneshot::channel();
    if let Some(slot) = batches.enqueue(Waiting { held, answer }) {
        tokio::spawn(send::<D>(writer.clone(), slot));
    }
    // An answer is dropped unsent only when its sender's task ended abnormally.
    answered
        .await
        .unwrap_or_else(|_| Err(DomainError::internal(CONTEXT, None)))
}

/// Sends the queued writes, a batch at a time, until none wait.
async fn send<D: Dialect>(writer: Pool<D::Db>, mut slot: SenderSlot<Waiting>) {
    loop {
        // Only units of work of the oldest's shape (as many leads, history entries
        // and events) join it: statements of a handful of shapes, not one per
        // mix, for the connections' prepared-statement caches.
        let mut taken = 1;
        let Some(turn) = slot.next(|oldest, other| {
            let binds = (taken + 1) * oldest.held.binds();
            let joins = taken < MOST_PER_STATEMENT
                && binds <= D::BINDS_PER_STATEMENT
                && other.held.shape() == oldest.held.shape();
            taken += usize::from(joins);
            joins
        }) else {
            return;
        };
        for waiting in turn.overdue {
            let _ = waiting.answer.send(Err(crate::batches::overdue()));
        }
        if !turn.batch.is_empty() {
            write::<D>(&writer, turn.batch).await;
        }
    }
}

/// Writes `batch` as one statement and answers each; refused, each alone.
async fn write<D: Dialect>(writer: &Pool<D::Db>, batch: Vec<Waiting>) {
    metrics::histogram!("djcrm_db_writes_per_statement")
        .record(f64::from(u32::try_from(batch.len()).unwrap_or(u32::MAX)));
    if batch.len() > 1 {
        let mut all = Held::default();
        for waiting in &batch {
            all.extend(&waiting.held);
        }
        match statement::<D>(writer, &all).await {
            Ok(()) => {
                for waiting in batch {
                    let _ = waiting.answer.send(Ok(()));
                }
                return;
            }
            Err(Failure::Unsent(_) | Failure::Refused(_)) => {}
            Err(Failure::Acquire(error) | Failure::Lost(error)) => {
                let error = Arc::new(error);
                for waiting in batch {
                    let failed = DomainError::storage(CONTEXT, Arc::clone(&error));
                    let _ = waiting.answer.send(Err(failed));
                }
                return;
            }
        }
    }
    for waiting in batch {
        let written = statement::<D>(writer, &waiting.held)
            .await
            .map_err(|failure| failure.into_error(&waiting.held));
        let _ = waiting.answer.send(written);
    }
}

/// Why a statement wrote nothing.
enum Failure {
    /// It could not be made (the rows need more than one statement, or an event
    /// would not encode).
    Unsent(DomainError),
    /// No connection.
    Acquire(sqlx::Error),
    /// The database refused its rows (a constraint, a value out of range).
    Refused(sqlx::Error),
    /// Anything else while it ran (the connection lost, a timeout, the server
    /// shutting down or read-only): no row's fault, so sending the rows again one
    /// by one would only meet it again.
    Lost(sqlx::Error),
}

impl Failure {
    /// The error for the unit of work whose rows `held` are.
    fn into_error(self, held: &Held) -> DomainError {
        match self {
            Self::Unsent(error) => error,
            Self::Acquire(error) => DomainError::storage(CONTEXT, error),
            Self::Refused(error) | Self::Lost(error) => held.on_error()(error),
        }
    }
}

/// Sends `held` as one statement alone.
async fn statement<D: Dialect>(writer: &Pool<D::Db>, held: &Held) -> Result<(), Failure> {
    let sql = held
        .lone_statement::<D>()
        .map_err(Failure::Unsent)?
        .ok_or_else(|| Failure::Unsent(DomainError::internal(CONTEXT, None)))?;
    let mut conn = crate::transaction::waited(writer.acquire().instrument(span(CONTEXT)))
        .await
        .map_err(Failure::Acquire)?;
    D::Db::execute(&mut *conn, sql)
        .instrument(span(CONTEXT))
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if refused_by_its_rows(db.as_ref()) => {
                Failure::Refused(error)
            }
            _ => Failure::Lost(error),
        })?;
    Ok(())
}

/// Whether `error` is about rows the statement carried, which one of its units of
/// work may cause alone: a violated constraint, or a value the database cannot
/// take (SQLSTATE class 22).
fn refused_by_its_rows(error: &dyn sqlx::error::DatabaseError) -> bool {
    !matches!(error.kind(), sqlx::error::ErrorKind::Other)
        || error.code().is_some_and(|code| code.starts_with("22"))
}
