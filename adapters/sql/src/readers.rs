//! The connections reads run on: taken and given back without a round trip.
//!
//! sqlx's pool pings every connection as it goes back to the pool, its guard
//! against a query cancelled half-way. For a read that ping is a second round trip
//! to the database, as costly as the query: a profile of lead reads under load put
//! 16% of the server's time in it. Readers kept here go back as they are. One whose
//! last use did not finish (its future was dropped, its query failed, a transaction
//! was left behind) is pinged when next taken, which drains what the server still
//! had to say and sends a dropped transaction's rollback; so is one idle for a
//! while, which the server may have closed meanwhile.
//!
//! Readers are opened by the store's sqlx pool (so its connection setup applies)
//! and detached from it: the pool stays free for units of work and maintenance.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use deadpool::Runtime;
use deadpool::managed::{
    self, BuildError, Metrics, Object, PoolError, RecycleError, RecycleResult, Timeouts, WeakPool,
};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool};
use tokio::runtime::Handle;
use tokio::time::MissedTickBehavior;

/// How long a connection may sit idle and still be handed out unchecked (the
/// PostgreSQL store's pool uses it too; HikariCP skips its check within 500 ms).
pub const RECHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A kept connection and whether its last use finished.
pub(crate) struct Reader<DB: Database> {
    conn: DB::Connection,
    /// Set while in use; still set when taken again, the last use was cut short.
    unfinished: bool,
    /// When its last use finished.
    used: Instant,
}

/// Opens readers from the sqlx pool and checks them before reuse.
pub(crate) struct Opener<DB: Database> {
    pool: Pool<DB>,
    /// How long a reader lives before it is replaced: the pool's own lifetime for
    /// its connections, so server-side memory a session accumulates is let go.
    max_lifetime: Option<Duration>,
}

impl<DB: Database> managed::Manager for Opener<DB> {
    type Type = Reader<DB>;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Reader<DB>, sqlx::Error> {
        let conn = self.pool.acquire().await?.detach();
        Ok(Reader {
            conn,
            unfinished: false,
            used: Instant::now(),
        })
    }

    async fn recycle(
        &self,
        reader: &mut Reader<DB>,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if self
            .max_lifetime
            .is_some_and(|lifetime| metrics.age() >= lifetime)
        {
            return Err(RecycleError::message("past its lifetime"));
        }
        if reader.unfinished || reader.used.elapsed() >= RECHECK_AFTER_IDLE {
            reader.conn.ping().await?;
            reader.unfinished = false;
        }
        Ok(())
    }
}

/// The kept readers of one store. Cheap to clone: clones share the readers.
pub(crate) struct Readers<DB: Database> {
    kept: managed::Pool<Opener<DB>>,
}

impl<DB: Database> Clone for Readers<DB> {
    fn clone(&self) -> Self {
        Self {
            kept: self.kept.clone(),
        }
    }
}

impl<DB: Database> Readers<DB> {
    /// As many readers as `pool` may open connections, each waited for (and
    /// checked) no longer than `pool` waits for one, and closed once idle as long
    /// as `pool` lets its own connections idle.
    ///
    /// # Errors
    /// When deadpool refuses the settings (timeouts without a runtime).
    pub(crate) fn over(pool: &Pool<DB>) -> Result<Self, BuildError> {
        let options = pool.options();
        let wait = Some(options.get_acquire_timeout());
        let max = usize::try_from(options.get_max_connections().max(1)).unwrap_or(1);
        let opener = Opener {
            pool: pool.clone(),
            max_lifetime: options.get_max_lifetime(),
        };
        let kept = managed::Pool::builder(opener)
            .max_size(max)
            .timeouts(Timeouts {
                wait,
                create: wait,
                recycle: wait,
            })
            .runtime(Runtime::Tokio1)
            .build()?;
        if let Some(idle) = options.get_idle_timeout() {
            match Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(close_idle(kept.weak(), idle))),
                Err(_) => tracing::warn!(
                    "no runtime to close idle read connections; they last their lifetime"
                ),
            }
        }
        Ok(Self { kept })
    }

    /// A reader, checked if its last use was cut short or it sat idle.
    pub(crate) async fn take(&self) -> Result<Object<Opener<DB>>, sqlx::Error> {
        // On the heap: with its create and recycle steps inside, the wait is a
        // large future, and every read would carry it on its caller's stack.
        Box::pin(self.kept.get())
            .await
            .map_err(|error| match error {
                PoolError::Backend(error) => error,
                PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
                PoolError::Closed
                | PoolError::NoRuntimeSpecified
                | PoolError::PostCreateHook(_) => sqlx::Error::PoolClosed,
            })
    }

    /// Readers open and idle, for the metrics.
    pub(crate) fn counts(&self) -> (u32, usize) {
        let status = self.kept.status();
        (
            u32::try_from(status.size).unwrap_or(u32::MAX),
            status.available,
        )
    }

    /// Closes the idle readers, telling the server; readers in use are dropped
    /// when they come back.
    pub(crate) async fn close(&self) {
        // Taken out first: closing the pool drops them without a goodbye.
        let idle = self.kept.retain(|_, _| false).removed;
        self.kept.close();
        say_goodbye(idle).await;
    }
}

/// Closes the readers of `kept` idle for `idle` or longer, checking twice as often,
/// as sqlx's pool closes its own: a burst of reads does not keep its sessions open
/// for good. Ends with the readers' pool.
async fn close_idle<DB: Database>(kept: WeakPool<Opener<DB>>, idle: Duration) {
    let mut ticks = tokio::time::interval((idle / 2).max(Duration::from_millis(100)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(readers) = kept.upgrade() else {
            return;
        };
        if readers.is_closed() {
            return;
        }
        let idle = readers
            .retain(|reader, _| reader.used.elapsed() < idle)
            .removed;
        // Not held while saying goodbye: the store may be dropped meanwhile.
        drop(readers);
        say_goodbye(idle).await;
    }
}

/// Closes `readers`, telling the server.
async fn say_goodbye<DB: Database>(readers: Vec<Reader<DB>>) {
    for reader in readers {
        // The server ends the session either way; a failed goodbye changes nothing.
        let _ = reader.conn.close().await;
    }
}

/// A connection a read runs on: kept, or from the sqlx pool where the store keeps
/// none (an in-memory SQLite database is one connection, which cannot be kept).
pub(crate) enum ReadConnection<DB: Database> {
    Kept(Object<Opener<DB>>),
    Pooled(PoolConnection<DB>),
}

impl<DB: Database> ReadConnection<DB> {
    /// Runs `read` on the connection, marked in use until `read` succeeds: one cut
    /// short or failed leaves the mark, and the connection is checked before its
    /// next use.
    pub(crate) async fn run<T, E>(
        &mut self,
        read: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Self::Kept(reader) = self {
            reader.unfinished = true;
        }
        let outcome = read(&mut **self).await;
        if let (Self::Kept(reader), Ok(_)) = (self, &outcome) {
            reader.unfinished = false;
            reader.used = Instant::now();
        }
        outcome
    }
}

impl<DB: Database> Deref for ReadConnection<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Self::Kept(reader) => &reader.conn,
            Self::Pooled(conn) => conn,
        }
    }
}

impl<DB: Database> DerefMut for ReadConnection<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Self::Kept(reader) => &mut reader.conn,
            Self::Pooled(conn) => conn,
        }
    }
}
