//! Errors raised before a handler runs (routing, extractors, auth, the body) as
//! problem details.

use poem::Response;
use poem::http::StatusCode;

use super::{FieldProblem, INTERNAL_DETAIL, PROBLEM_JSON, ProblemDetails};

/// Turns any error that reached the edge (route not found, unsupported media type,
/// a missing token, a body too large...) into problem details. Responses that are
/// problems already pass through unchanged.
pub async fn problem_for_error(error: poem::Error) -> Response {
    // An id in the path that is not even a UUID names nothing that could exist.
    if error.is::<poem_openapi::error::ParsePathError>() {
        return ProblemDetails::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no resource has this id",
        )
        .into_http_response();
    }
    // A parameter the document constrains (type, range, pattern, enum) that fails
    // its constraint is invalid input like any other: 422, naming the parameter.
    if let Some(param) = error.downcast_ref::<poem_openapi::error::ParseParamError>() {
        return ProblemDetails::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{}: {}", param.name, param.reason),
        )
        .with_errors(vec![FieldProblem {
            field: param.name.to_owned(),
            message: param.reason.clone(),
        }])
        .into_http_response();
    }
    let status = error.status();
    let detail = error.to_string();
    let response = error.into_response();
    let is_problem = response
        .content_type()
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    if is_problem {
        return response;
    }
    let code = match status {
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    };
    if status.is_server_error() {
        tracing::error!(error.message = %detail, "request failed at the edge");
        return ProblemDetails::new(status, "internal", INTERNAL_DETAIL).into_http_response();
    }
    let detail = if status == StatusCode::UNAUTHORIZED {
        "a valid bearer token is required".to_owned()
    } else {
        detail
    };
    ProblemDetails::new(status, code, detail).into_http_response()
}
