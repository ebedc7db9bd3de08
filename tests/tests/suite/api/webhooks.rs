//! Webhooks over HTTP, with a receiver in the test: deliveries arrive signed (the
//! receiver checks the HMAC itself), are retried after a 500, logged, replayed, and
//! a webhook that keeps failing is turned off with why.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use ring::hmac;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook endpoint on loopback: keeps every request, answers the statuses queued
/// (then 200).
struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start(answers: &[u16]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("an address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(answers.iter().copied().collect::<VecDeque<_>>()));
        let (kept, queued) = (received.clone(), answers.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (kept, queued) = (kept.clone(), queued.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    kept.lock().expect("the log").push(request);
                    let status = queued
                        .lock()
                        .expect("the answers")
                        .pop_front()
                        .unwrap_or(200);
                    let answer = format!(
                        "HTTP/1.1 {status} Whatever\r\ncontent-length: 11\r\nconnection: close\r\n\r\nanswered {}",
                        status / 100
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self {
            addr,
            received,
            answers,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the log").clone()
    }

    /// Waits (up to 30 s) until at least `count` requests came.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} requests came",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received { headers, body })
}

/// Checks `X-DJCRM-Signature` the way a receiver would: HMAC-SHA256 over
/// `"<t>.<body>"` keyed by the secret, compared in constant time.
fn signed_by(request: &Received, secret: &str) -> bool {
    let Some(header) = request.header("x-djcrm-signature") else {
        return false;
    };
    let mut parts = header.split(',');
    let (Some(t), Some(v1)) = (
        parts.next().and_then(|p| p.strip_prefix("t=")),
        parts.next().and_then(|p| p.strip_prefix("v1=")),
    ) else {
        return false;
    };
    let Ok(expected) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(v1.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(&request.body);
    hmac::verify(&key, &message, &expected).is_ok()
}

async fn app_with(configure: impl FnOnce(&mut djcrm_bin::config::Settings)) -> TestApp {
    TestApp::spawn_configured(|settings| {
        settings.webhooks.allow_private_targets = true;
        settings.queue.retry_base_ms = 20;
        settings.queue.retry_max_ms = 100;
        configure(settings);
    })
    .await
}

async fn register(app: &TestApp, token: &str, url: &str, events: Value) -> crate::helpers::Reply {
    app.post("/webhooks", token, json!({ "url": url, "events": events }))
        .await
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_secret_shown_once() {
    let app = app_with(|_| {}).await;
    let receiver = Receiver::start(&[]).await;
    let acme = app.signup("Acme").await;
    let created = register(&app, &acme.token, &receiver.url(), json!(["lead.created"])).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let secret = created.body["secret"]
        .as_str()
        .expect("the secret")
        .to_owned();
    let shown = app
        .get(&format!("/webhooks/{}", created.id()), &acme.token)
        .await;
    assert!(
        shown.body.get("secret").is_none(),
        "the secret is shown once"
    );
    app.lead(
        &acme.token,
        json!({ "first_name": "Ada", "last_name": "Lovelace" }),
    )
    .await;
    let delivery = &receiver.wait_for(1).await[0];
    assert!(signed_by(delivery, &secret), "{:?}", delivery.headers);
    assert!(!signed_by(delivery, "whsec_wrong"));
    let event = delivery.json();
    assert_eq!(event["type"], "lead.created");
    assert_eq!(event["data"]["lead"]["first_name"], "Ada");
    assert_eq!(delivery.header("x-djcrm-event"), Some("lead.created"));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_every_attempt_is_logged() {
    let app = app_with(|_| {}).await;
    let receiver = Receiver::start(&[500, 500]).await;
    let acme = app.signup("Acme").await;
    let id = register(&app, &acme.token, &receiver.url(), json!(["lead.created"]))
        .await
        .id();
    app.lead(
        &acme.token,
        json!({ "first_name": "Ada", "last_name": "Lovelace" }),
    )
    .await;
    let received = receiver.wait_for(3).await;
    let ids: Vec<_> = received.iter().map(|r| r.json()["id"].clone()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "the same event each time");
    let log = loop {
        let log = app
            .get(&format!("/webhooks/{id}/deliveries"), &acme.token)
            .await;
        if log.body["items"].as_array().is_some_and(|i| i.len() >= 3) {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let statuses: Vec<_> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![json!(200), json!(500), json!(500)],
        "newest first"
    );
    assert_eq!(log.body["items"][0]["delivered"], true);
    assert_eq!(log.body["items"][0]["response_excerpt"], "answered 2");
}

#[tokio::test]
async fn a_delivery_can_be_replayed() {
    let app = app_with(|_| {}).await;
    let receiver = Receiver::start(&[]).await;
    let acme = app.signup("Acme").await;
    let id = register(&app, &acme.token, &receiver.url(), json!(["lead.created"]))
        .await
        .id();
    app.lead(
        &acme.token,
        json!({ "first_name": "Ada", "last_name": "Lovelace" }),
    )
    .await;
    let first = receiver.wait_for(1).await[0].clone();
    let log = app
        .get(&format!("/webhooks/{id}/deliveries"), &acme.token)
        .await;
    let delivery = log.body["items"][0]["id"]
        .as_str()
        .expect("a delivery")
        .to_owned();
    let replayed = app
        .post(
            &format!("/webhooks/{id}/deliveries/{delivery}/replay"),
            &acme.token,
            json!(null),
        )
        .await;
    assert_eq!(replayed.status, StatusCode::ACCEPTED, "{:?}", replayed.body);
    let again = receiver.wait_for(2).await[1].clone();
    assert_eq!(again.json()["id"], first.json()["id"], "the same event");
    assert_ne!(
        again.header("x-djcrm-delivery"),
        first.header("x-djcrm-delivery"),
        "a new delivery"
    );
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_is_turned_off_with_why() {
    let app = app_with(|settings| {
        settings.webhooks.disable_after_failures = 3;
        settings.queue.max_attempts = 5;
    })
    .await;
    let receiver = Receiver::start(&[503; 10]).await;
    let acme = app.signup("Acme").await;
    let id = register(&app, &acme.token, &receiver.url(), json!(["lead.created"]))
        .await
        .id();
    app.lead(
        &acme.token,
        json!({ "first_name": "Ada", "last_name": "Lovelace" }),
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let webhook = loop {
        let webhook = app.get(&format!("/webhooks/{id}"), &acme.token).await;
        if webhook.body["active"] == false {
            break webhook;
        }
        assert!(tokio::time::Instant::now() < deadline, "{:?}", webhook.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let reason = webhook.body["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("503"), "{reason}");
    assert_eq!(
        receiver.received().len(),
        3,
        "nothing after it was turned off"
    );
    let _ = receiver.answers.lock().map(|mut a| a.clear());
    let on = app
        .patch(
            &format!("/webhooks/{id}"),
            &acme.token,
            json!({ "active": true }),
        )
        .await;
    assert_eq!(on.body["active"], true);
    assert_eq!(on.body["failures"], 0);
}

#[tokio::test]
async fn private_targets_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::spawn_configured(|settings| {
        settings.queue.max_attempts = 1;
    })
    .await;
    let receiver = Receiver::start(&[]).await;
    let acme = app.signup("Acme").await;
    let id = register(&app, &acme.token, &receiver.url(), json!(["*"]))
        .await
        .id();
    app.lead(
        &acme.token,
        json!({ "first_name": "Ada", "last_name": "Lovelace" }),
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let log = loop {
        let log = app
            .get(&format!("/webhooks/{id}/deliveries"), &acme.token)
            .await;
        if log.body["items"].as_array().is_some_and(|i| !i.is_empty()) {
            break log;
        }
        assert!(tokio::time::Instant::now() < deadline, "no delivery logged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let excerpt = log.body["items"][0]["response_excerpt"]
        .as_str()
        .unwrap_or_default();
    assert!(excerpt.contains("not a public address"), "{excerpt}");
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn bad_urls_and_event_names_are_422_and_webhooks_are_the_organizers_own() {
    let app = app_with(|_| {}).await;
    let acme = app.signup("Acme").await;
    let globex = app.signup("Globex").await;
    let bad_url = register(&app, &acme.token, "ftp://example.com/x", json!(["*"])).await;
    assert_eq!(bad_url.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_url.error_fields(), vec!["url"]);
    let bad_events = register(&app, &acme.token, "https://example.com/x", json!(["nope"])).await;
    assert_eq!(bad_events.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_events.error_fields(), vec!["events"]);
    let id = register(&app, &acme.token, "https://example.com/x", json!(["*"]))
        .await
        .id();
    assert_eq!(
        app.get(&format!("/webhooks/{id}"), &globex.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (_, agent) = app.agent(&acme, "Grace").await;
    assert_eq!(
        app.get("/webhooks", &agent).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("/webhooks/{id}"), &acme.token)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let feed = app
        .get(
            "/events?type=webhook.created&type=webhook.deleted",
            &acme.token,
        )
        .await;
    assert_eq!(
        feed.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        feed.body
    );
}
