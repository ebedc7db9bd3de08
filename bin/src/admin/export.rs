//! `djcrm-admin leads export`: streamed to a file (written beside it, then renamed,
//! so a reader never sees half an export) or to stdout.

use std::io::Write;
use std::path::PathBuf;

use djcrm_application::Crm;
use djcrm_application::export::ExportFormat;
use djcrm_domain::ports::Store;
use djcrm_domain::{LeadFilter, LeadStatus, OrgId, SearchQuery};
use serde_json::json;

use super::leads::FormatArg;
use super::{Failure, Report, fail};

/// The API's lead filters, from the command line.
pub(super) fn filter(
    status: Option<String>,
    category: Option<String>,
    agent: Option<String>,
    q: Option<String>,
) -> Result<LeadFilter, Failure> {
    let bad = |what: &str| Failure(format!("--{what} is not valid"));
    Ok(LeadFilter {
        status: status
            .map(|s| s.parse::<LeadStatus>())
            .transpose()
            .map_err(|_| bad("status"))?,
        category_id: category
            .map(|c| c.parse())
            .transpose()
            .map_err(|_| bad("category"))?,
        agent_id: agent
            .map(|a| a.parse())
            .transpose()
            .map_err(|_| bad("agent"))?,
        query: q
            .filter(|q| !q.trim().is_empty())
            .map(|q| SearchQuery::parse(&q))
            .transpose()
            .map_err(|_| bad("q"))?,
    })
}

pub(super) async fn run<S: Store>(
    crm: &Crm<S>,
    org: OrgId,
    filter: &LeadFilter,
    format: FormatArg,
    output: Option<PathBuf>,
) -> Result<Report, Failure> {
    let format = match format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Jsonl => ExportFormat::Jsonl,
    };
    crm.organization_overview(org).await?;
    let Some(path) = output else {
        let mut stdout = std::io::stdout().lock();
        let rows = crm
            .export_leads(org, filter, format, |chunk| {
                std::future::ready(stdout.write_all(&chunk))
            })
            .await
            .map_err(|e| fail(djcrm_domain::chain(&e)))?;
        stdout.flush().map_err(fail)?;
        drop(stdout);
        eprintln!("{rows} lead(s) exported");
        return Ok(Report {
            json: serde_json::Value::Null,
            text: String::new(),
        });
    };
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .map_err(|e| Failure(format!("cannot write {}: {e}", partial.display())))?;
    let mut writer = std::io::BufWriter::new(file);
    let rows = crm
        .export_leads(org, filter, format, |chunk| {
            std::future::ready(writer.write_all(&chunk))
        })
        .await
        .map_err(|e| fail(djcrm_domain::chain(&e)))?;
    writer
        .into_inner()
        .map_err(|e| fail(e.error()))?
        .sync_all()
        .map_err(fail)?;
    std::fs::rename(&partial, &path)
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    Ok(Report {
        json: json!({ "rows": rows, "output": path.display().to_string() }),
        text: format!("{rows} lead(s) exported to {}", path.display()),
    })
}
