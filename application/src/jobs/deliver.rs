//! Delivering an event to a webhook: signed, logged, counted; a webhook that keeps
//! failing is turned off, with why.

use std::time::Instant;

use djcrm_domain::ports::{EventLog, Store, UnitOfWork, WebhookRepository, WebhookSendError};
use djcrm_domain::{
    Change, Delivery, DeliveryId, DomainError, Event, EventId, OrgId, RecordedEvent, WebhookId,
};
use serde_json::{Value, json};

use super::JobError;
use super::worker::{Outcome, Worker, found};
use crate::webhooks::{SIGNATURE_HEADER, signature};

/// The JSON body of a delivery: the event as the change feed shows it.
#[must_use]
pub fn payload(recorded: &RecordedEvent) -> Value {
    let event = &recorded.event;
    let mut data = serde_json::to_value(&event.change).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut data {
        fields.remove("type");
    }
    json!({
        "id": event.id,
        "position": recorded.position,
        "type": event.event_type().as_str(),
        "occurred_at": event.occurred_at,
        "organization_id": event.org_id,
        "actor_id": event.actor_id,
        "subject_id": event.subject_id,
        "data": data,
    })
}

/// The start of a body, for the delivery log.
fn excerpt(text: &str) -> String {
    const MAX: usize = 500;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

impl<S: Store> Worker<S> {
    pub(super) async fn deliver(
        &self,
        org: OrgId,
        webhook_id: WebhookId,
        event_id: EventId,
    ) -> Result<Outcome, JobError> {
        let Some(sender) = &self.webhooks.sender else {
            return Err(JobError::Retry {
                context: "this worker has no webhook sender".to_owned(),
                source: None,
            });
        };
        let Some(webhook) = found(self.store.webhooks().get(org, webhook_id).await)? else {
            return Ok(Outcome::Skipped("the webhook was removed"));
        };
        if !webhook.active {
            return Ok(Outcome::Skipped("the webhook is turned off"));
        }
        let Some(recorded) = found(self.store.events().get(org, event_id).await)? else {
            return Ok(Outcome::Skipped("the event is gone"));
        };
        let body = serde_json::to_vec(&payload(&recorded)).map_err(|e| JobError::Permanent {
            context: "encoding an event".to_owned(),
            source: Some(Box::new(e)),
        })?;
        let id = DeliveryId::new();
        let now = self.clock.now();
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            (
                SIGNATURE_HEADER.to_owned(),
                signature(webhook.secret.as_bytes(), now.timestamp(), &body),
            ),
            (
                "X-DJCRM-Event".to_owned(),
                recorded.event.event_type().as_str().to_owned(),
            ),
            ("X-DJCRM-Delivery".to_owned(), id.to_string()),
        ];
        let started = Instant::now();
        let answer = sender.post(&webhook.url, headers, body).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, response_excerpt, delivered) = match &answer {
            Ok(answer) => (
                Some(answer.status),
                excerpt(&answer.excerpt),
                (200..300).contains(&answer.status),
            ),
            Err(error) => (None, excerpt(&error.to_string()), false),
        };
        let delivery = Delivery {
            id,
            webhook_id,
            org_id: org,
            event_id,
            event_type: recorded.event.event_type(),
            status,
            latency_ms,
            response_excerpt,
            delivered,
            attempted_at: now,
        };
        let failures = self.store.webhooks().record_delivery(&delivery).await?;
        if delivered {
            return Ok(Outcome::Done);
        }
        let why = match (&answer, status) {
            (_, Some(status)) => format!("the endpoint answered {status}"),
            (Err(error), None) => error.to_string(),
            (Ok(_), None) => "no answer".to_owned(),
        };
        if failures >= self.webhooks.disable_after {
            let reason = format!("{failures} deliveries failed in a row; the last: {why}");
            self.disable(org, webhook_id, &reason).await?;
            return Err(JobError::Permanent {
                context: format!("webhook turned off: {reason}"),
                source: None,
            });
        }
        match answer {
            Err(WebhookSendError::Forbidden(reason)) => Err(JobError::Permanent {
                context: format!("delivery refused: {reason}"),
                source: None,
            }),
            _ => Err(JobError::Retry {
                context: format!("delivery failed: {why}"),
                source: None,
            }),
        }
    }

    /// Turns a webhook off, with why, in a unit of work with its event.
    async fn disable(&self, org: OrgId, id: WebhookId, reason: &str) -> Result<(), DomainError> {
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut webhook = uow.webhook_for_update(org, id).await?;
        if !webhook.active {
            return Ok(());
        }
        webhook.active = false;
        webhook.disabled_reason = Some(reason.to_owned());
        webhook.updated_at = now;
        uow.save_webhook(&webhook).await?;
        let change = Change::WebhookDisabled {
            reason: reason.to_owned(),
        };
        uow.append_event(&Event::new(org, None, id, change, now))
            .await?;
        uow.commit().await?;
        tracing::warn!(webhook_id = %id, reason, "webhook turned off");
        Ok(())
    }
}
