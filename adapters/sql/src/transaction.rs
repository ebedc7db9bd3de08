//! How a unit of work talks to the database: its transaction opens at the first
//! statement it must send; new leads, history and events are held and go with
//! that statement or at commit, or, when they make one statement and nothing else
//! was sent, as that statement alone (see `appends.rs`), with other units of work
//! doing the same at the time (see `write_batches.rs`); and a commit, once asked
//! for, runs to its end.

use std::sync::Arc;

use djcrm_domain::ports::ChangeListener;
use djcrm_domain::{DomainError, Event};
use sqlx::{Pool, Transaction};
use tracing::Instrument;

use crate::appends::Held;
use crate::engine::SqlDatabase;
use crate::error::storage;
use crate::write_batches::{self, WriteBatches};
use crate::{Dialect, span};

/// A unit of work of a [`SqlStore`](crate::SqlStore). Its transaction opens at
/// the first statement it must send; new leads, history and events are held and
/// go with the next statement or at commit (see `appends.rs`). Dropped without
/// [`commit`](UnitOfWork::commit), it writes nothing: what was sent rolls back,
/// what was held is discarded.
pub struct SqlUnitOfWork<D: Dialect> {
    writer: Pool<D::Db>,
    /// Lone writes waiting to go to the database together.
    writes: Arc<WriteBatches>,
    tx: Option<Transaction<'static, D::Db>>,
    listener: Option<Arc<dyn ChangeListener>>,
    /// Rows not yet written.
    held: Held,
    /// The events appended, for the listener once they have committed.
    events: Vec<Event>,
}

impl<D: Dialect> SqlUnitOfWork<D> {
    pub(crate) fn new(
        writer: Pool<D::Db>,
        writes: Arc<WriteBatches>,
        listener: Option<Arc<dyn ChangeListener>>,
    ) -> Self {
        Self {
            writer,
            writes,
            tx: None,
            listener,
            held: Held::default(),
            events: Vec::new(),
        }
    }

    /// The open transaction's connection, every held row written: for the
    /// statements of this module and the writes kept in others.
    pub(crate) async fn conn(
        &mut self,
    ) -> Result<&mut <D::Db as sqlx::Database>::Connection, DomainError> {
        let tx = match self.tx.take() {
            Some(tx) => self.tx.insert(tx),
            None => {
                let context = "opening a write transaction";
                // The BEGIN's round trip counts as part of the wait.
                let begin = self.writer.begin_with(D::BEGIN_WRITE);
                let tx = waited(begin.instrument(span(context))).await;
                self.tx.insert(tx.map_err(storage(context))?)
            }
        };
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            for sql in held.statements::<D>()? {
                D::Db::execute(&mut **tx, sql)
                    .instrument(span("writing held rows"))
                    .await
                    .map_err(held.on_error())?;
            }
        }
        Ok(&mut **tx)
    }

    /// Holds rows to write with the next statement or at commit.
    pub(crate) fn hold(&mut self, add: impl FnOnce(&mut Held)) {
        add(&mut self.held);
    }

    /// Holds `event`, and remembers it for the listener.
    pub(crate) fn hold_event(&mut self, event: &Event) {
        self.held.events.push(event.clone());
        if self.listener.is_some() {
            self.events.push(event.clone());
        }
    }

    /// Sends the held rows as the whole transaction when they make one statement
    /// and nothing was sent before (with other units of work doing the same at
    /// the time, see `write_batches.rs`); whether it did.
    async fn commit_alone(&mut self) -> Result<bool, DomainError> {
        if self.tx.is_some() || !self.held.fit_alone::<D>() {
            return Ok(false);
        }
        let held = std::mem::take(&mut self.held);
        write_batches::write_lone::<D>(&self.writes, &self.writer, held).await?;
        Ok(true)
    }

    /// Writes what is held, commits, and tells the listener.
    pub(crate) async fn finish(mut self) -> Result<(), DomainError> {
        if !self.commit_alone().await? && (self.tx.is_some() || !self.held.is_empty()) {
            self.conn().await?;
            if let Some(tx) = self.tx.take() {
                tx.commit()
                    .instrument(span("committing a transaction"))
                    .await
                    .map_err(storage("committing a transaction"))?;
            }
        }
        if let Some(listener) = &self.listener {
            listener.committed(&self.events).await;
        }
        Ok(())
    }
}

/// Awaits `acquire` (the writer's connection), recording the wait.
pub(crate) async fn waited<T>(acquire: impl Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let acquired = acquire.await;
    metrics::histogram!("djcrm_db_pool_wait_seconds", "pool" => "write")
        .record(started.elapsed().as_secs_f64());
    acquired
}
