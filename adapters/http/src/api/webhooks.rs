//! Webhooks: endpoints receiving the organization's events as signed POSTs, their
//! delivery log, and replays.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::webhooks::{CreateWebhookRequest, UpdateWebhookRequest};
use djcrm_domain::ports::Store;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params, page_parts};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{
    CreateWebhookBody, CreatedWebhookBody, DeliveryPage, UpdateWebhookBody, WebhookBody,
    WebhookList,
};
use crate::problem::{AUTHENTICATED, BY_ID, CONFLICT, FORBIDDEN, JSON_BODY, QUERY};

/// Registration result.
#[derive(ApiResponse)]
pub enum CreateWebhookResponse {
    /// Registered; the secret is shown this once.
    #[oai(status = 201)]
    Created(Json<CreatedWebhookBody>, #[oai(header = "Location")] String),
}

/// Removal result.
#[derive(ApiResponse)]
pub enum DeleteWebhookResponse {
    /// Removed, with its delivery log.
    #[oai(status = 204)]
    Deleted,
}

/// Replay result.
#[derive(ApiResponse)]
pub enum ReplayResponse {
    /// The event is on its way again (a new delivery in the log).
    #[oai(status = 202)]
    Queued,
}

/// Webhook endpoints.
pub struct WebhooksApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl<S: Store> WebhooksApi<S> {
    /// Register an endpoint for the organization's events (organizers).
    ///
    /// Each matching event is POSTed as JSON, signed in `X-DJCRM-Signature:
    /// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>`,
    /// retried with backoff on failure; after repeated failure the webhook is turned
    /// off, with why. The URL must reach a public address.
    #[oai(path = "/webhooks", method = "post", operation_id = "createWebhook")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateWebhookBody>,
    ) -> ApiResult<CreateWebhookResponse, { AUTHENTICATED | FORBIDDEN | JSON_BODY | CONFLICT }>
    {
        let body = body.0;
        let request = CreateWebhookRequest {
            url: body.url,
            events: body.events,
        };
        let webhook = self.crm.create_webhook(&auth.0.actor, request).await?;
        let location = format!("/api/v1/webhooks/{}", webhook.id);
        Ok(CreateWebhookResponse::Created(
            Json(webhook.into()),
            location,
        ))
    }

    /// The organization's webhooks, oldest first (organizers).
    #[oai(path = "/webhooks", method = "get", operation_id = "listWebhooks")]
    async fn list(
        &self,
        auth: BearerAuth,
    ) -> ApiResult<Json<WebhookList>, { AUTHENTICATED | FORBIDDEN }> {
        let webhooks = self.crm.webhooks(&auth.0.actor).await?;
        Ok(Json(WebhookList {
            items: webhooks.into_iter().map(Into::into).collect(),
        }))
    }

    /// One webhook (organizers).
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "getWebhook")]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<WebhookBody>, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        let webhook = self.crm.webhook(&auth.0.actor, id.0.into()).await?;
        Ok(Json(webhook.into()))
    }

    /// Change a webhook's URL or events, or turn it off or on (organizers).
    ///
    /// Turning a webhook that failures turned off back on clears its failure count.
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "updateWebhook"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<UpdateWebhookBody>,
    ) -> ApiResult<Json<WebhookBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | JSON_BODY }> {
        let body = body.0;
        let request = UpdateWebhookRequest {
            url: body.url,
            events: body.events,
            active: body.active,
        };
        let webhook = self
            .crm
            .update_webhook(&auth.0.actor, id.0.into(), request)
            .await?;
        Ok(Json(webhook.into()))
    }

    /// Remove a webhook and its delivery log (organizers).
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "deleteWebhook"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<DeleteWebhookResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        self.crm.delete_webhook(&auth.0.actor, id.0.into()).await?;
        Ok(DeleteWebhookResponse::Deleted)
    }

    /// A webhook's deliveries, newest first: status, latency and the start of each
    /// answer (organizers).
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "listDeliveries"
    )]
    async fn deliveries(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<DeliveryPage>, { AUTHENTICATED | FORBIDDEN | BY_ID | QUERY }> {
        let page = self
            .crm
            .deliveries(&auth.0.actor, id.0.into(), &page_params(limit.0, cursor.0))
            .await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(DeliveryPage { items, next_cursor }))
    }

    /// Deliver a delivery's event again, now (organizers).
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery_id/replay",
        method = "post",
        operation_id = "replayDelivery"
    )]
    async fn replay(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        delivery_id: Path<Uuid>,
    ) -> ApiResult<ReplayResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        self.crm
            .replay_delivery(&auth.0.actor, id.0.into(), delivery_id.0.into())
            .await?;
        Ok(ReplayResponse::Queued)
    }
}
