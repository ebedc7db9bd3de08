//! `djcrm`: the DJ CRM server.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use djcrm_adapter_sqlite::SqliteOptions;
use djcrm_bin::config::{self, Settings};
use djcrm_bin::startup::{AnyStore, Application, Shared, crm, shutdown_signal};
use djcrm_bin::telemetry;
use djcrm_bin::{background, metrics};

// jemalloc returns freed memory to the system within seconds (background purging);
// glibc kept what bursts of password hashes and cache churn had used (see
// docs/decisions.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// DJ CRM: a multi-tenant CRM server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API (the default), with a background worker unless
    /// `queue.in_process_worker` is false.
    Serve,
    /// Run a background worker alone: the relay (events to jobs) and the job
    /// handlers (mail). Run several beside several servers; they share the work.
    Worker,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Ask the server at `http.bind` for `/readyz`; exit 0 when it is ready (the
    /// container image's HEALTHCHECK).
    Healthcheck,
    /// Print the configuration as a commented `djcrm.toml`: what this process would
    /// run with (passwords redacted), or with `--print-default` the defaults, every
    /// key documented, as a file to start from.
    ///
    /// Example: `djcrm config --print-default > djcrm.toml`
    Config {
        /// The built-in defaults rather than the effective configuration.
        #[arg(long)]
        print_default: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Config {
        print_default: true,
    }) = cli.command
    {
        // The defaults need no configuration, even a broken one.
        return print_config(&Settings::default());
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("djcrm: {error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // Only the long-running commands export spans and report errors.
    let (traces, errors) = if matches!(command, Command::Serve | Command::Worker) {
        (settings.tracing.clone(), settings.errors.clone())
    } else {
        Default::default()
    };
    let telemetry = telemetry::init(&settings.log, &traces, &errors);
    let result = match command {
        Command::Serve => serve(&settings).await,
        Command::Worker => worker(&settings).await,
        Command::Openapi => print_openapi(&settings).await,
        Command::Healthcheck => healthcheck(&settings).await,
        Command::Config { .. } => return print_config(&config::redacted(&settings)),
    };
    telemetry.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("djcrm: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `settings` as a commented `djcrm.toml`.
fn print_config(settings: &Settings) -> ExitCode {
    match config::to_commented_toml(settings) {
        Ok(toml) => {
            print!("{toml}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("djcrm: {}", djcrm_domain::chain(&error));
            ExitCode::FAILURE
        }
    }
}

async fn healthcheck(settings: &Settings) -> anyhow::Result<()> {
    let mut address = settings.http.bind;
    // A server bound to every interface is asked on loopback.
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        });
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()?;
    let response = client
        .get(format!("http://{address}/readyz"))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("no answer from http://{address}/readyz: {e}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "http://{address}/readyz answered {}",
        response.status()
    );
    Ok(())
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = Application::build(settings, shutdown_signal()).await?;
    tracing::info!(
        address = %app.local_addr(),
        database = %djcrm_bin::config::redact_url(&settings.database.url),
        "DJ CRM is serving http://{}/api/v1 (docs at /api/docs)",
        app.local_addr()
    );
    app.run().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn worker(settings: &Settings) -> anyhow::Result<()> {
    let shared = Shared::connect(settings)?;
    let store = AnyStore::connect(settings, settings.database.migrate_on_start)
        .await?
        .listening(&shared);
    let queue = background::queue(settings).await?;
    let mailer = background::mailer(settings)?;
    let stop = shutdown_signal();
    // A worker has no other listener: it serves metrics on `metrics.bind` only.
    let served = config::MetricsConfig {
        token: None,
        ..settings.metrics.clone()
    };
    let result = match store {
        AnyStore::Sqlite(store) => {
            metrics::start(&served, &store, &queue, shutdown_signal).await?;
            background::work(store, settings, queue, mailer, stop).await
        }
        AnyStore::Postgres(store) => {
            metrics::start(&served, &store, &queue, shutdown_signal).await?;
            background::work(store, settings, queue, mailer, stop).await
        }
    };
    result.map_err(|error| anyhow::anyhow!(error))?;
    tracing::info!("worker stopped");
    Ok(())
}

async fn print_openapi(settings: &Settings) -> anyhow::Result<()> {
    // The document does not depend on data; an in-memory store keeps this command
    // free of side effects.
    let store = djcrm_adapter_sqlite::connect(&SqliteOptions::new("sqlite::memory:")).await?;
    let shared = Shared {
        limiter: std::sync::Arc::new(djcrm_adapter_memory::MemoryRateLimiter::new()),
        cache: std::sync::Arc::new(djcrm_adapter_memory::MemoryCache::default()),
    };
    let crm = std::sync::Arc::new(crm(store, settings, shared));
    println!("{}", djcrm_adapter_http::openapi_json(&crm));
    Ok(())
}
