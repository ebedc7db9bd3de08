//! Building and running the server from [`Settings`]: the one path used by
//! `djcrm serve`, by `djcrm-admin` and by the end-to-end tests.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use djcrm_adapter_argon2::Argon2Hasher;
use djcrm_adapter_http::connections::{ConnectionLimits, GuardedAcceptor};
use djcrm_adapter_http::{HttpSettings, app};
use djcrm_adapter_postgres::{PostgresOptions, PostgresStore};
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};
use djcrm_application::{Crm, CrmSettings, SystemClock};
use djcrm_domain::ports::Store;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::config::{Settings, redact_url};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database URL names a backend this build does not have.
    #[error("unsupported database URL {0:?}: expected sqlite://... or postgres://...")]
    UnsupportedDatabase(String),
    /// The SQLite store could not be opened or migrated.
    #[error(transparent)]
    Sqlite(#[from] djcrm_adapter_sqlite::ConnectError),
    /// The PostgreSQL store could not be reached or migrated.
    #[error(transparent)]
    Postgres(#[from] djcrm_adapter_postgres::ConnectError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
}

/// The stores this build can run on, picked by the database URL's scheme.
pub enum AnyStore {
    /// `sqlite://...`
    Sqlite(SqliteStore),
    /// `postgres://...` or `postgresql://...`
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens the store named by the settings, migrating it when `migrate` is set.
    ///
    /// # Errors
    /// [`StartError`] when the URL is unsupported or the store cannot be opened.
    pub async fn connect(settings: &Settings, migrate: bool) -> Result<Self, StartError> {
        let db = &settings.database;
        if db.url.starts_with("sqlite:") {
            let options = SqliteOptions {
                url: db.url.clone(),
                max_connections: db.max_connections,
                busy_timeout: Duration::from_millis(db.busy_timeout_ms),
                migrate,
            };
            return Ok(Self::Sqlite(djcrm_adapter_sqlite::connect(&options).await?));
        }
        if db.url.starts_with("postgres://") || db.url.starts_with("postgresql://") {
            let options = PostgresOptions {
                url: db.url.clone(),
                max_connections: db.max_connections,
                acquire_timeout: Duration::from_millis(db.acquire_timeout_ms),
                statement_timeout: Duration::from_millis(db.statement_timeout_ms),
                migrate,
            };
            return Ok(Self::Postgres(
                djcrm_adapter_postgres::connect(&options).await?,
            ));
        }
        Err(StartError::UnsupportedDatabase(redact_url(&db.url)))
    }
}

/// The use cases over `store`, with the production hasher and clock.
pub fn crm<S: Store>(store: S, settings: &Settings) -> Crm<S> {
    let crm_settings = CrmSettings {
        token_ttl: TimeDelta::hours(i64::from(settings.auth.token_ttl_hours)),
    };
    Crm::new(
        store,
        Arc::new(Argon2Hasher),
        Arc::new(SystemClock),
        crm_settings,
    )
}

type ServerFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// A bound, ready-to-run server.
pub struct Application {
    addr: SocketAddr,
    server: ServerFuture,
}

impl Application {
    /// Opens the store, binds the listener and prepares the server; it stops
    /// accepting when `shutdown` completes and then drains in-flight requests.
    ///
    /// # Errors
    /// [`StartError`] when the store cannot be opened or the address bound.
    pub async fn build(
        settings: &Settings,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Self, StartError> {
        let store = AnyStore::connect(settings, settings.database.migrate_on_start).await?;
        match store {
            AnyStore::Sqlite(store) => Self::launch(store, settings, shutdown).await,
            AnyStore::Postgres(store) => Self::launch(store, settings, shutdown).await,
        }
    }

    async fn launch<S: Store + Closable>(
        store: S,
        settings: &Settings,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Self, StartError> {
        let crm = Arc::new(crm(store, settings));
        let http = HttpSettings {
            body_limit: settings.http.body_limit_bytes,
            cors_allowed_origins: settings.http.cors_allowed_origins.clone(),
        };
        let endpoint = app(crm.clone(), http);
        let bind = settings.http.bind;
        let acceptor = TcpListener::bind(bind)
            .into_acceptor()
            .await
            .map_err(|source| StartError::Bind { addr: bind, source })?;
        let limits = ConnectionLimits {
            max_connections: settings.http.max_connections,
            header_read_timeout: Duration::from_millis(settings.http.header_read_timeout_ms),
        };
        let acceptor = GuardedAcceptor::new(acceptor, limits);
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .unwrap_or(bind);
        let grace = Duration::from_secs(settings.http.shutdown_grace_seconds);
        let idle = Duration::from_secs(settings.http.idle_timeout_seconds);
        let server = Box::pin(async move {
            let result = Server::new_with_acceptor(acceptor)
                .idle_timeout(idle)
                .run_with_graceful_shutdown(endpoint, shutdown, Some(grace))
                .await;
            crm.store().close().await;
            result
        });
        Ok(Self { addr, server })
    }

    /// The address actually bound (useful with port 0).
    #[must_use]
    pub const fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the shutdown future completes.
    ///
    /// # Errors
    /// When the server fails to accept connections.
    pub async fn run(self) -> io::Result<()> {
        self.server.await
    }
}

/// A store that can release its resources when the server stops.
pub trait Closable {
    /// Closes connections, flushing what needs flushing.
    fn close(&self) -> impl Future<Output = ()> + Send;
}

impl<D: djcrm_adapter_sql::Dialect> Closable for djcrm_adapter_sql::SqlStore<D> {
    async fn close(&self) {
        djcrm_adapter_sql::SqlStore::close(self).await;
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
