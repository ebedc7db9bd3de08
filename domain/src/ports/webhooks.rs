//! Webhooks: the endpoints (read), and sending a delivery over HTTP.

use std::future::Future;

use crate::{
    Delivery, DeliveryId, DomainError, OrgId, Page, PageRequest, Webhook, WebhookId, WebhookUrl,
};

/// An organization's webhooks and their delivery log.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait WebhookRepository: Send + Sync + 'static {
    /// The webhook `id` of `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: WebhookId,
    ) -> impl Future<Output = Result<Webhook, DomainError>> + Send;

    /// Every webhook of `org`, oldest first.
    fn list(&self, org: OrgId) -> impl Future<Output = Result<Vec<Webhook>, DomainError>> + Send;

    /// The deliveries to webhook `id` of `org`, newest first.
    fn deliveries(
        &self,
        org: OrgId,
        id: WebhookId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Delivery>, DomainError>> + Send;

    /// One delivery to webhook `webhook` of `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, to another webhook or in
    ///   another organization.
    fn delivery(
        &self,
        org: OrgId,
        webhook: WebhookId,
        id: DeliveryId,
    ) -> impl Future<Output = Result<Delivery, DomainError>> + Send;

    /// Logs a delivery attempt and counts it against its webhook: a delivered one
    /// resets the webhook's failures in a row, a failed one adds one. Answers the
    /// failures in a row after it.
    fn record_delivery(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<u32, DomainError>> + Send;
}

/// The answer of a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    /// Its HTTP status.
    pub status: u16,
    /// The start of its body.
    pub excerpt: String,
}

/// Why a delivery got no answer.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSendError {
    /// The target may not be reached: it resolves to a loopback, private or
    /// link-local address, and the operator has not allowed those.
    #[error("the target is not a public address: {0}")]
    Forbidden(String),
    /// No answer came: the host is unknown or down, refused the connection, or took
    /// too long.
    #[error("no answer: {0}")]
    NoAnswer(String),
}

/// Sends deliveries.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait WebhookSender: Send + Sync {
    /// POSTs `body` (JSON) to `url` with `headers`; answers the endpoint's answer,
    /// whatever its status.
    async fn post(
        &self,
        url: &WebhookUrl,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<WebhookAnswer, WebhookSendError>;
}
