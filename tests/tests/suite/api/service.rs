//! The service around the API: health, docs, request ids, logout, restarts.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz", "/api/v1/healthz", "/api/v1/readyz"] {
        let reply = app.send(reqwest::Client::new().get(app.url(path))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.body["status"], "ok", "{path}");
    }
}

#[tokio::test]
async fn the_openapi_document_declares_the_bearer_scheme_and_the_docs_are_served() {
    let app = TestApp::spawn().await;
    let spec = app
        .send(reqwest::Client::new().get(app.url("/api/openapi.json")))
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    assert_eq!(
        spec.body["components"]["securitySchemes"]["BearerAuth"]["scheme"],
        "bearer"
    );
    assert!(spec.body["paths"]["/leads/{id}/status"]["post"].is_object());
    assert_eq!(
        spec.body["paths"]["/leads"]["post"]["responses"]["422"]["content"]["application/problem+json"]
            ["schema"]["$ref"],
        "#/components/schemas/ProblemDetails"
    );
    let docs = app
        .send(reqwest::Client::new().get(app.url("/api/docs/")))
        .await;
    assert_eq!(docs.status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept() {
    let app = TestApp::spawn().await;
    let generated = app
        .send(reqwest::Client::new().get(app.url("/healthz")))
        .await;
    assert!(
        generated
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty())
    );
    let kept = app
        .send(
            reqwest::Client::new()
                .get(app.url("/nowhere"))
                .header("x-request-id", "trace-42"),
        )
        .await;
    assert_eq!(kept.status, StatusCode::NOT_FOUND);
    assert_eq!(kept.header("x-request-id"), Some("trace-42"));
}

#[tokio::test]
async fn logout_revokes_only_the_token_used() {
    let app = TestApp::spawn().await;
    let owner = app.signup("Acme").await;
    let second = app.login(&owner.email, "correct horse battery").await;
    let second = second.body["token"].as_str().expect("token").to_owned();
    let out = app
        .send(app.request(Method::POST, "/auth/logout", Some(&owner.token)))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/me", &owner.token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/me", &second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("djcrm.db");
    let app = TestApp::spawn_on(&path).await;
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Kept", "last_name": "Safe" }),
        )
        .await
        .id();
    app.stop().await;

    let app = TestApp::spawn_on(&path).await;
    let login = app.login(&owner.email, "correct horse battery").await;
    assert_eq!(login.status, StatusCode::OK);
    let token = login.body["token"].as_str().expect("token");
    let reply = app.get(&format!("/leads/{lead}"), token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["first_name"], "Kept");
    // The old token survived too.
    assert_eq!(app.get("/me", &owner.token).await.status, StatusCode::OK);
    app.stop().await;
}
