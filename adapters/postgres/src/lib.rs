//! # DJ CRM on PostgreSQL
//!
//! The production store. It implements every repository port of
//! [`djcrm_domain::ports`] with sqlx, and passes the same contract suite as the
//! SQLite store. Each pooled connection carries a `statement_timeout`, so a runaway
//! query cannot hold a connection forever; lead changes and their activity rows are
//! written in one transaction, and the optimistic version check in the `UPDATE`
//! makes concurrent writers queue on the row lock rather than overwrite each other.

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
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use error::ConnectError;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// How to connect.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/database`.
    pub url: String,
    /// Most pooled connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
    /// The longest a single statement may run.
    pub statement_timeout: Duration,
    /// Apply pending migrations when connecting.
    pub migrate: bool,
}

impl PostgresOptions {
    /// Defaults for `url`: 10 connections, 5 s acquire timeout, 30 s statement
    /// timeout, migrations applied.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            migrate: true,
        }
    }
}

/// The PostgreSQL store. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects (failing fast when the server is unreachable or refuses us) and,
    /// unless disabled, migrates.
    ///
    /// # Errors
    /// [`ConnectError`] naming what is wrong: URL, connection or credentials,
    /// migrations, or a schema newer than this binary.
    pub async fn connect(options: &PostgresOptions) -> Result<Self, ConnectError> {
        let timeout_ms = options.statement_timeout.as_millis().to_string();
        let connect = PgConnectOptions::from_str(&options.url)
            .map_err(|e| ConnectError::Url(e.to_string()))?
            .application_name("djcrm")
            .options([("statement_timeout", timeout_ms.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| ConnectError::Connect(e.to_string()))?;
        let store = Self { pool };
        if options.migrate {
            store.migrate().await?;
        } else {
            store.check_schema().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// [`ConnectError::SchemaTooNew`] when the database has migrations this binary
    /// does not know; [`ConnectError::Migrate`] when a migration fails.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMissing(version) => {
                ConnectError::SchemaTooNew(format!("it has migration {version}"))
            }
            other => ConnectError::Migrate(other.to_string()),
        })
    }

    /// Fails when the database has migrations this binary does not know.
    async fn check_schema(&self) -> Result<(), ConnectError> {
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _crm_migrations")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        match applied
            .iter()
            .find(|v| !MIGRATOR.iter().any(|m| m.version == **v))
        {
            Some(unknown) => Err(ConnectError::SchemaTooNew(format!(
                "it has migration {unknown}"
            ))),
            None => Ok(()),
        }
    }

    /// The underlying pool, for maintenance tools, benchmarks and tests.
    #[must_use]
    pub const fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Store for PostgresStore {
    djcrm_adapter_sql::store_is_every_repository!();

    async fn ping(&self) -> Result<(), DomainError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(error::storage)
    }
}
