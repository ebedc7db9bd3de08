//! Agents.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::agents::{CreateAgentRequest, UpdateAgentRequest};
use djcrm_domain::ports::Store;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params, page_parts};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{AgentBody, AgentPage, AgentStatsBody, CreateAgentBody, UpdateAgentBody};
use crate::problem::{AUTHENTICATED, BY_ID, CONFLICT, FORBIDDEN, IDEMPOTENT, JSON_BODY, QUERY};

/// Agent creation result.
#[derive(ApiResponse)]
pub enum CreateAgentResponse {
    /// The agent was added and can log in with the given password.
    #[oai(status = 201)]
    Created(Json<AgentBody>, #[oai(header = "Location")] String),
}

/// Agent deletion result.
#[derive(ApiResponse)]
pub enum DeleteAgentResponse {
    /// The agent is deleted: signed out, its leads unassigned, gone from the API.
    #[oai(status = 204)]
    Deleted,
}

/// Agent endpoints.
pub struct AgentsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Agents")]
impl<S: Store> AgentsApi<S> {
    /// The organization's agents, newest first (organizers).
    #[oai(path = "/agents", method = "get", operation_id = "listAgents")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<AgentPage>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let page = self
            .crm
            .agents(&auth.0.actor, &page_params(limit.0, cursor.0))
            .await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(AgentPage { items, next_cursor }))
    }

    /// Add an agent with an initial password (organizers).
    ///
    /// The agent logs in with the email and this password. Emails are unique across
    /// all users (409 when taken).
    #[oai(path = "/agents", method = "post", operation_id = "createAgent")]
    async fn create(
        &self,
        auth: BearerAuth,
        /// Makes a retry safe: the same key and body within 24 hours answer the first
        /// answer again without creating again; the same key with another body is a 422.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = "^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateAgentBody>,
    ) -> ApiResult<
        CreateAgentResponse,
        { AUTHENTICATED | FORBIDDEN | JSON_BODY | CONFLICT | IDEMPOTENT },
    > {
        let body = body.0;
        let request = CreateAgentRequest {
            email: body.email,
            full_name: body.full_name,
            password: body.password,
        };
        let agent = self.crm.create_agent(&auth.0.actor, request).await?;
        let location = format!("/api/v1/agents/{}", agent.id);
        Ok(CreateAgentResponse::Created(Json(agent.into()), location))
    }

    /// One agent (organizers, or that agent).
    #[oai(path = "/agents/:id", method = "get", operation_id = "getAgent")]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AgentBody>, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        Ok(Json(
            self.crm.agent(&auth.0.actor, id.0.into()).await?.into(),
        ))
    }

    /// Rename, deactivate or reactivate an agent (organizers).
    ///
    /// Send only the fields to change. Deactivating (`"active": false`) signs the
    /// agent out at once and keeps them, and their leads, for history; reassign
    /// their leads. Reactivating lets them log in again.
    #[oai(path = "/agents/:id", method = "patch", operation_id = "updateAgent")]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<UpdateAgentBody>,
    ) -> ApiResult<Json<AgentBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | JSON_BODY }> {
        let body = body.0;
        let request = UpdateAgentRequest {
            full_name: body.full_name,
            active: body.active,
        };
        Ok(Json(
            self.crm
                .update_agent(&auth.0.actor, id.0.into(), request)
                .await?
                .into(),
        ))
    }

    /// Delete an agent (organizers).
    ///
    /// The agent is signed out, their leads are unassigned for you to reassign, and
    /// the agent is gone from the API (404 from then on). The history still names
    /// them where they acted. To keep an agent but stop them working, `PATCH` it
    /// with `{"active": false}` instead.
    #[oai(path = "/agents/:id", method = "delete", operation_id = "deleteAgent")]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<DeleteAgentResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        self.crm.delete_agent(&auth.0.actor, id.0.into()).await?;
        Ok(DeleteAgentResponse::Deleted)
    }

    /// An agent's performance (organizers, or that agent).
    #[oai(
        path = "/agents/:id/performance",
        method = "get",
        operation_id = "getAgentPerformance"
    )]
    async fn performance(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AgentStatsBody>, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        Ok(Json(
            self.crm
                .agent_stats(&auth.0.actor, id.0.into())
                .await?
                .into(),
        ))
    }
}
