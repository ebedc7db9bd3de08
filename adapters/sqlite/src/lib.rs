//! # DJ CRM on SQLite
//!
//! The embedded default store: one file, no server. It implements every repository
//! port of [`djcrm_domain::ports`] with sqlx.
//!
//! Each connection is opened with WAL journaling, foreign keys on, a busy timeout and
//! `synchronous = NORMAL` (safe with WAL). Every write of more than one row runs in
//! a `BEGIN IMMEDIATE` transaction, which takes the write lock up front so concurrent
//! writers queue on the busy timeout instead of failing mid-transaction.

mod activities;
mod agents;
mod categories;
mod error;
mod leads;
mod organizations;
mod tokens;
mod users;

use std::str::FromStr;
use std::time::Duration;

use djcrm_domain::DomainError;
use djcrm_domain::ports::Store;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use error::ConnectError;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How to open the database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `sqlite://path/to/file.db` or `sqlite::memory:`.
    pub url: String,
    /// Most connections held at once.
    pub max_connections: u32,
    /// How long a writer waits for the write lock before failing.
    pub busy_timeout: Duration,
    /// Apply pending migrations when connecting.
    pub migrate: bool,
}

impl SqliteOptions {
    /// Defaults for `url`: 8 connections, 5 s busy timeout, migrations applied.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            migrate: true,
        }
    }
}

/// The SQLite store. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database and, unless disabled, migrates it.
    ///
    /// # Errors
    /// [`ConnectError`] when the URL is invalid, the file cannot be opened, or the
    /// schema cannot be brought up to date (including a schema newer than this binary).
    pub async fn connect(options: &SqliteOptions) -> Result<Self, ConnectError> {
        let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
        let connect = SqliteConnectOptions::from_str(&options.url)
            .map_err(|e| ConnectError::Url(e.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal);
        // Every connection to `:memory:` is its own empty database: keep exactly one.
        let max = if in_memory {
            1
        } else {
            options.max_connections.max(1)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if in_memory {
                None
            } else {
                Some(Duration::from_secs(1800))
            })
            .connect_with(connect)
            .await
            .map_err(|e| ConnectError::Open(e.to_string()))?;
        let store = Self { pool };
        if options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// [`ConnectError::Migrate`] when a migration fails or the database has
    /// migrations this binary does not know (it is newer).
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| ConnectError::Migrate(e.to_string()))
    }

    /// The underlying pool, for maintenance tools and tests.
    #[must_use]
    pub const fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Store for SqliteStore {
    djcrm_adapter_sql::store_is_every_repository!();

    async fn ping(&self) -> Result<(), DomainError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(error::storage)
    }
}
