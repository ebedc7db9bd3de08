//! `GET /metrics`: the Prometheus text exposition of the process's metrics, on the
//! public listener only for a client with the configured bearer token (a separate
//! listener, which needs none, is the binary's to open).

use std::sync::Arc;

use djcrm_application::tokens::hash_secret;
use poem::http::{StatusCode, header};
use poem::{Request, Response};

use crate::auth::bearer_token;
use crate::problem::ProblemDetails;

/// Renders the current metrics as Prometheus text.
pub type Render = Arc<dyn Fn() -> String + Send + Sync>;

/// `/metrics` on the public listener.
#[derive(Clone)]
pub struct MetricsRoute {
    /// The bearer token a scraper must send.
    pub token: String,
    /// What it gets.
    pub render: Render,
}

/// The Prometheus text format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics, as a response.
#[must_use]
pub fn exposition(render: &Render) -> Response {
    Response::builder()
        .content_type(CONTENT_TYPE)
        .body(render())
}

/// `/metrics` for `request`: the metrics, or 401 without the token.
pub fn guarded(route: &MetricsRoute, request: &Request) -> Response {
    // Compared as digests, so the time taken says nothing about the token.
    let allowed =
        bearer_token(request).is_some_and(|given| hash_secret(given) == hash_secret(&route.token));
    if allowed {
        return exposition(&route.render);
    }
    let mut response = ProblemDetails::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "the metrics need the bearer token configured as metrics.token",
    )
    .into_http_response();
    if let Ok(value) = "Bearer".parse() {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
