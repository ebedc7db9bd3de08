//! # DJ CRM webhook deliveries over HTTP
//!
//! [`HttpSender`] POSTs deliveries with reqwest (rustls). A target must be public:
//! every address its host resolves to is checked (loopback, private, link-local and
//! other non-public ranges are refused unless the operator allows them), and the
//! connection goes to a checked address, so a name that resolves to a private
//! address later cannot slip through. Redirects are not followed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use djcrm_application::webhooks::is_public;
use djcrm_domain::WebhookUrl;
use djcrm_domain::ports::{WebhookAnswer, WebhookSendError, WebhookSender};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest answer body read, in bytes: the log keeps an excerpt.
const READ_AT_MOST: usize = 4096;

/// Resolves names to the addresses deliveries may reach.
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends deliveries over HTTP(S).
#[derive(Clone)]
pub struct HttpSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl std::fmt::Debug for HttpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSender")
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

impl HttpSender {
    /// A sender waiting at most `timeout` per delivery; `allow_private` lets it
    /// reach loopback and private addresses (for tests and closed networks).
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("DJCRM-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(CheckedResolver { allow_private }))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Refuses a URL whose host is a literal non-public address (names are checked
    /// by the resolver).
    fn check_literal(&self, url: &reqwest::Url) -> Result<(), WebhookSendError> {
        let literal = url
            .host_str()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|host| host.parse::<IpAddr>().ok());
        match literal {
            Some(ip) if !self.allow_private && !is_public(ip) => Err(WebhookSendError::Forbidden(
                format!("{ip} is not a public address"),
            )),
            _ => Ok(()),
        }
    }
}

fn refused_or_silent(error: &reqwest::Error) -> WebhookSendError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.contains("resolves to no public address") {
        WebhookSendError::Forbidden(text)
    } else {
        WebhookSendError::NoAnswer(text)
    }
}

#[async_trait::async_trait]
impl WebhookSender for HttpSender {
    async fn post(
        &self,
        url: &WebhookUrl,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<WebhookAnswer, WebhookSendError> {
        let started = std::time::Instant::now();
        let sent = self.send(url, headers, body).await;
        let outcome = match &sent {
            Ok(answer) if (200..300).contains(&answer.status) => "delivered",
            Ok(_) => "refused",
            Err(WebhookSendError::Forbidden(_)) => "forbidden",
            Err(_) => "no_answer",
        };
        metrics::counter!("djcrm_webhook_deliveries_total", "outcome" => outcome).increment(1);
        metrics::histogram!("djcrm_webhook_delivery_seconds")
            .record(started.elapsed().as_secs_f64());
        sent
    }
}

impl HttpSender {
    async fn send(
        &self,
        url: &WebhookUrl,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<WebhookAnswer, WebhookSendError> {
        let url = reqwest::Url::parse(url.as_str())
            .map_err(|e| WebhookSendError::Forbidden(format!("not a URL: {e}")))?;
        self.check_literal(&url)?;
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut response = request.send().await.map_err(|e| refused_or_silent(&e))?;
        let status = response.status().as_u16();
        let mut read = Vec::new();
        while read.len() < READ_AT_MOST {
            match response.chunk().await {
                Ok(Some(chunk)) => read.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        read.truncate(READ_AT_MOST);
        Ok(WebhookAnswer {
            status,
            excerpt: String::from_utf8_lossy(&read).into_owned(),
        })
    }
}
