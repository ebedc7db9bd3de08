//! Per-request observability and guards: one tracing span per request carrying a
//! request id (the client's `X-Request-Id` when sane, a new one otherwise) echoed
//! in the response, and an early 413 for declared bodies over the limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use poem::http::{HeaderName, HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::problem::{ProblemDetails, problem_for_error};

/// The request id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Counts a request in `djcrm_http_requests_in_flight` while it lives (dropped
/// when it ends, or when the client goes away and it is cancelled).
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!("djcrm_http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("djcrm_http_requests_in_flight").decrement(1.0);
    }
}

/// Counts a finished request and its latency, by method, route and status.
fn record(route: &str, method: &str, status: StatusCode, elapsed: Duration) {
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "other",
    };
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("djcrm_http_requests_total", &labels).increment(1);
    metrics::histogram!("djcrm_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
}

/// The trace id of the current span, if it has one (the tracer lives in the
/// binary; this adapter only records what it says).
pub type TraceId = fn() -> Option<String>;

/// Serves `request` through `next` inside its span, with its id, metrics and the
/// headers every API response carries.
pub async fn observe<E: Endpoint>(
    next: Arc<E>,
    request: Request,
    body_limit: usize,
    allowed: Arc<crate::allow::AllowedMethods>,
    trace_id: Option<TraceId>,
) -> poem::Result<Response> {
    let path = request.uri().path().to_owned();
    // Paths outside the API are one label, so scanners cannot grow the series.
    let route = allowed.template(&path).unwrap_or("unmatched").to_owned();
    let mut response = traced(request, &route, trace_id, async |request: Request| {
        let too_large = declared_length(&request).is_some_and(|len| len > body_limit as u64);
        if too_large {
            return ProblemDetails::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {body_limit} bytes"),
            )
            .into_http_response();
        }
        match next.call(request).await {
            Ok(output) => output.into_response(),
            Err(error) => problem_for_error(error).await,
        }
    })
    .await;
    crate::security::secure(&mut response, &path);
    allowed.apply(&mut response, &path);
    Ok(response)
}

/// Serves any other endpoint of the server (the web UI) the way API requests are
/// served: in a span with a request id, logged, and counted under `route`.
pub async fn observe_other<E: Endpoint>(
    next: &E,
    request: Request,
    route: &str,
    trace_id: Option<TraceId>,
) -> Response {
    traced(
        request,
        route,
        trace_id,
        async |request: Request| match next.call(request).await {
            Ok(output) => output.into_response(),
            Err(error) => error.into_response(),
        },
    )
    .await
}

/// Runs `serve` inside the request's span: the id (the client's when sane) echoed
/// in `X-Request-Id`, the request counted in flight and in the metrics, one log
/// line when it finishes.
async fn traced(
    request: Request,
    route: &str,
    trace_id: Option<TraceId>,
    serve: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let id = request_id(&request);
    let method = request.method().as_str().to_owned();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
        trace_id = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    async move {
        if let Some(id) = trace_id.and_then(|current| current()) {
            tracing::Span::current().record("trace_id", id.as_str());
        }
        let started = Instant::now();
        let _in_flight = InFlight::start();
        let mut response = serve(request).await;
        let status = response.status();
        record(route, &method, status, started.elapsed());
        let span = tracing::Span::current();
        span.record("status", status.as_u16());
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if status.is_server_error() {
            tracing::error!("request failed");
        } else {
            tracing::info!("request finished");
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    }
    .instrument(span)
    .await
}
