//! Rate limits over HTTP: per token, per client address for logins and signups,
//! failed logins per email, shared through Redis by several servers, and what
//! happens when the limiter is down.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Reply, TestApp};

fn header_number(reply: &Reply, name: &str) -> u64 {
    reply
        .header(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing or not a number: {:?}", reply.headers))
}

#[tokio::test]
async fn every_api_answer_carries_its_limit_remaining_and_reset() {
    let app = TestApp::spawn().await;
    let owner = app.signup("Acme").await;
    let first = app.get("/me", &owner.token).await;
    let second = app.get("/me", &owner.token).await;
    assert_eq!(header_number(&first, "ratelimit-limit"), 600);
    assert_eq!(
        header_number(&second, "ratelimit-remaining"),
        header_number(&first, "ratelimit-remaining") - 1
    );
    assert!(header_number(&second, "ratelimit-reset") <= 60);
    let missing = app.get("/leads/0", &owner.token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.header("ratelimit-remaining").is_some(),
        "errors carry it too"
    );
}

#[tokio::test]
async fn past_its_limit_a_token_gets_429_with_retry_after() {
    let app = TestApp::spawn_configured(|s| s.rate_limit.api_per_minute = 3).await;
    let owner = app.signup("Acme").await;
    for _ in 0..3 {
        assert_eq!(app.get("/me", &owner.token).await.status, StatusCode::OK);
    }
    let limited = app.get("/me", &owner.token).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(limited.body["code"], "rate_limited");
    let retry = header_number(&limited, "retry-after");
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(header_number(&limited, "ratelimit-remaining"), 0);
}

#[tokio::test]
async fn probes_are_never_limited() {
    let app = TestApp::spawn_configured(|s| s.rate_limit.api_per_minute = 1).await;
    for _ in 0..5 {
        let probe = app
            .send(reqwest::Client::new().get(app.url("/api/v1/readyz")))
            .await;
        assert_eq!(probe.status, StatusCode::OK);
    }
}

async fn login(app: &TestApp, email: &str, password: &str) -> Reply {
    app.login(email, password).await
}

#[tokio::test]
async fn failed_logins_for_one_email_are_refused_until_they_age_out() {
    let app = TestApp::spawn_configured(|s| {
        s.rate_limit.login_failures_per_15_min = 3;
        s.rate_limit.auth_per_minute = 100;
    })
    .await;
    let owner = app.signup("Acme").await;
    for _ in 0..3 {
        let wrong = login(&app, &owner.email, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password: the account is under attack.
    let refused = login(&app, &owner.email, "correct horse battery").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(header_number(&refused, "retry-after") >= 60);
    // Another account is not affected.
    let other = app.signup("Globex").await;
    let fine = login(&app, &other.email, "correct horse battery").await;
    assert_eq!(fine.status, StatusCode::OK);
}

#[tokio::test]
async fn logins_and_signups_are_limited_per_client_address() {
    let app = TestApp::spawn_configured(|s| s.rate_limit.auth_per_minute = 2).await;
    let owner = app.signup("Acme").await;
    assert_eq!(
        login(&app, &owner.email, "correct horse battery")
            .await
            .status,
        StatusCode::OK
    );
    let limited = login(&app, &owner.email, "correct horse battery").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn two_servers_sharing_redis_enforce_one_limit() {
    let prefix = crate::redis::settings().prefix;
    let (one, other) = TestApp::spawn_pair_on_postgres(|s| {
        s.cache.url = crate::redis::url();
        s.cache.prefix = prefix.clone();
        s.rate_limit.api_per_minute = 10;
    })
    .await;
    let owner = one.signup("Acme").await;
    let mut answered = Vec::new();
    for i in 0..16 {
        let app = if i % 2 == 0 { &one } else { &other };
        answered.push(app.get("/me", &owner.token).await.status);
    }
    let ok = answered.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = answered
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (10, 6), "{answered:?}");
}

#[tokio::test]
async fn with_redis_down_the_api_answers_and_logins_are_refused_not_unthrottled() {
    let app = TestApp::spawn_configured(|s| {
        s.cache.url = "redis://127.0.0.1:1".to_owned();
        s.cache.timeout_ms = 200;
    })
    .await;
    let signup = app
        .send(
            app.request(Method::POST, "/auth/signup", None)
                .json(&json!({
                    "organization_name": "Acme",
                    "email": "owner@acme.test",
                    "password": "correct horse battery",
                    "full_name": "Olive Owner",
                })),
        )
        .await;
    // Signups and logins fail closed: brute force must not become possible.
    assert_eq!(
        signup.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        signup.body
    );
    assert!(signup.header("retry-after").is_some());
    // The rest of the API fails open.
    let unauthenticated = app.get("/me", "djcrm_nobody").await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn past_the_hashing_capacity_a_login_is_told_to_retry() {
    let app = TestApp::spawn_configured(|s| {
        s.auth.password_hash_concurrency = 1;
        s.auth.password_hash_wait_ms = 0;
        s.rate_limit.auth_per_minute = 1000;
    })
    .await;
    let owner = app.signup("Acme").await;
    let logins = (0..8).map(|_| login(&app, &owner.email, "correct horse battery"));
    let replies = futures::future::join_all(logins).await;
    let busy: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        replies
            .iter()
            .all(|r| [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&r.status)),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        !busy.is_empty(),
        "one hashing slot cannot serve eight logins at once"
    );
    assert!(busy.iter().all(|r| r.header("retry-after").is_some()));
    assert!(busy.iter().all(|r| r.body["code"] == "busy"));
}
