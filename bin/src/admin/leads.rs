//! `djcrm-admin leads`: export, import, the list of imports, and revert.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use djcrm_application::Crm;
use djcrm_domain::ports::Store;

use super::{Failure, Report, export, imports, organization_id};

/// Leads.
#[derive(Subcommand)]
pub(super) enum LeadsCommand {
    /// Export an organization's leads (the same filters as the API), streamed to a
    /// file or to stdout. Categories go by name and agents by email.
    #[command(
        after_help = "Example: djcrm-admin leads export --org 0193... --format csv --status qualified --output leads.csv"
    )]
    Export {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// csv (with a header row) or jsonl (a JSON object per line).
        #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
        format: FormatArg,
        /// Where to write; stdout when absent.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Only leads in this status.
        #[arg(long)]
        status: Option<String>,
        /// Only leads in this category (its id).
        #[arg(long)]
        category: Option<String>,
        /// Only leads of this agent (its id).
        #[arg(long)]
        agent: Option<String>,
        /// Only leads whose name or email contains this text.
        #[arg(long)]
        q: Option<String>,
    },
    /// Import leads from a CSV file (a header row first), streamed, a batch of rows
    /// per transaction. first_name and last_name are needed; email, phone,
    /// description, status, category (by name, created when missing) and agent_email
    /// are read when present. Common header spellings and an export's own header
    /// are understood; --map names the rest. Refused rows go to the report file
    /// with their line and why. The import is one batch: revert it with
    /// `leads import-revert`.
    #[command(
        after_help = "Example: djcrm-admin leads import contacts.csv --org 0193... --map 'Given name=first_name' --duplicates update"
    )]
    Import(imports::ImportArgs),
    /// List an organization's imports, newest first.
    #[command(after_help = "Example: djcrm-admin leads imports --org 0193...")]
    Imports {
        /// The organization's id.
        #[arg(long)]
        org: String,
    },
    /// Delete every lead an import created (leads it updated stay as they are);
    /// a running import stops.
    #[command(after_help = "Example: djcrm-admin leads import-revert --org 0193... 0194...")]
    ImportRevert {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// The import's id, as `leads import` printed it.
        import: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum FormatArg {
    Csv,
    Jsonl,
}

pub(super) async fn run<S: Store>(crm: &Crm<S>, command: LeadsCommand) -> Result<Report, Failure> {
    match command {
        LeadsCommand::Export {
            org,
            format,
            output,
            status,
            category,
            agent,
            q,
        } => {
            let filter = export::filter(status, category, agent, q)?;
            export::run(crm, organization_id(&org)?, &filter, format, output).await
        }
        LeadsCommand::Import(args) => imports::import(crm, args).await,
        LeadsCommand::Imports { org } => imports::list(crm, organization_id(&org)?).await,
        LeadsCommand::ImportRevert { org, import } => {
            imports::revert(crm, organization_id(&org)?, &import).await
        }
    }
}
