//! Webhooks and their deliveries.

use chrono::{DateTime, TimeZone, Utc};
use djcrm_domain::{Delivery, Webhook};
use poem_openapi::Object;
use poem_openapi::types::Example;
use serde::Deserialize;
use uuid::Uuid;

/// A new endpoint.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(example)]
pub struct CreateWebhookBody {
    /// Where deliveries go: an `http://` or `https://` URL reaching a public address.
    #[oai(validator(
        max_length = 2000,
        pattern = "^https?://[^/?#@:\\s\\x00-\\x1F\\x7F-\\x9F][^/?#@\\s\\x00-\\x1F\\x7F-\\x9F]*([/?#][^\\s\\x00-\\x1F\\x7F-\\x9F]*)?$"
    ))]
    pub url: String,
    /// Event types from the change feed (`lead.created`, ...), or `["*"]` for all.
    #[oai(validator(
        min_items = 1,
        max_items = 64,
        pattern = "^(\\*|lead\\.created|lead\\.updated|lead\\.assigned|lead\\.unassigned|lead\\.status_changed|lead\\.deleted|lead\\.note_added|agent\\.created|agent\\.updated|agent\\.deactivated|agent\\.deleted|category\\.created|category\\.renamed|category\\.deleted|organization\\.updated|user\\.signed_up|user\\.created|user\\.logged_in|user\\.logged_out|user\\.login_failed|token\\.issued|token\\.revoked|invitation\\.sent|invitation\\.revoked|invitation\\.accepted|user\\.password_reset_requested|user\\.password_changed|webhook\\.created|webhook\\.updated|webhook\\.deleted|webhook\\.disabled)$"
    ))]
    pub events: Vec<String>,
}

/// Changes to an endpoint; send only what changes.
#[derive(Object, Debug, Clone, Deserialize, Default)]
#[oai(example)]
pub struct UpdateWebhookBody {
    /// A new URL.
    #[oai(
        nullable,
        validator(
            max_length = 2000,
            pattern = "^https?://[^/?#@:\\s\\x00-\\x1F\\x7F-\\x9F][^/?#@\\s\\x00-\\x1F\\x7F-\\x9F]*([/?#][^\\s\\x00-\\x1F\\x7F-\\x9F]*)?$"
        )
    )]
    pub url: Option<String>,
    /// New event types.
    #[oai(
        nullable,
        validator(
            min_items = 1,
            max_items = 64,
            pattern = "^(\\*|lead\\.created|lead\\.updated|lead\\.assigned|lead\\.unassigned|lead\\.status_changed|lead\\.deleted|lead\\.note_added|agent\\.created|agent\\.updated|agent\\.deactivated|agent\\.deleted|category\\.created|category\\.renamed|category\\.deleted|organization\\.updated|user\\.signed_up|user\\.created|user\\.logged_in|user\\.logged_out|user\\.login_failed|token\\.issued|token\\.revoked|invitation\\.sent|invitation\\.revoked|invitation\\.accepted|user\\.password_reset_requested|user\\.password_changed|webhook\\.created|webhook\\.updated|webhook\\.deleted|webhook\\.disabled)$"
        )
    )]
    pub events: Option<Vec<String>>,
    /// `false` stops deliveries; `true` starts them again (after repeated failures
    /// turned the webhook off, too).
    #[oai(nullable)]
    pub active: Option<bool>,
}

/// An endpoint.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct WebhookBody {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives (`["*"]`: all).
    pub events: Vec<String>,
    /// Whether deliveries go out.
    pub active: bool,
    /// Why it was turned off, when repeated failures did it.
    pub disabled_reason: Option<String>,
    /// Deliveries failed in a row.
    pub failures: u32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookBody {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id.as_uuid(),
            url: webhook.url.as_str().to_owned(),
            events: webhook.events.names(),
            active: webhook.active,
            disabled_reason: webhook.disabled_reason,
            failures: webhook.failures,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }
    }
}

/// A new endpoint, with its signing secret (shown this once).
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct CreatedWebhookBody {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// Whether deliveries go out.
    pub active: bool,
    /// The key of the `X-DJCRM-Signature` HMAC; store it, it is not shown again.
    pub secret: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for CreatedWebhookBody {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id.as_uuid(),
            url: webhook.url.as_str().to_owned(),
            events: webhook.events.names(),
            active: webhook.active,
            created_at: webhook.created_at,
            secret: webhook.secret,
        }
    }
}

/// The organization's endpoints.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<WebhookBody>,
}

/// One delivery attempt.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct DeliveryBody {
    /// Its id (also sent as `X-DJCRM-Delivery`).
    pub id: Uuid,
    /// The event delivered.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// The endpoint's HTTP status; absent when no answer came.
    pub status: Option<u16>,
    /// Whether it counts as delivered (a 2xx answer).
    pub delivered: bool,
    /// How long it took, in milliseconds.
    pub latency_ms: u64,
    /// The start of the answer's body, or why no answer came.
    pub response_excerpt: String,
    /// When.
    pub attempted_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryBody {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id.as_uuid(),
            event_id: delivery.event_id.as_uuid(),
            event_type: delivery.event_type.as_str().to_owned(),
            status: delivery.status,
            delivered: delivery.delivered,
            latency_ms: delivery.latency_ms,
            response_excerpt: delivery.response_excerpt,
            attempted_at: delivery.attempted_at,
        }
    }
}

/// A page of deliveries.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<DeliveryBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

const WEBHOOK: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c09);
const DELIVERY: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c0a);
const EVENT: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c0b);
const URL: &str = "https://hooks.acme.example/djcrm";

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

impl Example for CreateWebhookBody {
    fn example() -> Self {
        Self {
            url: URL.to_owned(),
            events: vec!["lead.created".to_owned(), "lead.status_changed".to_owned()],
        }
    }
}

impl Example for UpdateWebhookBody {
    fn example() -> Self {
        Self {
            active: Some(true),
            ..Self::default()
        }
    }
}

impl Example for WebhookBody {
    fn example() -> Self {
        Self {
            id: WEBHOOK,
            url: URL.to_owned(),
            events: vec!["lead.created".to_owned(), "lead.status_changed".to_owned()],
            active: true,
            disabled_reason: None,
            failures: 0,
            created_at: at(),
            updated_at: at(),
        }
    }
}

impl Example for CreatedWebhookBody {
    fn example() -> Self {
        Self {
            id: WEBHOOK,
            url: URL.to_owned(),
            events: vec!["lead.created".to_owned(), "lead.status_changed".to_owned()],
            active: true,
            secret: "whsec_5f1c2a4e7b108c3d5e6f7a8b9c01d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9"
                .to_owned(),
            created_at: at(),
        }
    }
}

impl Example for WebhookList {
    fn example() -> Self {
        Self {
            items: vec![WebhookBody::example()],
        }
    }
}

impl Example for DeliveryBody {
    fn example() -> Self {
        Self {
            id: DELIVERY,
            event_id: EVENT,
            event_type: "lead.created".to_owned(),
            status: Some(200),
            delivered: true,
            latency_ms: 84,
            response_excerpt: "ok".to_owned(),
            attempted_at: at(),
        }
    }
}

impl Example for DeliveryPage {
    fn example() -> Self {
        Self {
            items: vec![DeliveryBody::example()],
            next_cursor: None,
        }
    }
}
