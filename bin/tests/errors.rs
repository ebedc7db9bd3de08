//! Failures reported to a Sentry-compatible service when `errors.sentry_dsn` is
//! set: a real `djcrm serve` whose store breaks under it answers 500, and the
//! report that reaches the service carries the cause.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::time::{Instant, sleep};

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_reported_with_its_cause() {
    let (sentry_port, received) = common::collector("/api/42/envelope/").await;
    let database = common::Database::create().await;
    let dir = tempfile::tempdir().expect("a folder");
    let port = common::free_port();
    let mut server = common::serve(port, &database.url, &dir.path().join("outbox"))
        .env("DJCRM_QUEUE__IN_PROCESS_WORKER", "false")
        .env(
            "DJCRM_ERRORS__SENTRY_DSN",
            format!("http://publickey@127.0.0.1:{sentry_port}/42"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("djcrm serve starts");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server is ready within 30 s");
        sleep(Duration::from_millis(100)).await;
    }
    let signup: Value = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(
            &json!({"organization_name": "Broken", "email": "owner@broken.test",
            "password": "correct horse battery", "full_name": "Olive Owner"}),
        )
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("its body");
    let token = signup["token"].as_str().unwrap_or_default().to_owned();

    // The store breaks under the running server.
    let mut admin = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    sqlx::query("DROP TABLE categories CASCADE")
        .execute(&mut admin)
        .await
        .expect("dropped");
    let failed = client
        .get(format!("{base}/api/v1/categories"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(failed.status().as_u16(), 500);

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = received.lock().map(|r| r.concat()).unwrap_or_default();
        if common::contains(&got, b"request failed") && common::contains(&got, b"does not exist") {
            break;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            panic!(
                "a report with the cause within 15 s; got {}",
                String::from_utf8_lossy(&got)
            );
        }
        sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    drop(admin);
    database.drop_now().await;
}
