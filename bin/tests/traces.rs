//! Spans exported over OTLP/HTTP when `tracing.otlp_endpoint` is set: a real
//! `djcrm serve` process sends its request and store spans to a collector (here a
//! stand-in that keeps what it receives), and its JSON log lines carry the trace id.

use std::process::Stdio;
use std::time::Duration;

use tokio::time::{Instant, sleep};

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_and_store_spans_reach_the_collector() {
    let (collector_port, received) = common::collector("/v1/traces").await;
    let dir = tempfile::tempdir().expect("a folder");
    let port = common::free_port();
    let database = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    let mut server = common::serve(port, &database, &dir.path().join("outbox"))
        .env("DJCRM_LOG__FILTER", "info,sqlx=warn")
        .env("DJCRM_LOG__FORMAT", "json")
        .env(
            "DJCRM_TRACING__OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector_port}/v1/traces"),
        )
        .env("DJCRM_TRACING__SERVICE_NAME", "djcrm-under-test")
        // Export every 100 ms rather than every 5 s.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("djcrm serve starts");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // /readyz pings the store: a request span with a store span inside.
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        let got = received.lock().map(|r| r.concat()).unwrap_or_default();
        if ready
            && common::contains(&got, b"djcrm-under-test")
            && common::contains(&got, b"request")
            && common::contains(&got, b"store")
        {
            break;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            panic!(
                "request and store spans of djcrm-under-test within 30 s ({} bytes received)",
                got.len()
            );
        }
        sleep(Duration::from_millis(200)).await;
    }
    let _ = server.kill();
    let logs = server.wait_with_output().expect("the server's logs").stderr;
    let logs = String::from_utf8_lossy(&logs);
    // Every log line of a request carries its trace id, the one exported.
    let trace_id = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|line| line["span"]["trace_id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("a log line with a trace id in:\n{logs}"));
    let raw: Vec<u8> = (0..trace_id.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(trace_id.get(i..i + 2)?, 16).ok())
        .collect();
    assert_eq!(raw.len(), 16, "a 128-bit trace id: {trace_id}");
    let got = received.lock().map(|r| r.concat()).unwrap_or_default();
    assert!(
        common::contains(&got, &raw),
        "the logged trace id {trace_id} is an exported one"
    );
}
