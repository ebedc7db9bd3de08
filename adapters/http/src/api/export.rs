//! `GET /leads/export`: the organization's leads as CSV, streamed a page at a time
//! (the same export as `djcrm-admin leads export`).

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::export::ExportFormat;
use djcrm_application::leads::ListLeadsRequest;
use djcrm_domain::ports::Store;
use poem::Body;
use poem_openapi::param::Query;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::dto::LeadStatusDto;
use crate::problem::{AUTHENTICATED, FORBIDDEN, QUERY};

/// Pages encoded ahead of the client: what the stream holds in memory at most.
const AHEAD: usize = 4;

/// The export.
#[derive(ApiResponse)]
pub enum ExportResponse {
    /// The leads as CSV with a header row (`id, first_name, last_name, email, phone,
    /// description, status, category, agent_email, created_at, updated_at`;
    /// categories by name, agents by email), newest first.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

/// The export endpoint.
pub struct ExportApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Leads")]
impl<S: Store> ExportApi<S> {
    /// Every lead the filters select, as CSV, streamed (organizers).
    #[oai(path = "/leads/export", method = "get", operation_id = "exportLeads")]
    async fn export(
        &self,
        auth: BearerAuth,
        /// Only this status.
        status: Query<Option<LeadStatusDto>>,
        /// Only this category.
        category_id: Query<Option<Uuid>>,
        /// Only this agent's leads.
        agent_id: Query<Option<Uuid>>,
        /// Search first name, last name and email (case-insensitive substring).
        #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"))]
        q: Query<Option<String>>,
    ) -> ApiResult<ExportResponse, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let actor = auth.0.actor;
        let request = ListLeadsRequest {
            status: status.0.map(Into::into),
            category_id: category_id.0.map(Into::into),
            agent_id: agent_id.0.map(Into::into),
            q: q.0,
            page: Default::default(),
        };
        let filter = self.crm.export_filter(&actor, &request)?;
        let (pages, received) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(AHEAD);
        let crm = self.crm.clone();
        tokio::spawn(async move {
            let sent = pages.clone();
            let result = crm
                .export_leads(actor.org_id, &filter, ExportFormat::Csv, move |chunk| {
                    let sent = sent.clone();
                    async move { sent.send(Ok(chunk)).await }
                })
                .await;
            if let Err(error) = result {
                // The client sees the body end early; the log says why.
                tracing::error!(error = %error, "a lead export stopped");
                let _ = pages
                    .send(Err(std::io::Error::other("the export stopped")))
                    .await;
            }
        });
        let stream = futures_util::stream::unfold(received, |mut received| async move {
            received.recv().await.map(|page| (page, received))
        });
        Ok(ExportResponse::Csv(
            Binary(Body::from_bytes_stream(stream)),
            "attachment; filename=\"leads.csv\"".to_owned(),
        ))
    }
}
