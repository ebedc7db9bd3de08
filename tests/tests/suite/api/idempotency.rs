//! Safe retries with `Idempotency-Key`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

async fn create(app: &TestApp, token: &str, key: &str, body: Value) -> Reply {
    app.send(
        app.request(Method::POST, "/leads", Some(token))
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

async fn a_retried_create_answers_the_first_answer_and_creates_once(app: TestApp) {
    let owner = app.signup("Acme").await;
    let body = json!({ "first_name": "Ada", "last_name": "L" });
    let first = create(&app, &owner.token, "retry-1", body.clone()).await;
    let again = create(&app, &owner.token, "retry-1", body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.id(), first.id());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let listed = app.get("/leads", &owner.token).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
}

async fn a_key_reused_for_another_request_is_422(app: TestApp) {
    let owner = app.signup("Acme").await;
    create(
        &app,
        &owner.token,
        "k",
        json!({ "first_name": "Ada", "last_name": "L" }),
    )
    .await;
    let other = create(
        &app,
        &owner.token,
        "k",
        json!({ "first_name": "Bob", "last_name": "L" }),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.error_fields(), ["Idempotency-Key"]);
}

async fn keys_belong_to_their_organization(app: TestApp) {
    let acme = app.signup("Acme").await;
    let globex = app.signup("Globex").await;
    let body = json!({ "first_name": "Ada", "last_name": "L" });
    let ours = create(&app, &acme.token, "same", body.clone()).await;
    let theirs = create(&app, &globex.token, "same", body).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.id(), ours.id());
    assert_eq!(theirs.header("idempotent-replayed"), None);
}

crate::on_every_store!(
    a_retried_create_answers_the_first_answer_and_creates_once,
    a_key_reused_for_another_request_is_422,
    keys_belong_to_their_organization,
);
