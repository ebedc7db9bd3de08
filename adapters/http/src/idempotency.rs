//! `Idempotency-Key` on the requests that create (signup, leads, agents, categories,
//! notes): the first answer is recorded and replayed to a retry of the same request
//! by the same caller; the same key with another request is a 422; a retry while the
//! first is still being served is a 409. Keys are per organization, and per client
//! address for signup. The recorded answer is sealed (see the application's
//! `idempotency` module), so signup's token is never stored in clear.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::idempotency::IdempotencyScope;
use djcrm_domain::ports::Store;
use djcrm_domain::{DomainError, RecordedResponse, Reservation};
use poem::error::ReadBodyError;
use poem::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::auth::bearer_token;
use crate::problem::{ApiError, ProblemDetails};
use crate::rate_limit::client_address;

/// The header clients send.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The header marking a replayed answer.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Which creating operation `path` is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Creates {
    /// Signup: anonymous, keyed by client address.
    Signup,
    /// A creation by a signed-in user, keyed by organization.
    Authenticated,
}

fn creates(path: &str) -> Option<Creates> {
    let rest = path.strip_prefix("/api/v1/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["auth", "signup"] => Some(Creates::Signup),
        ["leads"] | ["agents"] | ["categories"] | ["leads", _, "notes"] => {
            Some(Creates::Authenticated)
        }
        _ => None,
    }
}

/// Whose keys these are and who asks. `None` when a creation that needs a token is
/// not authenticated (its handler answers 401).
async fn scope<S: Store>(
    crm: &Crm<S>,
    request: &Request,
    kind: Creates,
) -> Option<IdempotencyScope> {
    match kind {
        Creates::Signup => {
            let address = client_address(request);
            Some(IdempotencyScope {
                owner: format!("address:{address}"),
                caller: String::new(),
            })
        }
        Creates::Authenticated => {
            let actor = crm.authenticate(bearer_token(request)?).await.ok()?;
            Some(IdempotencyScope {
                owner: format!("org:{}", actor.org_id),
                caller: format!("user:{}", actor.user_id),
            })
        }
    }
}

fn problem(error: DomainError) -> Response {
    ApiError::from(error).into_response()
}

fn replay(recorded: RecordedResponse) -> Response {
    let status = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json; charset=utf-8"
    } else {
        "application/problem+json"
    };
    let mut response = Response::builder()
        .status(status)
        .content_type(content_type)
        .body(recorded.body);
    let headers = response.headers_mut();
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    for (name, value) in [
        (header::LOCATION, recorded.location),
        (header::ETAG, recorded.etag),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    response
}

/// Serves `request` through `next`, applying its `Idempotency-Key` if it has one.
pub async fn guard<S: Store, E: Endpoint>(
    crm: Arc<Crm<S>>,
    next: Arc<E>,
    mut request: Request,
    body_limit: usize,
) -> poem::Result<Response> {
    let key = request
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let kind = (request.method() == Method::POST)
        .then(|| creates(request.uri().path()))
        .flatten();
    let (Some(key), Some(kind)) = (key, kind) else {
        return next.call(request).await.map(IntoResponse::into_response);
    };
    let Some(scope) = scope(&crm, &request, kind).await else {
        return next.call(request).await.map(IntoResponse::into_response);
    };
    // One byte over the limit is enough to let the handler answer 413.
    let body = match request.take_body().into_bytes_limit(body_limit + 1).await {
        Ok(body) => body,
        Err(ReadBodyError::PayloadTooLarge) => {
            return Ok(ProblemDetails::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {body_limit} bytes"),
            )
            .into_http_response());
        }
        Err(error) => {
            return Ok(ProblemDetails::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the request body could not be read: {error}"),
            )
            .into_http_response());
        }
    };
    let path = request.uri().path().to_owned();
    let claimed = crm
        .claim_idempotency_key(&scope, &key, request.method().as_str(), &path, &body)
        .await;
    let (claim, reservation) = match claimed {
        Ok(claimed) => claimed,
        Err(error) => return Ok(problem(error)),
    };
    match reservation {
        Reservation::Replay(recorded) => return Ok(replay(recorded)),
        Reservation::Mismatch => {
            return Ok(problem(DomainError::invalid(
                "Idempotency-Key",
                "was used for a different request; use a new key for a new request",
            )));
        }
        Reservation::InProgress => {
            return Ok(problem(DomainError::Conflict {
                field: "Idempotency-Key",
                message: "a request with this key is still being served; retry shortly".into(),
            }));
        }
        Reservation::Reserved => {}
    }
    request.set_body(body);
    let response = next.call(request).await.map(IntoResponse::into_response);
    let response = match response {
        Ok(response) if !response.status().is_server_error() => response,
        other => {
            // The server failed: the client may retry the same request afresh.
            if let Err(error) = crm.release_idempotency_key(&claim).await {
                tracing::error!(%error, "cannot release an idempotency key");
            }
            return other;
        }
    };
    let (parts, body) = response.into_parts();
    let bytes = body.into_bytes().await.unwrap_or_default();
    let header = |name: &HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let recorded = RecordedResponse {
        status: parts.status.as_u16(),
        location: header(&header::LOCATION),
        etag: header(&header::ETAG),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(error) = crm.record_idempotent_answer(&claim, &recorded).await {
        tracing::error!(%error, "cannot record an idempotent answer");
    }
    Ok(Response::from_parts(parts, bytes.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_creating_paths_are_guarded() {
        for path in [
            "/api/v1/leads",
            "/api/v1/agents",
            "/api/v1/categories",
            "/api/v1/leads/0192/notes",
        ] {
            assert_eq!(creates(path), Some(Creates::Authenticated), "{path}");
        }
        assert_eq!(creates("/api/v1/auth/signup"), Some(Creates::Signup));
        for path in [
            "/api/v1/auth/login",
            "/api/v1/leads/0192/status",
            "/healthz",
        ] {
            assert_eq!(creates(path), None, "{path}");
        }
    }
}
