//! The process's metrics in Prometheus's text format. The recorder is installed
//! once per process, and only when `[metrics]` serves them somewhere: otherwise
//! every `metrics::counter!` in the adapters is a no-op. Pool sizes are read when
//! a scraper asks; histograms are folded into their buckets every few seconds, so
//! they take constant memory whether anyone scrapes or not.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use djcrm_adapter_http::metrics::{Render, exposition};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Route, Server, get};

/// Latency buckets, in seconds: from a cached read to a slow import batch.
const BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder's handle, installing it (and its upkeep) on first use. `None`
/// when another recorder was installed first (an embedding program's).
fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(&BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    let upkeep = handle.clone();
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            upkeep.run_upkeep();
                        }
                    });
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics are not recorded");
                    None
                }
            }
        })
        .clone()
}

/// What a scrape renders: `sample` sets the values read at scrape time, then
/// everything recorded is written out.
fn render(handle: PrometheusHandle, sample: impl Fn() + Send + Sync + 'static) -> Render {
    Arc::new(move || {
        sample();
        handle.run_upkeep();
        handle.render()
    })
}

/// Binds `bind` and serves `/metrics` there (no token: whoever can reach the
/// address may read) until `shutdown`; the address bound.
///
/// # Errors
/// When the address cannot be bound.
async fn serve(
    bind: SocketAddr,
    render: Render,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<SocketAddr> {
    let acceptor = TcpListener::bind(bind).into_acceptor().await?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .unwrap_or(bind);
    let routes = Route::new().at(
        "/metrics",
        get(poem::endpoint::make_sync(move |_| exposition(&render))),
    );
    tokio::spawn(async move {
        if let Err(error) = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(routes, shutdown, Some(Duration::from_secs(1)))
            .await
        {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(addr)
}

/// How often the backlog (queue depth, outbox lag) is read from the stores.
const BACKLOG_EVERY: Duration = Duration::from_secs(10);

/// Waiting events counted at most: past this, the figure says "far behind" enough.
const LAG_COUNTED: u32 = 10_000;

/// Reads the job queue's depth and the outbox relay's lag every few seconds into
/// gauges, until `stop`. Read in the background rather than per scrape: they are
/// database queries, and scrapes should stay cheap.
fn sample_backlog<S, Q>(store: S, queue: Q, stop: impl Future<Output = ()> + Send + 'static)
where
    S: djcrm_domain::ports::Store,
    Q: djcrm_domain::ports::JobQueue + 'static,
{
    tokio::spawn(async move {
        let sampling = async {
            loop {
                match queue.depth().await {
                    Ok(depth) => {
                        #[allow(clippy::cast_precision_loss)]
                        metrics::gauge!("djcrm_job_queue_depth").set(depth as f64);
                    }
                    Err(error) => tracing::debug!(%error, "the queue depth was not read"),
                }
                match djcrm_application::jobs::outbox_lag(&store, chrono::Utc::now(), LAG_COUNTED)
                    .await
                {
                    Ok(lag) => {
                        #[allow(clippy::cast_precision_loss)]
                        metrics::gauge!("djcrm_outbox_lag_events").set(lag.events as f64);
                        metrics::gauge!("djcrm_outbox_lag_seconds").set(lag.oldest.as_secs_f64());
                    }
                    Err(error) => tracing::debug!(%error, "the outbox lag was not read"),
                }
                tokio::time::sleep(BACKLOG_EVERY).await;
            }
        };
        tokio::select! {
            () = sampling => {}
            () = stop => {}
        }
    });
}

/// Sets the pool gauges from `store`'s pools (called at each scrape).
fn pool_gauges(store: &impl crate::startup::Closable) {
    for (pool, open, idle) in store.connections() {
        #[allow(clippy::cast_precision_loss)]
        let idle = idle as f64;
        let busy = (f64::from(open) - idle).max(0.0);
        metrics::gauge!("djcrm_db_pool_connections", "pool" => pool, "state" => "idle").set(idle);
        metrics::gauge!("djcrm_db_pool_connections", "pool" => pool, "state" => "busy").set(busy);
    }
}

/// What [`start`] set up: what a scrape renders (for `/metrics` on the public
/// listener) and the address of the listener of its own, when `metrics.bind` asked
/// for one.
pub struct Metrics {
    /// Renders the metrics.
    pub render: Render,
    /// Where the listener of its own listens.
    pub addr: Option<SocketAddr>,
}

/// Records metrics when `config` serves them anywhere: installs the recorder, reads
/// `store`'s pools at each scrape and the backlog of `store` and `queue` every few
/// seconds, and opens the listener of `metrics.bind`; each stops when a future of
/// `stop` completes. `None` when metrics are off (or another recorder was
/// installed first).
///
/// # Errors
/// When `metrics.bind` cannot be bound (nothing else can fail).
pub async fn start<S, Q, F>(
    config: &crate::config::MetricsConfig,
    store: &S,
    queue: &Q,
    stop: impl Fn() -> F,
) -> std::io::Result<Option<Metrics>>
where
    S: djcrm_domain::ports::Store + crate::startup::Closable + Clone,
    Q: djcrm_domain::ports::JobQueue + Clone + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let Some(handle) = config.enabled().then(recorder).flatten() else {
        return Ok(None);
    };
    let sampled = store.clone();
    let render = render(handle, move || pool_gauges(&sampled));
    sample_backlog(store.clone(), queue.clone(), stop());
    let addr = match config.bind {
        Some(bind) => Some(serve(bind, render.clone(), stop()).await?),
        None => None,
    };
    Ok(Some(Metrics { render, addr }))
}
