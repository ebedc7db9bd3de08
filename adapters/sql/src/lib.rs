//! # The DJ CRM SQL store
//!
//! One store over any SQL database with a [`Dialect`]: every query, every row
//! mapping and every write is written once here; the SQLite and PostgreSQL crates
//! supply only their dialect, migrations and connection setup.
//!
//! Reads run on the pool, or on connections the store keeps for them
//! ([`SqlStore::with_readers`]). Writes run in a [`SqlUnitOfWork`]: one transaction, opened
//! with the dialect's write statement (SQLite takes the write lock up front), which
//! appends the use case's events to the `outbox` table before it commits.

mod appends;
pub mod backup;
mod batches;
pub mod dialect;
pub mod engine;
mod error;
mod idempotency;
mod imports;
mod invitations;
mod jobs;
pub mod migrations;
mod outbox;
mod purge;
mod readers;
mod reads;
mod rows;
mod transaction;
mod unit_of_work;
mod webhooks;
mod write_batches;
mod writes;

use std::sync::Arc;

use djcrm_domain::ports::{ChangeListener, Store};
use djcrm_domain::{DomainError, LeadFilter, OrgId, PageRequest};
use sqlx::{Database, Pool};
use tracing::Instrument;

pub use dialect::{Dialect, SearchPredicate};
pub use engine::{Param, Placeholders, ReadRow, Sql, SqlDatabase};
pub use error::like_literal;
pub use readers::RECHECK_AFTER_IDLE;
/// The columns every lead read selects, for tools that send the same SQL (the
/// HTTP load benchmark's raw-database baseline).
pub use rows::LEAD_COLUMNS;
pub use transaction::SqlUnitOfWork;

use error::storage;
use readers::{ReadConnection, Readers};
use reads::lead_batches::LeadBatches;
use write_batches::WriteBatches;

/// The span of one call to the database, named by what it is for: a trace shows
/// where a request's time went without the SQL (or its values) in it.
pub(crate) fn span(context: &'static str) -> tracing::Span {
    tracing::info_span!("store", op = context)
}

/// A row of dialect `D`'s database.
pub(crate) type RowOf<D> = <<D as Dialect>::Db as Database>::Row;

/// The store. Cheap to clone: clones share the pools.
pub struct SqlStore<D: Dialect> {
    pool: Pool<D::Db>,
    /// The connections reads run on, when the store keeps its own (see
    /// `readers.rs`); otherwise reads take theirs from `pool`.
    readers: Option<Readers<D::Db>>,
    /// Lead reads waiting to go to the database together (see `lead_batches.rs`).
    lead_batches: Arc<LeadBatches>,
    /// Lone writes waiting to go to the database together (see `write_batches.rs`).
    write_batches: Arc<WriteBatches>,
    /// Where units of work get their connection: the pool itself, or a pool of its
    /// own (SQLite's one writer).
    writer: Pool<D::Db>,
    /// Whether `writer` is a pool of its own.
    own_writer: bool,
    listener: Option<Arc<dyn ChangeListener>>,
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            readers: self.readers.clone(),
            lead_batches: Arc::clone(&self.lead_batches),
            write_batches: Arc::clone(&self.write_batches),
            writer: self.writer.clone(),
            own_writer: self.own_writer,
            listener: self.listener.clone(),
        }
    }
}

impl<D: Dialect> std::fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("database", &<D::Db as Database>::NAME)
            .finish_non_exhaustive()
    }
}

/// How many batched statements (lead reads, lone writes) go to `pool` at once: as
/// many as there are cores, and at least two so one slow statement does not hold
/// the rest up; never more than it has connections: more would queue for a core
/// on either side.
fn batch_senders<DB: Database>(pool: &Pool<DB>) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let connections = usize::try_from(pool.options().get_max_connections()).unwrap_or(1);
    cores.max(2).min(connections)
}

impl<D: Dialect> SqlStore<D> {
    /// The store over a connected (and migrated) pool.
    #[must_use]
    pub fn new(pool: Pool<D::Db>) -> Self {
        let (senders, wait) = (batch_senders(&pool), pool.options().get_acquire_timeout());
        Self {
            writer: pool.clone(),
            own_writer: false,
            lead_batches: Arc::new(LeadBatches::new(senders, wait)),
            write_batches: Arc::new(WriteBatches::new(senders, wait)),
            pool,
            readers: None,
            listener: None,
        }
    }

    /// The store, opening units of work on `writer` instead. For a database with
    /// one writer at a time (SQLite), a writer pool of one connection queues the
    /// writers in order in this process, where they would otherwise poll the
    /// database's lock and sleep (measured: a p99 of 1.4 s for creating leads under
    /// 32 clients).
    #[must_use]
    pub fn with_writer(mut self, writer: Pool<D::Db>) -> Self {
        let wait = writer.options().get_acquire_timeout();
        self.write_batches = Arc::new(WriteBatches::new(batch_senders(&writer), wait));
        self.writer = writer;
        self.own_writer = true;
        self
    }

    /// The store, running reads on connections it keeps for them: as many as the
    /// pool may open, opened by it and then detached from it, so they do not count
    /// against it. A kept connection goes back without sqlx's check (a round trip
    /// per read); see `readers.rs` for when it is checked instead. Not for a
    /// database that is one connection (in-memory SQLite).
    #[must_use]
    pub fn with_readers(mut self) -> Self {
        match Readers::over(&self.pool) {
            Ok(readers) => self.readers = Some(readers),
            Err(error) => tracing::warn!(%error, "reads share the pool with units of work"),
        }
        self
    }

    /// The store, telling `listener` of every unit of work's events once they have
    /// committed (before `commit` returns).
    #[must_use]
    pub fn with_listener(mut self, listener: Arc<dyn ChangeListener>) -> Self {
        self.listener = Some(listener);
        self
    }

    /// The underlying pool, for maintenance tools, benchmarks and tests.
    #[must_use]
    pub const fn pool(&self) -> &Pool<D::Db> {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        if let Some(readers) = &self.readers {
            readers.close().await;
        }
        self.writer.close().await;
        self.pool.close().await;
    }

    /// A connection for a read, the wait for it recorded.
    async fn acquire(&self, context: &'static str) -> Result<ReadConnection<D::Db>, DomainError> {
        let started = std::time::Instant::now();
        let conn = match &self.readers {
            Some(readers) => readers.take().await.map(ReadConnection::Kept),
            None => self.pool.acquire().await.map(ReadConnection::Pooled),
        };
        metrics::histogram!("djcrm_db_pool_wait_seconds", "pool" => "read")
            .record(started.elapsed().as_secs_f64());
        conn.map_err(storage(context))
    }

    /// Connections open and idle for reads, for units of work where they have a
    /// pool of their own, and in the shared pool: for the metrics, read when they
    /// are scraped.
    #[must_use]
    pub fn connections(&self) -> Vec<(&'static str, u32, usize)> {
        let shared = (self.pool.size(), self.pool.num_idle());
        let mut pools = Vec::with_capacity(3);
        match &self.readers {
            Some(readers) => {
                let (open, idle) = readers.counts();
                pools.push(("read", open, idle));
                pools.push((
                    if self.own_writer { "other" } else { "write" },
                    shared.0,
                    shared.1,
                ));
            }
            None => pools.push(("read", shared.0, shared.1)),
        }
        if self.own_writer {
            pools.push(("write", self.writer.size(), self.writer.num_idle()));
        }
        pools
    }

    pub(crate) async fn fetch_all(
        &self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Vec<RowOf<D>>, DomainError> {
        async {
            let mut conn = self.acquire(context).await?;
            conn.run(async |conn| D::Db::fetch_all(conn, sql).await)
                .await
                .map_err(storage(context))
        }
        .instrument(span(context))
        .await
    }

    pub(crate) async fn fetch_optional(
        &self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Option<RowOf<D>>, DomainError> {
        async {
            let mut conn = self.acquire(context).await?;
            conn.run(async |conn| D::Db::fetch_optional(conn, sql).await)
                .await
                .map_err(storage(context))
        }
        .instrument(span(context))
        .await
    }

    /// The query plan of the lead listing for these arguments, one line per plan
    /// row: for benchmarks and for operators checking index use.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the database fails.
    pub async fn explain_lead_list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Vec<String>, DomainError> {
        let rows = self.run_list(D::EXPLAIN, org, filter, page).await?;
        rows.iter()
            .map(|row| row.text(D::EXPLAIN_COLUMN).map_err(storage("explaining")))
            .collect()
    }
}

impl<D: Dialect> Store for SqlStore<D> {
    type Organizations = Self;
    type Users = Self;
    type Tokens = Self;
    type Agents = Self;
    type Categories = Self;
    type Leads = Self;
    type Activities = Self;
    type Events = Self;
    type Idempotency = Self;
    type Invitations = Self;
    type Jobs = Self;
    type Webhooks = Self;
    type Imports = Self;
    type Retention = Self;
    type UnitOfWork = SqlUnitOfWork<D>;

    fn organizations(&self) -> &Self {
        self
    }
    fn users(&self) -> &Self {
        self
    }
    fn tokens(&self) -> &Self {
        self
    }
    fn agents(&self) -> &Self {
        self
    }
    fn categories(&self) -> &Self {
        self
    }
    fn leads(&self) -> &Self {
        self
    }
    fn activities(&self) -> &Self {
        self
    }
    fn events(&self) -> &Self {
        self
    }
    fn invitations(&self) -> &Self {
        self
    }
    fn jobs(&self) -> &Self {
        self
    }
    fn webhooks(&self) -> &Self {
        self
    }
    fn imports(&self) -> &Self {
        self
    }
    fn retention(&self) -> &Self {
        self
    }
    fn idempotency(&self) -> &Self {
        self
    }

    async fn begin(&self) -> Result<SqlUnitOfWork<D>, DomainError> {
        // The transaction opens at the unit of work's first statement, if it needs
        // one at all (see `transaction.rs`).
        Ok(SqlUnitOfWork::new(
            self.writer.clone(),
            Arc::clone(&self.write_batches),
            self.listener.clone(),
        ))
    }

    async fn ping(&self) -> Result<(), DomainError> {
        self.fetch_optional(Sql::new("SELECT 1 AS one"), "pinging the store")
            .await
            .map(|_| ())
    }

    async fn refresh_statistics(&self) -> Result<(), DomainError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(storage("refreshing statistics"))?;
        D::Db::execute(&mut conn, Sql::new(D::ANALYZE))
            .await
            .map_err(storage("refreshing statistics"))
    }
}
