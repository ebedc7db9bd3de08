//! JSON request bodies. poem-openapi's own `Json` reports a missing or mistyped
//! field as a 400 without naming it; this extractor tells malformed JSON (400) from
//! JSON of the wrong shape (422 naming the field), and enforces the body limit even
//! for chunked uploads that send no `Content-Length`.

use poem::http::StatusCode;
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, FieldProblem, ProblemDetails};

/// The largest request body accepted, in bytes, as request data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

fn bad_request(detail: String) -> poem::Error {
    ApiError::from_problem(ProblemDetails::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        detail,
    ))
    .into()
}

fn too_large(limit: usize) -> poem::Error {
    ApiError::from_problem(ProblemDetails::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body exceeds {limit} bytes"),
    ))
    .into()
}

fn unsupported(content_type: &str) -> poem::Error {
    ApiError::from_problem(ProblemDetails::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("expected application/json, got {content_type}"),
    ))
    .into()
}

/// Decodes `bytes` as a `T`: syntax errors are 400, shape errors 422 naming the field.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, poem::Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_request("a JSON request body is required".to_owned()));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| bad_request(format!("the body is not valid JSON: {e}")))?;
    // Every body is an object; serde would otherwise read an array as a struct's
    // fields in order.
    if !value.is_object() {
        return Err(ApiError::invalid_field("body", "must be a JSON object").into());
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let message = error.into_inner().to_string();
        // serde names a missing field in the message, not in the path.
        let field = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map_or(field.clone(), |missing| {
                if field == "body" {
                    missing.to_owned()
                } else {
                    format!("{field}.{missing}")
                }
            });
        ApiError::from_problem(
            ProblemDetails::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: {message}"),
            )
            .with_errors(vec![FieldProblem { field, message }]),
        )
        .into()
    })
}

impl<'a, T> ApiExtractor<'a> for JsonBody<T>
where
    T: Type + DeserializeOwned + Send,
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <T as Type>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        // No Content-Type is taken as JSON (curl -d without -H); anything else must say JSON.
        if let Some(content_type) = request.content_type() {
            let is_json = content_type.parse::<mime::Mime>().is_ok_and(|m| {
                m.type_() == "application"
                    && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
            });
            if !is_json {
                return Err(unsupported(content_type));
            }
        }
        let limit = request.data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
        let bytes = body
            .take()?
            .into_bytes_limit(limit)
            .await
            .map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => too_large(limit),
                other => bad_request(format!("the body could not be read: {other}")),
            })?;
        decode(&bytes).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: u8,
    }

    fn status_of(result: Result<Sample, poem::Error>) -> StatusCode {
        result
            .map(|_| StatusCode::OK)
            .unwrap_or_else(|e| e.status())
    }

    #[test]
    fn malformed_json_is_a_400() {
        assert_eq!(status_of(decode(b"{\"name\": ")), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(decode(b"")), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_wrong_shape_is_a_422() {
        assert_eq!(
            status_of(decode(br#"{"name": "a"}"#)),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(decode(br#"{"name": "a", "count": "x"}"#)),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(decode(br#"{"name": "a", "count": 3}"#)),
            StatusCode::OK
        );
    }
}
