//! `djcrm`: the DJ CRM server.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use djcrm_adapter_sqlite::SqliteOptions;
use djcrm_bin::background;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Application, Shared, crm, shutdown_signal};
use djcrm_bin::telemetry;

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
    /// Print the effective configuration (passwords redacted).
    Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("djcrm: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings).await,
        Command::Worker => worker(&settings).await,
        Command::Openapi => print_openapi(&settings).await,
        Command::Config => {
            println!("{settings:#?}");
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("djcrm: {error}");
            ExitCode::FAILURE
        }
    }
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
    let result = match store {
        AnyStore::Sqlite(store) => background::work(store, settings, queue, mailer, stop).await,
        AnyStore::Postgres(store) => background::work(store, settings, queue, mailer, stop).await,
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
