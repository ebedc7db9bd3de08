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
use djcrm_adapter_http::metrics::MetricsRoute;
use djcrm_adapter_http::rate_limit::EdgeLimits;
use djcrm_adapter_http::{HttpSettings, app, observe};
use djcrm_adapter_memory::{MemoryCache, MemoryRateLimiter};
use djcrm_adapter_postgres::{PostgresOptions, PostgresStore};
use djcrm_adapter_redis::{Redis, RedisCache, RedisRateLimiter, RedisSettings};
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};
use djcrm_adapter_web::{AuthLimit, WebSettings};
use djcrm_application::cache::Invalidation;
use djcrm_application::{Crm, CrmSettings, Limits, Ports, SystemClock};
use djcrm_domain::ports::{Cache, Quota, RateLimiter, Store};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, IntoResponse, Request, Response, Server};

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
    /// The cache (Redis) settings are unusable.
    #[error(transparent)]
    Cache(#[from] djcrm_adapter_redis::RedisError),
    /// The job queue or the mailer could not be set up.
    #[error(transparent)]
    Background(#[from] crate::background::BackgroundError),
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
                max_connections: db.max_connections,
                acquire_timeout: Duration::from_millis(db.acquire_timeout_ms),
                statement_timeout: Duration::from_millis(db.statement_timeout_ms),
                migrate,
                ..PostgresOptions::new(db.url.clone())
            };
            return Ok(Self::Postgres(
                djcrm_adapter_postgres::connect(&options).await?,
            ));
        }
        Err(StartError::UnsupportedDatabase(redact_url(&db.url)))
    }

    /// The store, telling `shared`'s cache of every committed change, so nothing
    /// cached outlives what a change made stale.
    #[must_use]
    pub fn listening(self, shared: &Shared) -> Self {
        let invalidation = Arc::new(Invalidation::new(shared.cache.clone()));
        match self {
            Self::Sqlite(store) => Self::Sqlite(store.with_listener(invalidation)),
            Self::Postgres(store) => Self::Postgres(store.with_listener(invalidation)),
        }
    }
}

/// Where rate limits are counted and values cached: this process (`memory://`) or
/// one Redis shared by every instance.
#[derive(Clone)]
pub struct Shared {
    /// The rate limiter.
    pub limiter: Arc<dyn RateLimiter>,
    /// The cache.
    pub cache: Arc<dyn Cache>,
}

impl Shared {
    /// The limiter and cache named by `cache.url`.
    ///
    /// # Errors
    /// [`StartError::Cache`] when the Redis settings are unusable (an unreachable
    /// Redis is not an error: it is used once it answers).
    pub fn connect(settings: &Settings) -> Result<Self, StartError> {
        let cache = &settings.cache;
        if cache.url.starts_with("memory:") {
            return Ok(Self {
                limiter: Arc::new(MemoryRateLimiter::new()),
                cache: Arc::new(MemoryCache::new(cache.max_mib.saturating_mul(1 << 20))),
            });
        }
        let redis = Redis::new(&RedisSettings {
            url: cache.url.clone(),
            prefix: cache.prefix.clone(),
            timeout: Duration::from_millis(cache.timeout_ms),
            max_connections: cache.max_connections,
        })?;
        Ok(Self {
            limiter: Arc::new(RedisRateLimiter::new(redis.clone())),
            cache: Arc::new(RedisCache::new(redis)),
        })
    }
}

/// The use cases over `store`, with the production hasher and clock and `shared`.
/// The store must tell `shared.cache` of committed changes: see [`AnyStore::listening`].
pub fn crm<S: Store>(store: S, settings: &Settings, shared: Shared) -> Crm<S> {
    let fifteen_minutes = Duration::from_secs(15 * 60);
    let attempts = Quota::new(
        settings.rate_limit.login_failures_per_15_min,
        fifteen_minutes,
    );
    let crm_settings = CrmSettings {
        token_ttl: TimeDelta::hours(i64::from(settings.auth.token_ttl_hours)),
        limits: Limits {
            login_failures: attempts,
            signups_per_email: attempts,
            password_resets_per_email: Quota::new(
                settings.rate_limit.password_resets_per_15_min,
                fifteen_minutes,
            ),
            fail_open: settings.rate_limit.login_fail_open,
        },
        invitation_ttl: TimeDelta::hours(i64::from(settings.auth.invitation_ttl_hours)),
        reset_ttl: TimeDelta::minutes(i64::from(settings.auth.password_reset_ttl_minutes)),
    };
    let hasher = Argon2Hasher::new(
        settings.auth.password_hash_concurrency,
        Duration::from_millis(settings.auth.password_hash_wait_ms),
    );
    let ports = Ports {
        hasher: Arc::new(hasher),
        clock: Arc::new(SystemClock),
        limiter: shared.limiter,
        cache: shared.cache,
    };
    Crm::new(store, ports, crm_settings)
}

/// The edge's rate limits, counted by `limiter`.
#[must_use]
pub fn edge_limits(settings: &Settings, limiter: Arc<dyn RateLimiter>) -> EdgeLimits {
    let limits = &settings.rate_limit;
    EdgeLimits {
        limiter,
        api: Quota::per_minute(limits.api_per_minute),
        auth: Quota::per_minute(limits.auth_per_minute),
        api_fail_open: limits.api_fail_open,
        auth_fail_open: limits.login_fail_open,
    }
}

/// The API and the web UI on one listener: `/api/…` and the probes go to the API
/// (problem+json errors), every other path to the UI (HTML pages).
struct Beside<A, U> {
    api: A,
    ui: U,
    trace_id: Option<observe::TraceId>,
}

impl<A: Endpoint, U: Endpoint> Endpoint for Beside<A, U> {
    type Output = Response;

    async fn call(&self, request: Request) -> poem::Result<Response> {
        let path = request.uri().path();
        if djcrm_adapter_web::serves(path) {
            // One metrics label per kind, so scanners cannot grow the series.
            let route = if path.starts_with("/assets/") {
                "ui asset"
            } else {
                "ui page"
            };
            Ok(observe::observe_other(&self.ui, request, route, self.trace_id).await)
        } else {
            self.api
                .call(request)
                .await
                .map(IntoResponse::into_response)
        }
    }
}

type ServerFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// A bound, ready-to-run server.
pub struct Application {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
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
        let shared = Shared::connect(settings)?;
        let store = AnyStore::connect(settings, settings.database.migrate_on_start)
            .await?
            .listening(&shared);
        match store {
            AnyStore::Sqlite(store) => Self::launch(store, settings, shared, shutdown).await,
            AnyStore::Postgres(store) => Self::launch(store, settings, shared, shutdown).await,
        }
    }

    async fn launch<S: Store + Closable + Clone>(
        store: S,
        settings: &Settings,
        shared: Shared,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Self, StartError> {
        // The server puts failed jobs back on the queue, and runs a worker unless
        // `djcrm worker` processes do.
        let queue = crate::background::queue(settings).await?;
        let background = if settings.queue.in_process_worker {
            Some((queue.clone(), crate::background::mailer(settings)?))
        } else {
            None
        };
        // One shutdown signal, heard by the server and by the workers.
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stopping.send(true);
        });
        let when_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }
        };
        let workers = background.map(|(queue, mailer)| {
            let (store, settings, stop) = (store.clone(), settings.clone(), when_stopped());
            tokio::spawn(async move {
                if let Err(error) =
                    crate::background::work(store, &settings, queue, mailer, stop).await
                {
                    tracing::error!(%error, "the in-process worker stopped");
                }
            })
        });
        let shutdown = when_stopped();
        let backlog_queue = queue.clone();
        let crm = Arc::new(crm(store, settings, shared.clone()).with_queue(Arc::new(queue)));
        let metrics = crate::metrics::start(
            &settings.metrics,
            crm.store(),
            &backlog_queue,
            &when_stopped,
        )
        .await
        .map_err(|source| StartError::Bind {
            // Only the metrics listener can fail to start.
            addr: settings.metrics.bind.unwrap_or(settings.http.bind),
            source,
        })?;
        let metrics_addr = metrics.as_ref().and_then(|m| m.addr);
        let limits = edge_limits(settings, shared.limiter);
        let web = WebSettings {
            secure_cookies: settings.http.public_url.starts_with("https://"),
            auth_limit: AuthLimit {
                limiter: limits.limiter.clone(),
                quota: limits.auth,
                fail_open: limits.auth_fail_open,
            },
            import_limit: usize::try_from(settings.http.import_limit_bytes).unwrap_or(usize::MAX),
        };
        let trace_id = settings
            .tracing
            .otlp_endpoint
            .is_some()
            .then_some(crate::telemetry::trace_id as observe::TraceId);
        let http = HttpSettings {
            body_limit: settings.http.body_limit_bytes,
            import_limit: settings.http.import_limit_bytes,
            cors_allowed_origins: settings.http.cors_allowed_origins.clone(),
            limits,
            metrics: settings
                .metrics
                .token
                .clone()
                .zip(metrics)
                .map(|(token, metrics)| MetricsRoute {
                    token,
                    render: metrics.render,
                }),
            trace_id,
        };
        let endpoint = Beside {
            api: app(crm.clone(), http),
            ui: djcrm_adapter_web::app(crm.clone(), web),
            trace_id,
        };
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
            if let Some(workers) = workers {
                // In-flight jobs finish (within the grace period) before the store closes.
                let _ = workers.await;
            }
            crm.store().close().await;
            result
        });
        Ok(Self {
            addr,
            metrics_addr,
            server,
        })
    }

    /// The address actually bound (useful with port 0).
    #[must_use]
    pub const fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the metrics listener, when `metrics.bind` opened one.
    #[must_use]
    pub const fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
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
pub trait Closable: Send + Sync + 'static {
    /// Closes connections, flushing what needs flushing.
    fn close(&self) -> impl Future<Output = ()> + Send;
    /// Each pool's name, connections open and idle (for the metrics).
    fn connections(&self) -> Vec<(&'static str, u32, usize)>;
}

impl<D: djcrm_adapter_sql::Dialect> Closable for djcrm_adapter_sql::SqlStore<D> {
    async fn close(&self) {
        djcrm_adapter_sql::SqlStore::close(self).await;
    }
    fn connections(&self) -> Vec<(&'static str, u32, usize)> {
        djcrm_adapter_sql::SqlStore::connections(self)
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
