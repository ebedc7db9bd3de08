//! Rate limits at the edge: every `/api/v1` request counts against its token (or,
//! without one, its client address), and logins and signups also against their
//! client address. A refused request is a 429 problem with `Retry-After`; every
//! answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
//! (seconds) for the request's own quota. (Failed logins per email are counted by
//! the login use case, which alone knows a failure.)

use std::sync::Arc;

use djcrm_application::limits::whole_seconds;
use djcrm_application::throttle::Throttle;
use djcrm_application::tokens::hash_secret;
use djcrm_domain::ports::{Quota, RateLimiter, Standing};
use poem::http::{HeaderName, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::auth::bearer_token;
use crate::problem::ProblemDetails;

/// The limits the edge applies.
#[derive(Clone)]
pub struct EdgeLimits {
    /// Where hits are counted.
    pub limiter: Arc<dyn RateLimiter>,
    /// Requests per token (or per address without one).
    pub api: Quota,
    /// Logins, signups, password resets and invitation acceptances per client
    /// address.
    pub auth: Quota,
    /// Serve API requests when the limiter cannot answer.
    pub api_fail_open: bool,
    /// Let logins and signups through when the limiter cannot answer.
    pub auth_fail_open: bool,
}

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The client's address: the peer's IP (a proxy's forwarded headers are not trusted).
pub(crate) fn client_address(request: &Request) -> String {
    request
        .remote_addr()
        .as_socket_addr()
        .map_or_else(|| request.remote_addr().to_string(), |a| a.ip().to_string())
}

fn is_auth(request: &Request) -> bool {
    request.method() == Method::POST
        && matches!(
            request.uri().path(),
            "/api/v1/auth/login"
                | "/api/v1/auth/signup"
                | "/api/v1/auth/password-reset"
                | "/api/v1/auth/password-reset/confirm"
                | "/api/v1/auth/accept-invitation"
        )
}

/// The probes, under `/api/v1` as in the document: never limited, so an
/// orchestrator always reaches them.
pub(crate) const PROBES: [&str; 2] = ["/healthz", "/readyz"];

fn is_probe(path: &str) -> bool {
    path.strip_prefix("/api/v1")
        .is_some_and(|rest| PROBES.contains(&rest))
}

fn headers(response: &mut Response, standing: &Standing) {
    let headers = response.headers_mut();
    headers.insert(LIMIT, HeaderValue::from(standing.limit));
    headers.insert(REMAINING, HeaderValue::from(standing.remaining));
    let reset = if standing.reset_after.is_zero() {
        0
    } else {
        whole_seconds(standing.reset_after)
    };
    headers.insert(RESET, HeaderValue::from(reset));
}

fn refused(standing: &Standing) -> Response {
    let seconds = whole_seconds(standing.retry_after);
    let mut response = ProblemDetails::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {seconds} s"),
    )
    .retry_after(seconds)
    .into_http_response();
    headers(&mut response, standing);
    response
}

fn unavailable() -> Response {
    ProblemDetails::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "limiter_unavailable",
        "the rate limiter is unavailable; retry shortly",
    )
    .retry_after(5)
    .into_http_response()
}

/// Logs that the limiter is unavailable at most once every 30 seconds, so an outage
/// does not flood the log.
fn warn_unavailable(error: &dyn std::error::Error) {
    static WARNINGS: Throttle = Throttle::every(30);
    if WARNINGS.allow() {
        tracing::warn!(%error, "the rate limiter is unavailable");
    }
}

/// Counts `key` against `quota`: `Ok(Some)` with the standing, `Ok(None)` when the
/// limiter is down and the request may go ahead, `Err` with the answer otherwise.
async fn count(
    limits: &EdgeLimits,
    (name, key): (&'static str, &str),
    quota: Quota,
    fail_open: bool,
) -> Result<Option<Standing>, Response> {
    match limits.limiter.hit(key, quota).await {
        Ok(standing) if standing.allowed => Ok(Some(standing)),
        Ok(standing) => {
            metrics::counter!("djcrm_rate_limit_rejections_total", "limit" => name).increment(1);
            Err(refused(&standing))
        }
        Err(error) => {
            warn_unavailable(&error);
            metrics::counter!("djcrm_rate_limit_unavailable_total", "limit" => name).increment(1);
            if fail_open {
                Ok(None)
            } else {
                Err(unavailable())
            }
        }
    }
}

/// Serves `request` through `next` if its limits allow it.
pub async fn limit<E: Endpoint>(
    limits: Arc<EdgeLimits>,
    next: Arc<E>,
    request: Request,
) -> poem::Result<Response> {
    let path = request.uri().path();
    if !path.starts_with("/api/v1/") || is_probe(path) {
        return next.call(request).await.map(IntoResponse::into_response);
    }
    if is_auth(&request) {
        let key = format!("auth:address:{}", client_address(&request));
        let limit = ("auth", key.as_str());
        if let Err(answer) = count(&limits, limit, limits.auth, limits.auth_fail_open).await {
            return Ok(answer);
        }
    }
    let key = match bearer_token(&request) {
        Some(token) => format!("api:token:{}", hash_secret(token).as_str()),
        None => format!("api:address:{}", client_address(&request)),
    };
    let standing = match count(&limits, ("api", &key), limits.api, limits.api_fail_open).await {
        Ok(standing) => standing,
        Err(answer) => return Ok(answer),
    };
    let mut response = next.call(request).await.map(IntoResponse::into_response)?;
    if let Some(standing) = standing {
        headers(&mut response, &standing);
    }
    Ok(response)
}
