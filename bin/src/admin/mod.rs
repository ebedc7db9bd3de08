//! `djcrm-admin`: the operator's tool. It reads the same configuration as `djcrm`
//! (`djcrm.toml`, `DJCRM_*`). Every command prints a plain report, or JSON with
//! `--json`; it exits 0 on success, 1 with a one-line reason when the work failed,
//! and 2 when the command line or the configuration is wrong.

mod accounts;
mod backups;
mod doctor;
mod export;
mod imports;
mod leads;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use djcrm_domain::jobs::JobKey;
use djcrm_domain::ports::Store;
use djcrm_domain::{DomainError, OrgId, Role};
use serde_json::{Value, json};

use crate::config::{Settings, redact_url};
use crate::startup::{AnyStore, Shared, crm};

/// DJ CRM maintenance tool.
#[derive(Parser)]
#[command(version, about, after_help = "Example: djcrm-admin doctor")]
struct Cli {
    /// Print JSON instead of text, for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations, or list them with --status.
    #[command(after_help = "Example: djcrm-admin migrate --status")]
    Migrate {
        /// List applied and pending migrations; apply nothing.
        #[arg(long)]
        status: bool,
    },
    /// Check the configuration, the store, its schema, the cache, the job queue and
    /// mail; a line each, with the fix for what fails.
    #[command(after_help = "Example: djcrm-admin doctor --json")]
    Doctor,
    /// Refresh the query planner's statistics: after a bulk load, or where
    /// autovacuum is off or lagging.
    #[command(after_help = "Example: djcrm-admin analyze")]
    Analyze,
    /// Organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Leads.
    #[command(subcommand)]
    Leads(leads::LeadsCommand),
    /// See and retry background jobs that failed.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Remove what is past its retention: expired tokens and password resets,
    /// idempotency records older than a day, and, older than --retention-days,
    /// closed invitations, deleted leads with their history, relayed events,
    /// finished jobs and webhook deliveries.
    #[command(after_help = "Example: djcrm-admin purge --dry-run --retention-days 90")]
    Purge {
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
        /// Days kept of what has a retention period.
        #[arg(long, default_value_t = 90)]
        retention_days: i64,
    },
    /// Write a consistent snapshot of the store to FILE while the server runs
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump), then check it and write its
    /// manifest (rows per table, SHA-256) beside it as FILE.manifest.json.
    #[command(after_help = "Example: djcrm-admin backup /backups/djcrm-2026-12-02.db")]
    Backup {
        /// Where to write it; it must not exist.
        file: std::path::PathBuf,
    },
    /// Restore a backup into the configured store, checking it against its
    /// manifest before and after. Refuses a store with data unless --force. Stop
    /// the servers first.
    #[command(after_help = "Example: djcrm-admin restore /backups/djcrm-2026-12-02.db --force")]
    Restore {
        /// The backup.
        file: std::path::PathBuf,
        /// Overwrite a store that has data.
        #[arg(long)]
        force: bool,
    },
    /// The installation in numbers: organizations, users, leads by status, jobs
    /// waiting.
    #[command(after_help = "Example: djcrm-admin stats --json")]
    Stats,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// List organizations, newest first.
    #[command(after_help = "Example: djcrm-admin org list --limit 100")]
    List {
        /// How many, 1 to 100.
        #[arg(long, default_value_t = 25)]
        limit: i64,
        /// `next_cursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One organization: its leads by status and its users.
    #[command(after_help = "Example: djcrm-admin org show 0193...")]
    Show {
        /// The organization's id.
        organization: String,
    },
    /// Create an organization and its owner; prints the owner's API token (once).
    #[command(
        after_help = "Example: djcrm-admin org create --name Acme --owner-email olive@acme.test --owner-name Olive (password from DJCRM_ADMIN_PASSWORD)"
    )]
    Create {
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
}

#[derive(Subcommand)]
enum UserCommand {
    /// List an organization's users, newest first.
    #[command(after_help = "Example: djcrm-admin user list --organization 0193...")]
    List {
        /// The organization's id.
        #[arg(long)]
        organization: String,
        /// How many, 1 to 100.
        #[arg(long, default_value_t = 25)]
        limit: i64,
        /// `next_cursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Set a user's password; they are signed out everywhere.
    #[command(
        after_help = "Example: djcrm-admin user set-password --email ada@acme.test (the password from DJCRM_ADMIN_PASSWORD, or --password)"
    )]
    SetPassword {
        /// Their email.
        #[arg(long)]
        email: String,
        /// The new password (at least 10 characters).
        #[arg(long, env = "DJCRM_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Make an owner an organizer or the reverse.
    #[command(after_help = "Example: djcrm-admin user set-role --email ada@acme.test --role owner")]
    SetRole {
        /// Their email.
        #[arg(long)]
        email: String,
        /// The new role.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Deactivate a user: they cannot log in, and their tokens are revoked.
    #[command(after_help = "Example: djcrm-admin user deactivate --email ada@acme.test")]
    Deactivate {
        /// Their email.
        #[arg(long)]
        email: String,
    },
    /// Add a user (owner, organizer or agent) to an existing organization.
    #[command(
        after_help = "Example: djcrm-admin user create --organization <id> --email ada@acme.test --full-name Ada --role organizer"
    )]
    Create {
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
}

/// API tokens.
#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token for a user's scripts; it is printed once.
    #[command(after_help = "Example: djcrm-admin token issue --email ada@acme.test --days 90")]
    Issue {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// How many days it works, 1 to 366.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List a user's live tokens (never their secrets).
    #[command(after_help = "Example: djcrm-admin token list --email ada@acme.test")]
    List {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Revoke a token: it stops working at once.
    #[command(after_help = "Example: djcrm-admin token revoke --email ada@acme.test 0193...")]
    Revoke {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// The token's id, as `token list` shows it.
        token: String,
    },
}

/// Background jobs.
#[derive(Subcommand)]
enum JobsCommand {
    /// List the jobs that failed after their last attempt, newest first, with why.
    #[command(after_help = "Example: djcrm-admin jobs failed --limit 50")]
    Failed {
        /// Only this organization's (its id).
        #[arg(long)]
        organization: Option<String>,
        /// How many, 1 to 100.
        #[arg(long, default_value_t = 25)]
        limit: i64,
    },
    /// Put a failed job back on its queue; it runs again with all its attempts.
    #[command(after_help = "Example: djcrm-admin jobs retry password-reset-mail-0193...")]
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

/// What a command reports: JSON for scripts, lines for people.
struct Report {
    json: Value,
    text: String,
}

/// Why a command failed, in one line.
struct Failure(String);

impl From<DomainError> for Failure {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => Self(format!("invalid input: {errors}")),
            other => Self(other.to_string()),
        }
    }
}

fn fail<E: std::fmt::Display>(error: E) -> Failure {
    Failure(error.to_string())
}

/// Runs `djcrm-admin` with the process's arguments.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("djcrm-admin: {error}");
            return ExitCode::from(2);
        }
    };
    // The operator's tool logs; it exports no spans and reports nothing (its
    // errors are its output), so there is nothing to flush.
    let _logs = crate::telemetry::init(
        &settings.log,
        &crate::config::TracingConfig::default(),
        &crate::config::ErrorsConfig::default(),
    );
    let json = cli.json;
    match run(cli.command, &settings).await {
        Ok((report, success)) => {
            if report.json.is_null() && report.text.is_empty() {
                // The command wrote its own output (an export to stdout).
            } else if json {
                println!("{}", report.json);
            } else {
                println!("{}", report.text);
            }
            if success {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(Failure(reason)) => {
            if json {
                eprintln!("{}", json!({ "error": reason }));
            } else {
                eprintln!("djcrm-admin: {reason}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs a command; the report and whether everything it checked passed.
async fn run(command: Command, settings: &Settings) -> Result<(Report, bool), Failure> {
    if let Command::Doctor = command {
        return Ok(doctor_report(settings).await);
    }
    if let Command::Restore { file, force } = &command {
        // Before the store is opened: a SQLite restore replaces its file.
        return Ok((backups::restore(settings, file, *force).await?, true));
    }
    let migrate = match &command {
        Command::Migrate { status } => !status,
        _ => true,
    };
    let shared = operator(settings)?;
    let store = AnyStore::connect(settings, migrate)
        .await
        .map_err(fail)?
        .listening(&shared);
    let report = match store {
        AnyStore::Sqlite(store) => {
            let report = run_on(&store, command, settings, &shared).await;
            store.close().await;
            report?
        }
        AnyStore::Postgres(store) => {
            let report = run_on(&store, command, settings, &shared).await;
            store.close().await;
            report?
        }
    };
    Ok((report, true))
}

async fn run_on<S: Store + Clone + MigrationStatus + backups::Backup>(
    store: &S,
    command: Command,
    settings: &Settings,
    shared: &Shared,
) -> Result<Report, Failure> {
    let database = redact_url(&settings.database.url);
    Ok(match command {
        Command::Doctor => doctor_report(settings).await.0,
        Command::Migrate { status } => {
            let states = store.migration_status().await?;
            let pending = states.iter().filter(|m| !m.applied).count();
            let text = if status {
                states
                    .iter()
                    .map(|m| {
                        let state = if m.applied { "applied" } else { "pending" };
                        format!("{state}  {}  {}", m.version, m.description)
                    })
                    .chain(std::iter::once(format!(
                        "{} applied, {pending} pending on {database}",
                        states.len() - pending
                    )))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                format!("migrations applied to {database}; {pending} pending")
            };
            let list: Vec<Value> = states
                .iter()
                .map(|m| json!({ "version": m.version, "description": m.description, "applied": m.applied }))
                .collect();
            Report {
                json: json!({ "database": database, "migrations": list, "pending": pending }),
                text,
            }
        }
        Command::Analyze => {
            store.refresh_statistics().await?;
            Report {
                json: json!({ "database": database, "analyzed": true }),
                text: format!("statistics refreshed on {database}"),
            }
        }
        Command::Jobs(command) => jobs(store, command, settings, shared).await?,
        Command::Org(command) => {
            accounts::org(&crm(store.clone(), settings, shared.clone()), command).await?
        }
        Command::User(command) => {
            accounts::user(&crm(store.clone(), settings, shared.clone()), command).await?
        }
        Command::Token(command) => {
            accounts::token(&crm(store.clone(), settings, shared.clone()), command).await?
        }
        Command::Purge {
            dry_run,
            retention_days,
        } => {
            let retention = chrono::TimeDelta::try_days(retention_days)
                .ok_or_else(|| Failure("--retention-days is out of range".to_owned()))?;
            let purged = crm(store.clone(), settings, shared.clone())
                .purge(retention, dry_run)
                .await?;
            accounts::purged(&purged, dry_run)
        }
        Command::Leads(command) => {
            leads::run(&crm(store.clone(), settings, shared.clone()), command).await?
        }
        Command::Backup { file } => backups::backup(store, settings, &file).await?,
        Command::Restore { file, force } => backups::restore(settings, &file, force).await?,
        Command::Stats => {
            let census = crm(store.clone(), settings, shared.clone())
                .census()
                .await?;
            let queue = crate::background::queue(settings).await.map_err(fail)?;
            let waiting = djcrm_domain::ports::JobQueue::depth(&queue)
                .await
                .map_err(fail)?;
            accounts::stats(&census, waiting)
        }
    })
}

/// The doctor's checks, a line each; and whether all passed. It opens what it
/// checks itself, so it reports a store that is down instead of failing on it.
async fn doctor_report(settings: &Settings) -> (Report, bool) {
    let checks = doctor::run(settings).await;
    let ok = checks.iter().all(|c| c.ok);
    let text = checks
        .iter()
        .map(|c| {
            let mark = if c.ok { "ok  " } else { "FAIL" };
            match &c.fix {
                Some(fix) => format!("{mark} {:<13} {}  -> {fix}", c.name, c.detail),
                None => format!("{mark} {:<13} {}", c.name, c.detail),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let report = Report {
        json: json!({ "ok": ok, "checks": checks }),
        text,
    };
    (report, ok)
}

fn organization_id(raw: &str) -> Result<OrgId, Failure> {
    raw.parse()
        .map_err(|_| Failure("--organization must be an organization id (a UUID)".to_owned()))
}

async fn jobs<S: Store + Clone>(
    store: &S,
    command: JobsCommand,
    settings: &Settings,
    shared: &Shared,
) -> Result<Report, Failure> {
    let crm = crm(store.clone(), settings, shared.clone());
    Ok(match command {
        JobsCommand::Failed {
            organization,
            limit,
        } => {
            let org = organization.as_deref().map(organization_id).transpose()?;
            let runs = crm.failed_jobs_of(org, Some(limit)).await?;
            let lines: Vec<String> = runs
                .iter()
                .map(|run| {
                    format!(
                        "{}\t{}\torganization={}\tattempts={}\tfailed_at={}\terror={}",
                        run.job.key,
                        run.job.work.kind(),
                        run.job.org_id,
                        run.attempts,
                        run.finished_at.to_rfc3339(),
                        run.error.as_deref().unwrap_or("")
                    )
                })
                .chain(std::iter::once(format!("{} failed job(s)", runs.len())))
                .collect();
            let items: Vec<Value> = runs
                .iter()
                .map(|run| {
                    json!({
                        "key": run.job.key.as_str(),
                        "kind": run.job.work.kind(),
                        "organization_id": run.job.org_id,
                        "attempts": run.attempts,
                        "failed_at": run.finished_at,
                        "error": run.error,
                    })
                })
                .collect();
            Report {
                json: json!({ "failed": items }),
                text: lines.join("\n"),
            }
        }
        JobsCommand::Retry { key } => {
            let queue = crate::background::queue(settings).await.map_err(fail)?;
            let crm = crm.with_queue(Arc::new(queue));
            let run = crm
                .retry_failed_job(None, &JobKey::from_string(key))
                .await?;
            Report {
                json: json!({ "queued": run.job.key.as_str(), "kind": run.job.work.kind() }),
                text: format!("queued again: {} ({})", run.job.key, run.job.work.kind()),
            }
        }
    })
}

/// The server's cache (so what the operator changes is invalidated for every
/// server), with a fresh in-process limiter: the operator's own commands are not
/// throttled by the server's counts.
fn operator(settings: &Settings) -> Result<Shared, Failure> {
    let shared = Shared::connect(settings).map_err(fail)?;
    Ok(Shared {
        limiter: Arc::new(djcrm_adapter_memory::MemoryRateLimiter::new()),
        ..shared
    })
}

/// The stores' migration listings, behind one name.
trait MigrationStatus {
    fn migration_status(
        &self,
    ) -> impl std::future::Future<
        Output = Result<Vec<djcrm_adapter_sql::migrations::MigrationState>, Failure>,
    > + Send;
}

impl MigrationStatus for djcrm_adapter_sqlite::SqliteStore {
    async fn migration_status(
        &self,
    ) -> Result<Vec<djcrm_adapter_sql::migrations::MigrationState>, Failure> {
        djcrm_adapter_sqlite::migration_status(self)
            .await
            .map_err(fail)
    }
}

impl MigrationStatus for djcrm_adapter_postgres::PostgresStore {
    async fn migration_status(
        &self,
    ) -> Result<Vec<djcrm_adapter_sql::migrations::MigrationState>, Failure> {
        djcrm_adapter_postgres::migration_status(self)
            .await
            .map_err(fail)
    }
}
