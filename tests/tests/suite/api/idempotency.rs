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

async fn signup_with_key(app: &TestApp, key: &str, org: &str) -> Reply {
    app.send(
        app.request(Method::POST, "/auth/signup", None)
            .header("Idempotency-Key", key)
            .json(&json!({
                "organization_name": org,
                "email": "ada@retry.test",
                "password": "correct horse battery",
                "full_name": "Ada Lovelace",
            })),
    )
    .await
}

async fn a_retried_signup_answers_the_same_token_and_signs_up_once(app: TestApp) {
    let first = signup_with_key(&app, "signup-1", "Retry Inc").await;
    let again = signup_with_key(&app, "signup-1", "Retry Inc").await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let token = first.body["token"].as_str().unwrap_or_default();
    assert_eq!(app.get("/me", token).await.status, StatusCode::OK);
}

async fn a_signup_key_reused_for_another_signup_is_422(app: TestApp) {
    signup_with_key(&app, "signup-2", "Retry Inc").await;
    let other = signup_with_key(&app, "signup-2", "Other Inc").await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.error_fields(), ["Idempotency-Key"]);
}

async fn another_member_reusing_a_key_gets_no_replay_of_an_answer_meant_for_someone_else(
    app: TestApp,
) {
    let owner = app.signup("Acme").await;
    let (_, agent) = app.agent(&owner, "Grace").await;
    let body = json!({ "first_name": "Ada", "last_name": "L" });
    let ours = create(&app, &owner.token, "shared", body.clone()).await;
    let theirs = create(&app, &agent, "shared", body).await;
    assert_eq!(ours.status, StatusCode::CREATED);
    assert_eq!(theirs.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(theirs.header("idempotent-replayed"), None);
}

async fn the_bearer_scheme_is_matched_in_any_case(app: TestApp) {
    let owner = app.signup("Acme").await;
    let send = || {
        app.send(
            reqwest::Client::new()
                .post(app.url("/api/v1/leads"))
                .header("Authorization", format!("bearer {}", owner.token))
                .header("Idempotency-Key", "lower")
                .json(&json!({ "first_name": "Ada", "last_name": "L" })),
        )
    };
    let first = send().await;
    let again = send().await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.id(), first.id());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn the_store_keeps_neither_the_key_nor_the_token_of_a_recorded_signup_in_clear() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("djcrm.db");
    let app = TestApp::spawn_on(&path).await;
    let key = "key-that-must-not-be-stored-1";
    let first = signup_with_key(&app, key, "Sealed Inc").await;
    let token = first.body["token"].as_str().unwrap_or_default().to_owned();
    assert!(!token.is_empty());
    app.stop().await;
    let mut stored = Vec::new();
    for file in std::fs::read_dir(dir.path()).expect("the database directory") {
        stored.extend(std::fs::read(file.expect("a file").path()).unwrap_or_default());
    }
    let holds = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(holds("Sealed Inc"), "the check reads the database files");
    assert!(!holds(&token), "the token is stored in clear");
    assert!(!holds(key), "the key is stored in clear");
}

crate::on_every_store!(
    a_retried_signup_answers_the_same_token_and_signs_up_once,
    a_signup_key_reused_for_another_signup_is_422,
    another_member_reusing_a_key_gets_no_replay_of_an_answer_meant_for_someone_else,
    the_bearer_scheme_is_matched_in_any_case,
    a_retried_create_answers_the_first_answer_and_creates_once,
    a_key_reused_for_another_request_is_422,
    keys_belong_to_their_organization,
);
