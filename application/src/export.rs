//! Exporting leads: every lead a filter selects, as CSV or JSON lines, encoded a
//! page at a time so memory stays flat whatever the number of leads.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::{LeadRepository, Store};
use djcrm_domain::{
    Actor, AgentId, CategoryId, DomainError, Lead, LeadFilter, Limit, OrgId, PageRequest,
    SearchQuery,
};
use std::collections::HashMap;

use crate::policy::require_organizer;
use crate::{Crm, catalog};

/// How exported leads are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// The columns of an export, in order; an import reads the same names.
pub const EXPORT_COLUMNS: [&str; 11] = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "description",
    "status",
    "category",
    "agent_email",
    "created_at",
    "updated_at",
];

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E: std::error::Error + 'static> {
    /// The store failed.
    #[error("reading the leads")]
    Store(#[from] DomainError),
    /// The output refused what was written.
    #[error("writing the export")]
    Output(#[source] E),
}

/// Leads read per page.
const PAGE: i64 = 100;

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// One lead as exported, in [`EXPORT_COLUMNS`] order.
fn row(
    lead: &Lead,
    categories: &HashMap<CategoryId, String>,
    agents: &HashMap<AgentId, String>,
) -> [String; 11] {
    let text = |v: Option<&str>| v.unwrap_or("").to_owned();
    [
        lead.id.to_string(),
        lead.first_name.as_str().to_owned(),
        lead.last_name.as_str().to_owned(),
        text(lead.email.as_ref().map(|e| e.as_str())),
        text(lead.phone.as_ref().map(|p| p.as_str())),
        text(lead.description.as_ref().map(|d| d.as_str())),
        lead.status().as_str().to_owned(),
        text(
            lead.category_id
                .and_then(|c| categories.get(&c))
                .map(String::as_str),
        ),
        text(
            lead.agent_id
                .and_then(|a| agents.get(&a))
                .map(String::as_str),
        ),
        time(lead.created_at),
        time(lead.updated_at()),
    ]
}

fn encode(
    rows: &[[String; 11]],
    format: ExportFormat,
    header: bool,
) -> Result<Vec<u8>, DomainError> {
    match format {
        ExportFormat::Csv => {
            let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
            let failed = |e: csv::Error| DomainError::internal("encoding CSV", Some(Box::new(e)));
            if header {
                writer.write_record(EXPORT_COLUMNS).map_err(failed)?;
            }
            for row in rows {
                writer.write_record(row).map_err(failed)?;
            }
            writer
                .into_inner()
                .map_err(|e| DomainError::internal("encoding CSV", Some(e.to_string().into())))
        }
        ExportFormat::Jsonl => {
            let mut out = Vec::new();
            for row in rows {
                let object: serde_json::Map<String, serde_json::Value> = EXPORT_COLUMNS
                    .iter()
                    .zip(row)
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                    .collect();
                serde_json::to_writer(&mut out, &object)
                    .map_err(|e| DomainError::internal("encoding JSON", Some(Box::new(e))))?;
                out.push(b'\n');
            }
            Ok(out)
        }
    }
}

impl<S: Store> Crm<S> {
    /// The filter of an organizer's export of their organization's leads: the
    /// listing's filters, checked as the listing checks them.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `q`.
    pub fn export_filter(
        &self,
        actor: &Actor,
        request: &crate::leads::ListLeadsRequest,
    ) -> Result<LeadFilter, DomainError> {
        require_organizer(actor, "only organizers can export leads")?;
        let query = request
            .q
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(SearchQuery::parse)
            .transpose()
            .map_err(|e| DomainError::invalid("q", e.to_string()))?;
        Ok(LeadFilter {
            status: request.status,
            category_id: request.category_id,
            agent_id: request.agent_id,
            query,
        })
    }

    /// Every lead of `org` that `filter` selects, newest first, encoded as `format`
    /// a page at a time and handed to `chunk`; answers how many leads went out.
    /// Categories are written by name and agents by email, as an import reads them.
    ///
    /// # Errors
    /// [`ExportError::Store`] when the store fails, [`ExportError::Output`] when
    /// `chunk` does; what was handed over before stays handed over.
    pub async fn export_leads<E, F>(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        format: ExportFormat,
        mut chunk: impl FnMut(Vec<u8>) -> F,
    ) -> Result<u64, ExportError<E>>
    where
        E: std::error::Error + 'static,
        F: std::future::Future<Output = Result<(), E>>,
    {
        let limit = Limit::new(PAGE).map_err(|e| DomainError::invalid("limit", e.to_string()))?;
        let categories: HashMap<CategoryId, String> = catalog::categories(&self.store, org)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name.into_inner()))
            .collect();
        let agents: HashMap<AgentId, String> = catalog::agents(&self.store, org)
            .await?
            .into_iter()
            .map(|a| (a.id, a.email.as_str().to_owned()))
            .collect();
        let mut after = None;
        let mut exported = 0u64;
        let mut header = true;
        loop {
            let page = self
                .store
                .leads()
                .list(org, filter, PageRequest { limit, after })
                .await?;
            let rows: Vec<[String; 11]> = page
                .items
                .iter()
                .map(|lead| row(lead, &categories, &agents))
                .collect();
            if !rows.is_empty() || header {
                let bytes = encode(&rows, format, header && format == ExportFormat::Csv)?;
                chunk(bytes).await.map_err(ExportError::Output)?;
            }
            header = false;
            exported += u64::try_from(rows.len()).unwrap_or(0);
            match page.next_cursor {
                Some(next) => after = Some(next),
                None => return Ok(exported),
            }
        }
    }
}
