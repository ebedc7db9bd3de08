//! Statistics.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::Store;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::dto::{AgentStatsList, PipelineStatsBody};
use crate::problem::{AUTHENTICATED, FORBIDDEN};

/// Statistics endpoints.
pub struct StatsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Stats")]
impl<S: Store> StatsApi<S> {
    /// Live leads per pipeline status (organizers).
    #[oai(
        path = "/stats/pipeline",
        method = "get",
        operation_id = "pipelineStats"
    )]
    async fn pipeline(
        &self,
        auth: BearerAuth,
    ) -> ApiResult<Json<PipelineStatsBody>, { AUTHENTICATED | FORBIDDEN }> {
        Ok(Json(self.crm.pipeline_stats(&auth.0.actor).await?.into()))
    }

    /// Every agent's performance (organizers).
    #[oai(path = "/stats/agents", method = "get", operation_id = "agentStats")]
    async fn agents(
        &self,
        auth: BearerAuth,
    ) -> ApiResult<Json<AgentStatsList>, { AUTHENTICATED | FORBIDDEN }> {
        let rows = self.crm.agents_stats(&auth.0.actor).await?;
        Ok(Json(AgentStatsList {
            items: rows.into_iter().map(Into::into).collect(),
        }))
    }
}
