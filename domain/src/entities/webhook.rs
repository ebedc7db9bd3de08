//! Webhooks: an organization's endpoints that receive its events as signed POSTs.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::{DeliveryId, EventId, EventType, OrgId, UserId, WebhookId};

/// Why a string is not a [`WebhookUrl`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    /// Not `http://` or `https://` followed by a host.
    #[error("must be an http:// or https:// URL with a host")]
    NotHttp,
    /// Longer than [`WebhookUrl::MAX_LEN`].
    #[error("must be at most 2000 characters")]
    TooLong,
    /// Carries credentials (`user:password@`), which would be sent to every hop.
    #[error("must not carry a user or password")]
    Credentials,
}

/// Where deliveries go: an absolute `http(s)` URL with a host. Whether the host may
/// be reached (public addresses only, by default) is checked when sending, on the
/// addresses it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// The longest URL accepted.
    pub const MAX_LEN: usize = 2000;

    /// Checks `raw`.
    ///
    /// # Errors
    /// [`WebhookUrlError`] when it is not an `http(s)` URL with a host.
    pub fn parse(raw: &str) -> Result<Self, WebhookUrlError> {
        let raw = raw.trim();
        if raw.len() > Self::MAX_LEN {
            return Err(WebhookUrlError::TooLong);
        }
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or(WebhookUrlError::NotHttp)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(WebhookUrlError::Credentials);
        }
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty())
            .map_or(authority, |(host, _)| host);
        let plausible =
            !host.is_empty() && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
        if plausible {
            Ok(Self(raw.to_owned()))
        } else {
            Err(WebhookUrlError::NotHttp)
        }
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which events an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event (`["*"]`).
    All,
    /// These types.
    Only(Vec<EventType>),
}

impl EventFilter {
    /// Whether an event of type `event_type` goes to the endpoint.
    #[must_use]
    pub fn matches(&self, event_type: EventType) -> bool {
        match self {
            Self::All => true,
            Self::Only(types) => types.contains(&event_type),
        }
    }

    /// The names, as clients send them (`["*"]` for all).
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Only(types) => types.iter().map(|t| t.as_str().to_owned()).collect(),
        }
    }

    /// Reads names as clients send them.
    ///
    /// # Errors
    /// The first name that is no event type (or an empty list).
    pub fn parse(names: &[String]) -> Result<Self, String> {
        if names.is_empty() {
            return Err("must name at least one event type, or \"*\"".to_owned());
        }
        if names.iter().any(|n| n == "*") {
            return Ok(Self::All);
        }
        let mut types = Vec::with_capacity(names.len());
        for name in names {
            let event_type = name
                .parse::<EventType>()
                .map_err(|_| format!("{name:?} is no event type"))?;
            if !types.contains(&event_type) {
                types.push(event_type);
            }
        }
        Ok(Self::Only(types))
    }
}

/// An organization's endpoint for its events.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Whose events it receives.
    pub org_id: OrgId,
    /// Where they go.
    pub url: WebhookUrl,
    /// Which.
    pub events: EventFilter,
    /// The key deliveries are signed with; shown to the organizer once.
    pub secret: String,
    /// Whether deliveries go out; off after repeated failure, or by an organizer.
    pub active: bool,
    /// Why it was turned off, when it was by failures.
    pub disabled_reason: Option<String>,
    /// Deliveries failed in a row (reset by a success).
    pub failures: u32,
    /// Who registered it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// One attempt to deliver an event to an endpoint, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// To which endpoint.
    pub webhook_id: WebhookId,
    /// Whose.
    pub org_id: OrgId,
    /// Which event.
    pub event_id: EventId,
    /// Its type.
    pub event_type: EventType,
    /// The HTTP status answered, if any answer came.
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub latency_ms: u64,
    /// The start of the answer's body, or why no answer came.
    pub response_excerpt: String,
    /// Whether it counts as delivered (a 2xx answer).
    pub delivered: bool,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_with_a_host_are_webhook_urls() {
        for url in [
            "https://hooks.example.com/djcrm",
            "http://127.0.0.1:9000/in?x=1",
            "https://[2001:db8::1]:8443/",
        ] {
            assert!(WebhookUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn other_schemes_hostless_urls_and_credentials_are_refused() {
        assert_eq!(
            WebhookUrl::parse("ftp://example.com/"),
            Err(WebhookUrlError::NotHttp)
        );
        assert_eq!(
            WebhookUrl::parse("https:///path"),
            Err(WebhookUrlError::NotHttp)
        );
        assert_eq!(
            WebhookUrl::parse("https://user:pw@example.com/"),
            Err(WebhookUrlError::Credentials)
        );
        assert_eq!(
            WebhookUrl::parse(&format!("https://e.com/{}", "a".repeat(2000))),
            Err(WebhookUrlError::TooLong)
        );
    }

    #[test]
    fn a_star_means_every_event_and_names_must_be_event_types() {
        let all = EventFilter::parse(&["*".to_owned()]).expect("a filter");
        assert!(all.matches(EventType::LeadCreated));
        let some = EventFilter::parse(&["lead.created".to_owned()]).expect("a filter");
        assert!(some.matches(EventType::LeadCreated));
        assert!(!some.matches(EventType::LeadDeleted));
        assert!(EventFilter::parse(&["lead.exploded".to_owned()]).is_err());
        assert!(EventFilter::parse(&[]).is_err());
    }
}
