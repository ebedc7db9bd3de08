//! Jobs that cannot be done: a mail server that refuses (a closed port) leads to
//! retries, then a failed job the organizer sees and can retry; nothing is lost.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

async fn refusing_mail_server() -> TestApp {
    let port = closed_port();
    TestApp::spawn_configured(|settings| {
        settings.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        settings.mail.timeout_ms = 1000;
        settings.queue.max_attempts = 3;
        settings.queue.retry_base_ms = 20;
        settings.queue.retry_max_ms = 100;
    })
    .await
}

/// Waits (up to 30 s) for the organization's failed jobs to satisfy `ready`.
async fn failed_jobs(app: &TestApp, token: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let reply = app.get("/jobs/failed", token).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let items = reply.body["items"].as_array().cloned().unwrap_or_default();
        if ready(&items) {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "failed jobs never became ready: {items:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn ask_for_a_reset(app: &TestApp, email: &str) {
    let reply = app
        .send(
            app.request(Method::POST, "/auth/password-reset", None)
                .json(&json!({ "email": email })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_refused_mail_is_retried_then_kept_as_failed_with_its_error() {
    let app = refusing_mail_server().await;
    let acme = app.signup("Acme").await;
    ask_for_a_reset(&app, &acme.email).await;
    let failed = failed_jobs(&app, &acme.token, |items| !items.is_empty()).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let job = &failed[0];
    assert_eq!(job["kind"], "password_reset_mail");
    assert_eq!(job["attempts"], 3, "every attempt was made: {job:?}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(error.contains("sending a mail"), "{error}");
}

#[tokio::test]
async fn a_failed_job_can_be_retried_and_runs_again() {
    let app = refusing_mail_server().await;
    let acme = app.signup("Acme").await;
    ask_for_a_reset(&app, &acme.email).await;
    let failed = failed_jobs(&app, &acme.token, |items| !items.is_empty()).await;
    let key = failed[0]["key"].as_str().expect("a key").to_owned();
    let first_end = failed[0]["finished_at"].clone();
    let retried = app
        .post(
            &format!("/jobs/failed/{key}/retry"),
            &acme.token,
            json!(null),
        )
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{:?}", retried.body);
    // The server still refuses: the job ran all its attempts again and failed again.
    let again = failed_jobs(&app, &acme.token, |items| {
        items
            .first()
            .is_some_and(|job| job["finished_at"] != first_end)
    })
    .await;
    assert_eq!(again.len(), 1, "one job, not two: {again:?}");
    assert_eq!(again[0]["key"], key.as_str());
}

#[tokio::test]
async fn failed_jobs_are_the_organizers_own() {
    let app = refusing_mail_server().await;
    let acme = app.signup("Acme").await;
    let globex = app.signup("Globex").await;
    ask_for_a_reset(&app, &acme.email).await;
    let failed = failed_jobs(&app, &acme.token, |items| !items.is_empty()).await;
    let key = failed[0]["key"].as_str().expect("a key").to_owned();
    let theirs = app.get("/jobs/failed", &globex.token).await;
    assert_eq!(theirs.body["items"], json!([]));
    let retry = app
        .post(
            &format!("/jobs/failed/{key}/retry"),
            &globex.token,
            json!(null),
        )
        .await;
    assert_eq!(retry.status, StatusCode::NOT_FOUND);
    let (_, agent) = app.agent(&acme, "Grace").await;
    assert_eq!(
        app.get("/jobs/failed", &agent).await.status,
        StatusCode::FORBIDDEN
    );
}
