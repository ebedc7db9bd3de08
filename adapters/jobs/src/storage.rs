//! The job storage named by `queue.url`, connected and migrated.

use std::str::FromStr;
use std::time::Duration;

use apalis_redis::ConnectionManager;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// Why the job storage could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names no storage this build has.
    #[error("unsupported queue URL {0:?}: expected sqlite:, postgres:// or redis://")]
    Unsupported(String),
    /// The database could not be reached or opened.
    #[error("cannot open the job database")]
    Database(#[source] sqlx::Error),
    /// apalis' own tables could not be created or upgraded.
    #[error("cannot set up the job tables")]
    Setup(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Redis could not be reached.
    #[error("cannot reach the job Redis")]
    Redis(#[source] apalis_redis::RedisError),
}

/// Where jobs wait. Cheap to clone.
#[derive(Clone)]
pub enum JobStorage {
    /// A SQLite file of its own (never the store's: apalis sets its own pragmas and
    /// migrations on the pool it is given, and jobs must not wait on the store's
    /// write lock).
    Sqlite(SqlitePool),
    /// PostgreSQL, in the `apalis` schema.
    Postgres(PgPool),
    /// Redis.
    Redis(ConnectionManager),
}

impl std::fmt::Debug for JobStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "JobStorage::Sqlite",
            Self::Postgres(_) => "JobStorage::Postgres",
            Self::Redis(_) => "JobStorage::Redis",
        })
    }
}

impl JobStorage {
    /// Opens the storage at `url` and creates or upgrades apalis' tables.
    ///
    /// # Errors
    /// [`StorageError`] when the URL is unsupported or the storage cannot be opened.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(StorageError::Database)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(timeout);
            // One connection: SQLite has one writer, and apalis' fetches are writes.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await
                .map_err(StorageError::Database)?;
            apalis_sqlite::SqliteStorage::<()>::setup(&pool)
                .await
                .map_err(|e| StorageError::Setup(Box::new(e)))?;
            return Ok(Self::Sqlite(pool));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(StorageError::Database)?;
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await
                .map_err(StorageError::Database)?;
            apalis_postgres::PostgresStorage::<()>::setup(&pool)
                .await
                .map_err(|e| StorageError::Setup(Box::new(e)))?;
            return Ok(Self::Postgres(pool));
        }
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            let connection = apalis_redis::connect(url)
                .await
                .map_err(StorageError::Redis)?;
            return Ok(Self::Redis(connection));
        }
        Err(StorageError::Unsupported(url.to_owned()))
    }
}
