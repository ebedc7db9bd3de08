//! The OpenAPI document as served, committed and shown on the docs page.
//!
//! poem-openapi derives it from the operations; two things it cannot say are added
//! here, once, so every copy of the document agrees (docs/decisions.md):
//! - an example on every problem response, built from [`ProblemDetails`] itself so
//!   it cannot drift from what the server sends;
//! - an example on the CSV export, built from the export's own columns;
//! - a referenced schema with a field description is written as
//!   `allOf: [{$ref}]` beside the description, the form generators accept, instead
//!   of `allOf: [{$ref}, {description}]` (which openapi-python-client rejects for
//!   enums: "Cannot take allOf a non-object").

use poem::http::StatusCode;
use poem_openapi::types::ToJSON;
use serde_json::{Map, Value};

use crate::problem::{FieldProblem, INTERNAL_DETAIL, PROBLEM_JSON, ProblemDetails};
use crate::rate_limit::PROBES;

/// The document poem-openapi derived, refined. Returns the input unchanged if it is
/// not JSON (it always is; the document test compares the result).
#[must_use]
pub fn refine(spec: &str) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    single_ref_all_of(&mut document);
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, operation) in paths.iter_mut() {
            let limited = !PROBES.contains(&path.as_str());
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            for responses in operation
                .values_mut()
                .filter_map(|op| op.get_mut("responses"))
                .filter_map(Value::as_object_mut)
            {
                add_problem_examples(responses);
                add_csv_examples(responses);
                if limited {
                    add_rate_limit_headers(responses);
                }
            }
        }
    }
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| spec.to_owned())
}

/// Rewrites every `allOf: [{$ref}, {inline}]` whose inline part only repeats the
/// keys beside the `allOf` (a description, `nullable`) as `allOf: [{$ref}]`.
fn single_ref_all_of(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let repeats_siblings = |object: &Map<String, Value>| {
                let Some(Value::Array(all_of)) = object.get("allOf") else {
                    return false;
                };
                let [Value::Object(first), Value::Object(second)] = all_of.as_slice() else {
                    return false;
                };
                first.contains_key("$ref")
                    && !second.contains_key("$ref")
                    && second.iter().all(|(key, v)| object.get(key) == Some(v))
            };
            if repeats_siblings(object)
                && let Some(Value::Array(all_of)) = object.get_mut("allOf")
            {
                all_of.truncate(1);
            }
            object.values_mut().for_each(single_ref_all_of);
        }
        Value::Array(items) => items.iter_mut().for_each(single_ref_all_of),
        _ => {}
    }
}

/// Documents the `RateLimit-*` headers every answer of a rate-limited operation
/// carries (they are added by the edge, outside the operations poem-openapi sees).
/// Not required: while the limiter is unavailable (and the API fails open) they are
/// absent, and a 503 from a limiter that is down has none.
fn add_rate_limit_headers(responses: &mut Map<String, Value>) {
    let header = |description: &str| {
        serde_json::json!({
            "description": description,
            "required": false,
            "schema": {"type": "integer", "format": "int64", "minimum": 0},
        })
    };
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if status == "503" {
            continue;
        }
        let headers = response
            .entry("headers")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(headers) = headers.as_object_mut() {
            headers.insert(
                "RateLimit-Limit".to_owned(),
                header("Requests allowed per minute to this token (or client address)."),
            );
            headers.insert(
                "RateLimit-Remaining".to_owned(),
                header("Requests left right now."),
            );
            headers.insert(
                "RateLimit-Reset".to_owned(),
                header("Seconds until the full limit is available again."),
            );
        }
    }
}

/// Puts an example on each CSV response of one operation: the export's header row
/// and one lead.
fn add_csv_examples(responses: &mut Map<String, Value>) {
    let header = djcrm_application::export::EXPORT_COLUMNS.join(",");
    let example = format!(
        "{header}\r\n01936f1c-2a4e-7b10-8c3d-5e6f7a8b9c06,Grace,Hopper,grace@navy.example,,,\
         contacted,Hot,ada@acme.example,2026-11-02T09:00:00+00:00,2026-11-02T09:30:00+00:00\r\n"
    );
    for response in responses.values_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        for (media, body) in content.iter_mut() {
            if media.starts_with("text/csv")
                && let Some(body) = body.as_object_mut()
            {
                body.insert("example".to_owned(), Value::String(example.clone()));
            }
        }
    }
}

/// Puts an example body on each problem response of one operation.
fn add_problem_examples(responses: &mut Map<String, Value>) {
    for (status, response) in responses.iter_mut() {
        let Some(media) = response
            .get_mut("content")
            .and_then(|content| content.get_mut(PROBLEM_JSON))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Some(example) = status.parse().ok().and_then(example_problem) {
            media.insert(
                "example".to_owned(),
                example.to_json().unwrap_or(Value::Null),
            );
        }
    }
}

/// A typical problem of each status the API answers.
fn example_problem(status: u16) -> Option<ProblemDetails> {
    let field = |field: &str, message: &str| FieldProblem {
        field: field.to_owned(),
        message: message.to_owned(),
    };
    let status_code = StatusCode::from_u16(status).ok()?;
    let problem = |code: &str, detail: &str| ProblemDetails::new(status_code, code, detail);
    Some(match status {
        400 => problem(
            "malformed_json",
            "the body is not valid JSON: expected value at line 1 column 1",
        ),
        401 => problem("unauthenticated", "a valid bearer token is required"),
        403 => problem("forbidden", "only organizers can manage agents"),
        404 => problem("not_found", "lead not found"),
        409 => problem("conflict", "email is already taken")
            .with_errors(vec![field("email", "email is already taken")]),
        412 => problem(
            "precondition_failed",
            "the lead has changed since the version in If-Match; fetch it again",
        ),
        413 => problem(
            "payload_too_large",
            "the request body exceeds 1048576 bytes",
        ),
        415 => problem(
            "unsupported_media_type",
            "expected application/json, got text/plain",
        ),
        422 => problem("validation_failed", "email: is not a valid email address")
            .with_errors(vec![field("email", "is not a valid email address")]),
        429 => problem("rate_limited", "too many attempts; retry in 12 s").retry_after(12),
        500 => problem("internal", INTERNAL_DETAIL),
        503 => problem(
            "busy",
            "the server is busy (password hashing); retry in 1 s",
        )
        .retry_after(1),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ref_with_a_description_keeps_one_all_of_entry() {
        let spec = r##"{"a":{"description":"d","allOf":[{"$ref":"#/x"},{"description":"d"}]}}"##;
        let refined: Value = serde_json::from_str(&refine(spec)).unwrap_or_default();
        assert_eq!(
            refined["a"],
            serde_json::json!({"description": "d", "allOf": [{"$ref": "#/x"}]})
        );
    }

    #[test]
    fn an_all_of_that_adds_constraints_is_kept_whole() {
        let spec = r##"{"a":{"allOf":[{"$ref":"#/x"},{"maxLength":3}]}}"##;
        let refined: Value = serde_json::from_str(&refine(spec)).unwrap_or_default();
        assert_eq!(refined["a"]["allOf"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn every_documented_error_status_has_an_example() {
        for status in [400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 500, 503] {
            let example = example_problem(status).map(|p| p.status);
            assert_eq!(example, Some(status));
        }
    }
}
