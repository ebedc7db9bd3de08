//! # DJ CRM on SQLite
//!
//! The embedded default store: one file, no server. The store itself is the one SQL
//! store of `djcrm-adapter-sql`; this crate holds the SQLite dialect, the migrations
//! and the connection setup.
//!
//! Each connection is opened with WAL journaling, foreign keys on, a busy timeout and
//! `synchronous = NORMAL` (safe with WAL). Every unit of work is a `BEGIN IMMEDIATE`
//! transaction, which takes the write lock up front so concurrent writers queue on
//! the busy timeout instead of failing mid-transaction.

pub mod backup;
mod dialect;
mod error;

use std::str::FromStr;
use std::time::Duration;

use djcrm_adapter_sql::SqlStore;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use dialect::SqliteDialect;
pub use error::ConnectError;

/// The store on SQLite.
pub type SqliteStore = SqlStore<SqliteDialect>;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How to open the database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `sqlite://path/to/file.db` or `sqlite::memory:`.
    pub url: String,
    /// Most connections for reads (a file database also keeps one writer, and
    /// opens more for maintenance as it needs them).
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

/// Opens (creating if missing) the database and, unless disabled, migrates it.
///
/// # Errors
/// [`ConnectError`] when the URL is invalid, the file cannot be opened, or the
/// schema cannot be brought up to date (including a schema newer than this binary).
pub async fn connect(options: &SqliteOptions) -> Result<SqliteStore, ConnectError> {
    let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
    let connect = SqliteConnectOptions::from_str(&options.url)
        .map_err(ConnectError::Url)?
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
    let pool_of = |max: u32| {
        SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(u32::from(in_memory))
            .idle_timeout((!in_memory).then_some(Duration::from_secs(600)))
            .max_lifetime((!in_memory).then_some(Duration::from_secs(1800)))
    };
    // Each reader keeps a page cache of its own: 1 MiB instead of SQLite's 2 MiB
    // (the operating system caches the file for all of them).
    let pool = pool_of(max)
        .connect_with(connect.clone().pragma("cache_size", "-1024"))
        .await
        .map_err(ConnectError::Open)?;
    let store = if in_memory {
        SqlStore::new(pool)
    } else {
        // SQLite has one writer at a time: they wait their turn here, in order.
        let writer = pool_of(1)
            .connect_with(connect)
            .await
            .map_err(ConnectError::Open)?;
        SqlStore::new(pool).with_writer(writer).with_readers()
    };
    if options.migrate {
        migrate(&store).await?;
    }
    Ok(store)
}

/// This binary's migrations, each marked applied or pending, and any the database
/// has that this binary does not know.
///
/// # Errors
/// [`ConnectError::Open`] when the database cannot be read.
pub async fn migration_status(
    store: &SqliteStore,
) -> Result<Vec<djcrm_adapter_sql::migrations::MigrationState>, ConnectError> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_crm_migrations'",
    )
    .fetch_optional(store.pool())
    .await
    .map_err(ConnectError::Open)?;
    let applied: Vec<i64> = if exists.is_some() {
        sqlx::query_scalar("SELECT version FROM _crm_migrations WHERE success")
            .fetch_all(store.pool())
            .await
            .map_err(ConnectError::Open)?
    } else {
        Vec::new()
    };
    Ok(djcrm_adapter_sql::migrations::states(&MIGRATOR, &applied))
}

/// Applies pending migrations.
///
/// # Errors
/// [`ConnectError::Migrate`] when a migration fails or the database has
/// migrations this binary does not know (it is newer).
pub async fn migrate(store: &SqliteStore) -> Result<(), ConnectError> {
    MIGRATOR
        .run(store.pool())
        .await
        .map_err(ConnectError::Migrate)
}
