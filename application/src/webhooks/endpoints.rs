//! Webhook endpoints: registered, changed and removed by organizers, with every
//! change in the change feed; their delivery log, and replays.

use djcrm_domain::jobs::{Job, JobKey, Work};
use djcrm_domain::ports::{Store, UnitOfWork, WebhookRepository};
use djcrm_domain::{
    Actor, Change, Delivery, DeliveryId, DomainError, Event, EventFilter, Page, ValidationErrors,
    Webhook, WebhookId, WebhookUrl,
};

use crate::policy::require_organizer;
use crate::tokens::hex;
use crate::{Crm, PageParams};

/// The most webhooks one organization may register.
pub const MAX_WEBHOOKS: usize = 20;

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct CreateWebhookRequest {
    /// Where deliveries go: an `http(s)` URL.
    pub url: String,
    /// Event type names from the change feed, or `["*"]` for all.
    pub events: Vec<String>,
}

/// Changes to an endpoint; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpdateWebhookRequest {
    /// A new URL.
    pub url: Option<String>,
    /// New event types.
    pub events: Option<Vec<String>>,
    /// Turn deliveries off (`false`) or on again (`true`: the failure count restarts).
    pub active: Option<bool>,
}

/// A fresh signing secret: `whsec_` and 32 random bytes in hex.
fn new_secret() -> Result<String, DomainError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::internal("drawing randomness", Some(e.to_string().into())))?;
    Ok(format!("whsec_{}", hex(&bytes)))
}

fn check_url(errors: &mut ValidationErrors, raw: &str) -> Option<WebhookUrl> {
    errors.check("url", WebhookUrl::parse(raw))
}

fn check_events(errors: &mut ValidationErrors, names: &[String]) -> Option<EventFilter> {
    errors.check("events", EventFilter::parse(names))
}

fn snapshot(webhook: &Webhook) -> (String, Vec<String>) {
    (webhook.url.as_str().to_owned(), webhook.events.names())
}

impl<S: Store> Crm<S> {
    /// Registers an endpoint for the caller's organization's events. The answer
    /// carries the signing secret, the only time it is shown.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `url` or `events`.
    /// - [`DomainError::Conflict`] past [`MAX_WEBHOOKS`].
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id))]
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        request: CreateWebhookRequest,
    ) -> Result<Webhook, DomainError> {
        require_organizer(actor, "only organizers can register webhooks")?;
        let mut errors = ValidationErrors::new();
        let url = check_url(&mut errors, &request.url);
        let events = check_events(&mut errors, &request.events);
        let (Some(url), Some(events)) = (url, events) else {
            return Err(errors.into());
        };
        if self.store.webhooks().list(actor.org_id).await?.len() >= MAX_WEBHOOKS {
            return Err(DomainError::Conflict {
                field: "url",
                message: format!("an organization has at most {MAX_WEBHOOKS} webhooks"),
            });
        }
        let now = self.clock.now();
        let webhook = Webhook {
            id: WebhookId::new(),
            org_id: actor.org_id,
            url,
            events,
            secret: new_secret()?,
            active: true,
            disabled_reason: None,
            failures: 0,
            created_by: Some(actor.user_id),
            created_at: now,
            updated_at: now,
        };
        let (url, events) = snapshot(&webhook);
        let mut uow = self.store.begin().await?;
        uow.insert_webhook(&webhook).await?;
        let change = Change::WebhookCreated { url, events };
        uow.append_event(&Event::new(
            actor.org_id,
            Some(actor.user_id),
            webhook.id,
            change,
            now,
        ))
        .await?;
        uow.commit().await?;
        Ok(webhook)
    }

    /// The caller's organization's webhooks, oldest first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>, DomainError> {
        require_organizer(actor, "only organizers can see webhooks")?;
        self.store.webhooks().list(actor.org_id).await
    }

    /// One webhook of the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn webhook(&self, actor: &Actor, id: WebhookId) -> Result<Webhook, DomainError> {
        require_organizer(actor, "only organizers can see webhooks")?;
        self.store.webhooks().get(actor.org_id, id).await
    }

    /// Changes a webhook's URL or events, or turns it off or on again.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `url` or `events`.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, webhook_id = %id))]
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: WebhookId,
        request: UpdateWebhookRequest,
    ) -> Result<Webhook, DomainError> {
        require_organizer(actor, "only organizers can change webhooks")?;
        let mut errors = ValidationErrors::new();
        let url = request.url.as_deref().map(|u| check_url(&mut errors, u));
        let events = request
            .events
            .as_deref()
            .map(|e| check_events(&mut errors, e));
        errors.into_result()?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut webhook = uow.webhook_for_update(actor.org_id, id).await?;
        if let Some(Some(url)) = url {
            webhook.url = url;
        }
        if let Some(Some(events)) = events {
            webhook.events = events;
        }
        if let Some(active) = request.active {
            if active && !webhook.active {
                webhook.failures = 0;
                webhook.disabled_reason = None;
            }
            webhook.active = active;
        }
        webhook.updated_at = now;
        uow.save_webhook(&webhook).await?;
        let (url, events) = snapshot(&webhook);
        let change = Change::WebhookUpdated {
            url,
            events,
            active: webhook.active,
        };
        uow.append_event(&Event::new(
            actor.org_id,
            Some(actor.user_id),
            id,
            change,
            now,
        ))
        .await?;
        uow.commit().await?;
        Ok(webhook)
    }

    /// Removes a webhook and its delivery log.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, webhook_id = %id))]
    pub async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can remove webhooks")?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let webhook = uow.webhook_for_update(actor.org_id, id).await?;
        uow.delete_webhook(actor.org_id, id).await?;
        let change = Change::WebhookDeleted {
            url: webhook.url.as_str().to_owned(),
        };
        uow.append_event(&Event::new(
            actor.org_id,
            Some(actor.user_id),
            id,
            change,
            now,
        ))
        .await?;
        uow.commit().await
    }

    /// A webhook's deliveries, newest first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when the webhook is absent or another tenant's.
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
        page: &PageParams,
    ) -> Result<Page<Delivery>, DomainError> {
        require_organizer(actor, "only organizers can see deliveries")?;
        let page = page.parse()?;
        self.store.webhooks().get(actor.org_id, id).await?;
        self.store
            .webhooks()
            .deliveries(actor.org_id, id, page)
            .await
    }

    /// Delivers a delivery's event to its webhook again, now (a new delivery, in the
    /// log like any other).
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when the webhook or delivery is absent or another
    ///   tenant's.
    /// - [`DomainError::Busy`] when the job queue cannot take it now.
    pub async fn replay_delivery(
        &self,
        actor: &Actor,
        webhook: WebhookId,
        delivery: DeliveryId,
    ) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can replay deliveries")?;
        let delivery = self
            .store
            .webhooks()
            .delivery(actor.org_id, webhook, delivery)
            .await?;
        let job = Job {
            key: JobKey::for_replay(DeliveryId::new()),
            org_id: actor.org_id,
            work: Work::WebhookDelivery {
                webhook_id: webhook,
                event_id: delivery.event_id,
            },
        };
        self.enqueue(&job).await
    }
}
