//! The problems one operation can answer. Each operation names its set in its
//! return type, `Problems<{ AUTHENTICATED | BY_ID | ... }>`, so the document lists
//! exactly those statuses for it; a problem outside its set is a bug, logged and
//! answered as a 500.

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaResponses, Registry};

use djcrm_domain::DomainError;

use super::{ApiError, ProblemDetails};

/// 400: the body is empty or not JSON.
pub const BAD_REQUEST: u16 = 1 << 0;
/// 401: no valid bearer token (or, at login, wrong credentials).
pub const UNAUTHORIZED: u16 = 1 << 1;
/// 403: the caller's role does not allow this.
pub const FORBIDDEN: u16 = 1 << 2;
/// 404: no such record in the caller's organization.
pub const NOT_FOUND: u16 = 1 << 3;
/// 409: the change clashes with existing data.
pub const CONFLICT: u16 = 1 << 4;
/// 412: `If-Match` names a version that is no longer current.
pub const PRECONDITION_FAILED: u16 = 1 << 5;
/// 413: the body is larger than the server accepts.
pub const PAYLOAD_TOO_LARGE: u16 = 1 << 6;
/// 415: the body is not `application/json`.
pub const UNSUPPORTED_MEDIA_TYPE: u16 = 1 << 7;
/// 422: a field or parameter breaks a rule.
pub const UNPROCESSABLE: u16 = 1 << 8;
/// 500: the server failed.
pub const INTERNAL: u16 = 1 << 9;
/// 429: too many requests; `Retry-After` says when to retry.
pub const TOO_MANY_REQUESTS: u16 = 1 << 10;
/// 503: at capacity, or a service it needs is down; `Retry-After` says when.
pub const UNAVAILABLE: u16 = 1 << 11;

/// Any operation that reads or writes the store can fail inside the server; every
/// API operation is rate limited (429), and answers 503 when the limiter is down and
/// configured to fail closed.
pub const STORED: u16 = INTERNAL | TOO_MANY_REQUESTS | UNAVAILABLE;
/// An operation behind a bearer token.
pub const AUTHENTICATED: u16 = UNAUTHORIZED | STORED;
/// An operation addressing a record by a path id: a missing record, or an id that
/// is not a UUID, is a 404.
pub const BY_ID: u16 = NOT_FOUND;
/// An operation that takes a JSON body: malformed (400), too large (413), of
/// another media type (415) or of the wrong shape (422).
pub const JSON_BODY: u16 = BAD_REQUEST | PAYLOAD_TOO_LARGE | UNSUPPORTED_MEDIA_TYPE | UNPROCESSABLE;
/// An operation with constrained query parameters (paging, filters).
pub const QUERY: u16 = UNPROCESSABLE;
/// An operation that honours `Idempotency-Key`: a key reused with another body is a
/// 422, and a retry while the first request is still running is a 409.
pub const IDEMPOTENT: u16 = UNPROCESSABLE | CONFLICT;

/// The bit of a status in a set, if it can be in one.
const fn bit(status: u16) -> Option<u16> {
    Some(match status {
        400 => BAD_REQUEST,
        401 => UNAUTHORIZED,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        409 => CONFLICT,
        412 => PRECONDITION_FAILED,
        413 => PAYLOAD_TOO_LARGE,
        415 => UNSUPPORTED_MEDIA_TYPE,
        422 => UNPROCESSABLE,
        500 => INTERNAL,
        429 => TOO_MANY_REQUESTS,
        503 => UNAVAILABLE,
        _ => return None,
    })
}

/// Whether `status` belongs to the set `set`.
#[must_use]
pub const fn in_set(set: u16, status: u16) -> bool {
    match bit(status) {
        Some(b) => set & b != 0,
        None => false,
    }
}

/// A problem from the set `SET` of one operation.
#[derive(Debug)]
pub struct Problems<const SET: u16>(ApiError);

impl<const SET: u16> Problems<SET> {
    /// The problem's status.
    fn status(&self) -> u16 {
        self.0.status()
    }
}

impl<const SET: u16> From<ApiError> for Problems<SET> {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl<const SET: u16> From<DomainError> for Problems<SET> {
    fn from(error: DomainError) -> Self {
        Self(error.into())
    }
}

impl<const SET: u16> ApiResponse for Problems<SET> {
    fn meta() -> MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses
            .retain(|response| response.status.is_some_and(|status| in_set(SET, status)));
        meta
    }

    fn register(registry: &mut Registry) {
        ApiError::register(registry);
    }
}

impl<const SET: u16> IntoResponse for Problems<SET> {
    fn into_response(self) -> Response {
        let status = self.status();
        if in_set(SET, status) {
            return self.0.into_response();
        }
        tracing::error!(
            status,
            "an operation answered a status its document does not list"
        );
        ProblemDetails::internal().into_http_response()
    }
}

impl<const SET: u16> From<Problems<SET>> for poem::Error {
    fn from(problems: Problems<SET>) -> Self {
        poem::Error::from_response(problems.into_response())
    }
}
