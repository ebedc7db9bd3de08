//! `djcrm-admin`: maintenance for operators. Reads the same configuration as
//! `djcrm` (`djcrm.toml`, `DJCRM_*`).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use djcrm_application::auth::{ProvisionUserRequest, SignupRequest};
use djcrm_bin::config::{Settings, redact_url};
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_bin::telemetry;
use djcrm_domain::jobs::JobKey;
use djcrm_domain::ports::Store;
use djcrm_domain::{DomainError, OrgId, Role};

/// DJ CRM maintenance tool.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Refresh the query planner's statistics: after a bulk load, or where
    /// autovacuum is off or lagging.
    Analyze,
    /// Create an organization and its owner; prints the owner's API token.
    CreateOrganization {
        /// The organization's name.
        #[arg(long)]
        name: String,
        /// The owner's email (their login).
        #[arg(long)]
        owner_email: String,
        /// The owner's full name.
        #[arg(long)]
        owner_name: String,
        /// The owner's password (at least 10 characters).
        #[arg(long, env = "DJCRM_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Add a user (owner, organizer or agent) to an existing organization.
    CreateUser {
        /// The organization's id.
        #[arg(long)]
        organization: String,
        /// Their email (their login).
        #[arg(long)]
        email: String,
        /// Their full name.
        #[arg(long)]
        full_name: String,
        /// Their role.
        #[arg(long, value_enum, default_value_t = RoleArg::Agent)]
        role: RoleArg,
        /// Their initial password (at least 10 characters).
        #[arg(long, env = "DJCRM_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// See and retry background jobs that failed.
    #[command(subcommand)]
    Jobs(JobsCommand),
}

/// Background jobs.
#[derive(Subcommand)]
enum JobsCommand {
    /// List the jobs that failed after their last attempt, newest first, with why.
    ///
    /// Example: djcrm-admin jobs failed --limit 50
    Failed {
        /// Only this organization's (its id).
        #[arg(long)]
        organization: Option<String>,
        /// How many, 1 to 100.
        #[arg(long, default_value_t = 25)]
        limit: i64,
    },
    /// Put a failed job back on its queue; it runs again with all its attempts.
    ///
    /// Example: djcrm-admin jobs retry password-reset-mail-0193...
    Retry {
        /// The job's key, as `jobs failed` lists it.
        key: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Owner,
    Organizer,
    Agent,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Owner => Self::Owner,
            RoleArg::Organizer => Self::Organizer,
            RoleArg::Agent => Self::Agent,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("djcrm-admin: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    match run(cli.command, &settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("djcrm-admin: {error}");
            ExitCode::FAILURE
        }
    }
}

fn describe(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Validation(errors) => anyhow::anyhow!("invalid input: {errors}"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn run(command: Command, settings: &Settings) -> anyhow::Result<()> {
    // Every command works on an up-to-date schema.
    let shared = operator(settings)?;
    match AnyStore::connect(settings, true).await?.listening(&shared) {
        AnyStore::Sqlite(store) => {
            run_on(&store, command, settings, &shared).await?;
            store.close().await;
        }
        AnyStore::Postgres(store) => {
            run_on(&store, command, settings, &shared).await?;
            store.close().await;
        }
    }
    Ok(())
}

async fn run_on<S: Store + Clone>(
    store: &S,
    command: Command,
    settings: &Settings,
    shared: &Shared,
) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            println!(
                "migrations applied to {}",
                redact_url(&settings.database.url)
            );
        }
        Command::Analyze => {
            store.refresh_statistics().await.map_err(describe)?;
            println!(
                "statistics refreshed on {}",
                redact_url(&settings.database.url)
            );
        }
        Command::CreateOrganization {
            name,
            owner_email,
            owner_name,
            password,
        } => {
            let crm = crm(store.clone(), settings, shared.clone());
            let signed_up = crm
                .signup(SignupRequest {
                    organization_name: name,
                    email: owner_email,
                    password,
                    full_name: owner_name,
                })
                .await
                .map_err(describe)?;
            println!("organization_id={}", signed_up.organization.id);
            println!("owner_id={}", signed_up.user.id);
            println!("token={}", signed_up.token);
        }
        Command::CreateUser {
            organization,
            email,
            full_name,
            role,
            password,
        } => {
            let org_id: OrgId = organization.parse().map_err(|_| {
                anyhow::anyhow!("--organization must be an organization id (a UUID)")
            })?;
            let crm = crm(store.clone(), settings, shared.clone());
            let user = crm
                .provision_user(ProvisionUserRequest {
                    org_id,
                    email,
                    full_name,
                    role: role.into(),
                    password,
                })
                .await
                .map_err(describe)?;
            println!("user_id={}", user.id);
            println!("role={}", user.role);
        }
        Command::Jobs(command) => jobs(store, command, settings, shared).await?,
    }
    Ok(())
}

async fn jobs<S: Store + Clone>(
    store: &S,
    command: JobsCommand,
    settings: &Settings,
    shared: &Shared,
) -> anyhow::Result<()> {
    let crm = crm(store.clone(), settings, shared.clone());
    match command {
        JobsCommand::Failed {
            organization,
            limit,
        } => {
            let org = organization
                .map(|o| o.parse::<OrgId>())
                .transpose()
                .map_err(|_| anyhow::anyhow!("--organization must be an organization id"))?;
            let runs = crm
                .failed_jobs_of(org, Some(limit))
                .await
                .map_err(describe)?;
            for run in &runs {
                println!(
                    "{}\t{}\torganization={}\tattempts={}\tfailed_at={}\terror={}",
                    run.job.key,
                    run.job.work.kind(),
                    run.job.org_id,
                    run.attempts,
                    run.finished_at.to_rfc3339(),
                    run.error.as_deref().unwrap_or("")
                );
            }
            println!("{} failed job(s)", runs.len());
        }
        JobsCommand::Retry { key } => {
            let queue = djcrm_bin::background::queue(settings).await?;
            let crm = crm.with_queue(std::sync::Arc::new(queue));
            let run = crm
                .retry_failed_job(None, &JobKey::from_string(key))
                .await
                .map_err(describe)?;
            println!("queued again: {} ({})", run.job.key, run.job.work.kind());
        }
    }
    Ok(())
}

/// The server's cache (so what the operator changes is invalidated for every
/// server), with a fresh in-process limiter: the operator's own commands are not
/// throttled by the server's counts.
fn operator(settings: &Settings) -> anyhow::Result<Shared> {
    let shared = Shared::connect(settings)?;
    Ok(Shared {
        limiter: std::sync::Arc::new(djcrm_adapter_memory::MemoryRateLimiter::new()),
        ..shared
    })
}
