//! # DJ CRM on PostgreSQL
//!
//! The production store: the one SQL store of `djcrm-adapter-sql` with the
//! PostgreSQL dialect, the migrations and the connection setup. Each pooled
//! connection carries a `statement_timeout`, so a runaway query cannot hold a
//! connection forever, and runs without JIT (costly to compile for the short
//! queries of a CRM; see the decision record); units of work lock the rows they
//! change (`FOR UPDATE`), and outbox readers are fenced from writers in flight
//! (see [`PostgresDialect`]).

pub mod backup;
mod dialect;
mod error;
#[cfg(target_os = "linux")]
pub mod nagle;

use std::str::FromStr;
use std::time::Duration;

use djcrm_adapter_sql::{RECHECK_AFTER_IDLE, SqlStore};
use sqlx::Connection;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use dialect::{OUTBOX_FENCE, PostgresDialect};
pub use error::ConnectError;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<PostgresDialect>;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// How to connect.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/database`.
    pub url: String,
    /// Most connections for reads, and as many again for units of work and
    /// maintenance (the store keeps its read connections apart; see
    /// `SqlStore::with_readers`).
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
    /// The longest a single statement may run.
    pub statement_timeout: Duration,
    /// How long a connection may sit idle before it is closed (read connections
    /// and the pool's alike), so a burst does not hold its sessions for good.
    pub idle_timeout: Duration,
    /// Apply pending migrations when connecting.
    pub migrate: bool,
}

impl PostgresOptions {
    /// Defaults for `url`: 10 connections, 5 s acquire timeout, 30 s statement
    /// timeout, connections idle for 10 minutes closed, migrations applied.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(600),
            migrate: true,
        }
    }
}

/// Connects (failing fast when the server is unreachable or refuses us) and,
/// unless disabled, migrates.
///
/// # Errors
/// [`ConnectError`] naming what is wrong: URL, connection or credentials,
/// migrations, or a schema newer than this binary.
pub async fn connect(options: &PostgresOptions) -> Result<PostgresStore, ConnectError> {
    let timeout_ms = options.statement_timeout.as_millis().to_string();
    let connect = PgConnectOptions::from_str(&options.url)
        .map_err(ConnectError::Url)?
        .application_name("djcrm")
        // No JIT: it compiles any query the planner thinks costly, 20-40 ms each
        // time, where the dashboard's statistics run in 10-40 ms without it.
        .options([("statement_timeout", timeout_ms.as_str()), ("jit", "off")]);
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout)
        .idle_timeout(options.idle_timeout)
        // sqlx checks a connection with a round trip when it goes back to the pool;
        // checking it again when it is taken (its default) cost every read a third
        // round trip. Only a connection idle for a while is checked again (the
        // server may have dropped it meanwhile), as HikariCP does.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RECHECK_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(|conn, _| {
            Box::pin(async move {
                #[cfg(target_os = "linux")]
                match nagle::disable(conn).await {
                    Ok(nagle::Nagle::Off | nagle::Nagle::NotTcp) => {}
                    Ok(nagle::Nagle::NotFound) => tracing::debug!(
                        "the connection's socket was not found; Nagle's algorithm stays on"
                    ),
                    Err(error) => tracing::warn!(error = %djcrm_domain::chain(&error),
                        "Nagle's algorithm stays on for a database connection"),
                }
                Ok(())
            })
        })
        .connect_with(connect)
        .await
        .map_err(ConnectError::Connect)?;
    let store = SqlStore::new(pool).with_readers();
    if options.migrate {
        migrate(&store).await?;
    } else {
        check_schema(&store).await?;
    }
    Ok(store)
}

/// This binary's migrations, each marked applied or pending, and any the database
/// has that this binary does not know.
///
/// # Errors
/// [`ConnectError::Connect`] when the database cannot be read.
pub async fn migration_status(
    store: &PostgresStore,
) -> Result<Vec<djcrm_adapter_sql::migrations::MigrationState>, ConnectError> {
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('_crm_migrations')::text")
        .fetch_one(store.pool())
        .await
        .map_err(ConnectError::Connect)?;
    let applied: Vec<i64> = if exists.is_some() {
        sqlx::query_scalar("SELECT version FROM _crm_migrations WHERE success")
            .fetch_all(store.pool())
            .await
            .map_err(ConnectError::Connect)?
    } else {
        Vec::new()
    };
    Ok(djcrm_adapter_sql::migrations::states(&MIGRATOR, &applied))
}

/// Applies pending migrations.
///
/// # Errors
/// [`ConnectError::SchemaTooNew`] when the database has migrations this binary
/// does not know; [`ConnectError::Migrate`] when a migration fails.
pub async fn migrate(store: &PostgresStore) -> Result<(), ConnectError> {
    MIGRATOR.run(store.pool()).await.map_err(|e| match e {
        MigrateError::VersionMissing(version) => {
            ConnectError::SchemaTooNew(format!("it has migration {version}"))
        }
        other => ConnectError::Migrate(other),
    })
}

/// Fails when the database has migrations this binary does not know.
async fn check_schema(store: &PostgresStore) -> Result<(), ConnectError> {
    let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _crm_migrations")
        .fetch_all(store.pool())
        .await
    {
        Ok(applied) => applied,
        // A database never migrated has no bookkeeping table: nothing applied yet.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P01") => Vec::new(),
        Err(other) => return Err(ConnectError::Connect(other)),
    };
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
