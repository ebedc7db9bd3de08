//! The OpenAPI document clients generate from is committed (`openapi.json` at the
//! repository root), so every contract change shows in review: the served document
//! must be exactly the committed one.

use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(path).expect("openapi.json is committed at the root"),
    )
    .expect("openapi.json is JSON");
    let app = TestApp::spawn().await;
    let served = app
        .send(reqwest::Client::new().get(app.url("/api/openapi.json")))
        .await
        .body;
    assert!(
        served == committed,
        "the served OpenAPI document differs from openapi.json; if the change is \
         meant, regenerate it: cargo run -q -- openapi > openapi.json"
    );
}

/// The committed document.
fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// `(operation, status, response)` for every response of every operation.
fn responses(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, operations) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in operations.as_object().into_iter().flatten() {
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let name = format!("{} {path}", method.to_uppercase());
                all.push((name, status.clone(), response.clone()));
            }
        }
    }
    all
}

#[test]
fn every_response_with_a_body_shows_an_example() {
    let document = committed();
    let all = responses(&document);
    assert!(
        all.len() > 100,
        "the document lists every operation's responses"
    );
    for (operation, status, response) in all {
        for (media, content) in response["content"].as_object().into_iter().flatten() {
            let schema = &content["schema"];
            let component = schema["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .map(|name| &document["components"]["schemas"][name]);
            let has_example = content.get("example").is_some()
                || component.is_some_and(|c| c.get("example").is_some());
            assert!(has_example, "{operation} {status} {media} has no example");
        }
    }
}

#[test]
fn error_examples_have_the_status_they_document() {
    for (operation, status, response) in responses(&committed()) {
        if let Some(example) = response["content"]["application/problem+json"].get("example") {
            assert_eq!(
                example["status"].to_string(),
                status,
                "{operation} {status}: the example's status"
            );
        }
    }
}

#[test]
fn a_described_reference_is_a_single_all_of_which_generators_accept() {
    fn check(value: &Value, at: &str) {
        match value {
            Value::Object(object) => {
                // An inline part that only annotates (a description, `nullable`) beside
                // a reference is the shape openapi-python-client rejects for enums.
                let annotation_only = |part: &Value| {
                    part.as_object().is_some_and(|p| {
                        p.keys()
                            .all(|k| ["description", "nullable", "title"].contains(&k.as_str()))
                    })
                };
                if let Some(all_of) = object.get("allOf").and_then(Value::as_array) {
                    assert!(
                        all_of.len() == 1 || !all_of.iter().any(annotation_only),
                        "{at}: allOf of a reference and an annotation"
                    );
                }
                for (key, child) in object {
                    check(child, &format!("{at}/{key}"));
                }
            }
            Value::Array(items) => items.iter().for_each(|item| check(item, at)),
            _ => {}
        }
    }
    check(&committed(), "");
}
