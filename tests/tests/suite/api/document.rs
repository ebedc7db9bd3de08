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
