//! RFC 9457 problem details: the one shape of every error this API returns, and
//! the one place where domain errors become status codes.

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object};

use djcrm_domain::DomainError;

mod edge;
mod set;

pub use edge::problem_for_error;
pub use set::*;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What a server failure tells the client: the cause is logged, never sent.
pub const INTERNAL_DETAIL: &str = "the server failed to complete the request; it has been logged";

/// One invalid field of a request.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
#[oai(skip_serializing_if_is_none)]
pub struct FieldProblem {
    /// The field, as named in the request (`email`, `status`, `limit`, ...).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error, as RFC 9457 problem details.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
pub struct ProblemDetails {
    /// A URI identifying the problem type; `about:blank` means the status says it all.
    #[oai(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// A stable machine-readable code (`validation_failed`, `not_found`, ...).
    pub code: String,
    /// Every offending field, for validation errors and conflicts; empty otherwise.
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait before retrying (429, 503): sent as `Retry-After`.
    #[oai(skip)]
    pub retry_after: Option<u32>,
}

impl ProblemDetails {
    /// A problem with `status`, a machine `code` and a human `detail`.
    #[must_use]
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// The 500 every server failure answers: the cause is logged, never sent.
    #[must_use]
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            INTERNAL_DETAIL,
        )
    }

    /// Says when to retry.
    #[must_use]
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds offending fields.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    /// The response, with its status and media type.
    #[must_use]
    pub fn into_http_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let retry_after = self.retry_after;
        let mut response = Problem(Box::new(self)).into_response();
        response.set_status(status);
        if unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A problem-details body, served as `application/problem+json`.
#[derive(Debug, Clone)]
pub struct Problem(pub Box<ProblemDetails>);

impl Payload for Problem {
    const CONTENT_TYPE: &'static str = PROBLEM_JSON;

    fn schema_ref() -> MetaSchemaRef {
        ProblemDetails::schema_ref()
    }

    fn register(registry: &mut Registry) {
        ProblemDetails::register(registry);
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.0.to_json_string();
        Response::builder().content_type(PROBLEM_JSON).body(body)
    }
}

/// Every error an operation can answer, as documented in the OpenAPI document.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The body is empty or not JSON.
    #[oai(status = 400)]
    BadRequest(Problem),
    /// No valid bearer token.
    #[oai(status = 401)]
    Unauthorized(Problem, #[oai(header = "WWW-Authenticate")] String),
    /// The caller's role does not allow this.
    #[oai(status = 403)]
    Forbidden(Problem),
    /// No such record in the caller's organization.
    #[oai(status = 404)]
    NotFound(Problem),
    /// The change clashes with existing data.
    #[oai(status = 409)]
    Conflict(Problem),
    /// `If-Match` names a version that is no longer current (or no version at all).
    #[oai(status = 412)]
    PreconditionFailed(Problem),
    /// The request body is larger than the server accepts.
    #[oai(status = 413)]
    PayloadTooLarge(Problem),
    /// The request body is not JSON.
    #[oai(status = 415)]
    UnsupportedMediaType(Problem),
    /// The input breaks a rule; `errors` names every offending field.
    #[oai(status = 422)]
    Unprocessable(Problem),
    /// Too many requests (of this token or client address, or failed logins for
    /// this email); retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Problem, #[oai(header = "Retry-After")] String),
    /// The server failed; the cause is logged, never sent.
    #[oai(status = 500)]
    Internal(Problem),
    /// The server is at capacity (password hashing) or a service it depends on is
    /// down; nothing was done. Retry after `Retry-After` seconds.
    #[oai(status = 503)]
    Unavailable(Problem, #[oai(header = "Retry-After")] String),
}

impl ApiError {
    /// The error for a problem, picked by its status.
    #[must_use]
    pub fn from_problem(problem: ProblemDetails) -> Self {
        let p = Problem(Box::new(problem));
        match p.0.status {
            400 => Self::BadRequest(p),
            401 => Self::Unauthorized(p, "Bearer".to_owned()),
            403 => Self::Forbidden(p),
            404 => Self::NotFound(p),
            409 => Self::Conflict(p),
            412 => Self::PreconditionFailed(p),
            413 => Self::PayloadTooLarge(p),
            415 => Self::UnsupportedMediaType(p),
            422 => Self::Unprocessable(p),
            429 => {
                let retry = p.0.retry_after.unwrap_or(1).to_string();
                Self::TooManyRequests(p, retry)
            }
            503 => {
                let retry = p.0.retry_after.unwrap_or(1).to_string();
                Self::Unavailable(p, retry)
            }
            _ => Self::Internal(p),
        }
    }

    /// The status this error answers.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(p)
            | Self::Unauthorized(p, _)
            | Self::Forbidden(p)
            | Self::NotFound(p)
            | Self::Conflict(p)
            | Self::PreconditionFailed(p)
            | Self::PayloadTooLarge(p)
            | Self::UnsupportedMediaType(p)
            | Self::Unprocessable(p)
            | Self::TooManyRequests(p, _)
            | Self::Internal(p)
            | Self::Unavailable(p, _) => p.0.status,
        }
    }

    /// A 422 naming one field.
    #[must_use]
    pub fn invalid_field(field: &str, message: &str) -> Self {
        Self::from_problem(
            ProblemDetails::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: {message}"),
            )
            .with_errors(vec![FieldProblem {
                field: field.to_owned(),
                message: message.to_owned(),
            }]),
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let problem = match &error {
            DomainError::Validation(errors) => ProblemDetails::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                errors.to_string(),
            )
            .with_errors(
                errors
                    .errors()
                    .iter()
                    .map(|e| FieldProblem {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
            ),
            DomainError::NotFound { .. } => {
                ProblemDetails::new(StatusCode::NOT_FOUND, "not_found", error.to_string())
            }
            DomainError::Unauthenticated => ProblemDetails::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "missing, invalid or expired credentials",
            ),
            DomainError::Forbidden(why) => {
                ProblemDetails::new(StatusCode::FORBIDDEN, "forbidden", *why)
            }
            DomainError::Conflict { field, message } => {
                ProblemDetails::new(StatusCode::CONFLICT, "conflict", message.clone()).with_errors(
                    vec![FieldProblem {
                        field: (*field).to_owned(),
                        message: message.clone(),
                    }],
                )
            }
            DomainError::InvalidTransition { .. } => ProblemDetails::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_transition",
                error.to_string(),
            )
            .with_errors(vec![FieldProblem {
                field: "status".to_owned(),
                message: error.to_string(),
            }]),
            DomainError::PreconditionFailed { .. } => ProblemDetails::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "the lead has changed since the version in If-Match; fetch it again",
            ),
            DomainError::RateLimited {
                retry_after_seconds,
            } => {
                // Per-email limits (failed logins, signups, resets) are the
                // application's; the edge's count themselves in rate_limit.
                metrics::counter!("djcrm_rate_limit_rejections_total", "limit" => "email")
                    .increment(1);
                ProblemDetails::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many attempts; retry in {retry_after_seconds} s"),
                )
                .retry_after(*retry_after_seconds)
            }
            DomainError::Busy {
                what,
                retry_after_seconds,
            } => ProblemDetails::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("the server is busy ({what}); retry in {retry_after_seconds} s"),
            )
            .retry_after(*retry_after_seconds),
            DomainError::Storage { .. } | DomainError::Internal { .. } => {
                tracing::error!(error.chain = %djcrm_domain::chain(&error), "request failed");
                ProblemDetails::internal()
            }
        };
        Self::from_problem(problem)
    }
}
