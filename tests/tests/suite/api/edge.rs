//! The hardened edge: security headers, CORS only for configured origins, and
//! connections that cannot be held open by silent or trickling clients.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

use crate::helpers::TestApp;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let missing = app.get("/no/such/route", "x").await;
    assert_eq!(missing.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(missing.header("referrer-policy"), Some("no-referrer"));
    let policy = missing
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}

#[tokio::test]
async fn responses_that_carry_tokens_are_not_stored() {
    let app = TestApp::spawn().await;
    let owner = app.signup("Acme").await;
    let login = app.login(&owner.email, "correct horse battery").await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn the_docs_page_may_not_be_framed() {
    let app = TestApp::spawn().await;
    let docs = app
        .send(reqwest::Client::new().get(app.url("/api/docs")))
        .await;
    assert_eq!(docs.status, StatusCode::OK);
    let policy = docs.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
}

async fn preflight(app: &TestApp, origin: &str) -> crate::helpers::Reply {
    let request = app
        .request(Method::OPTIONS, "/leads", None)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        );
    app.send(request).await
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = TestApp::spawn().await;
    let reply = preflight(&app, "https://app.acme.test").await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::spawn_configured(|settings| {
        settings.http.cors_allowed_origins = vec!["https://app.acme.test".to_owned()];
    })
    .await;
    let allowed = preflight(&app, "https://app.acme.test").await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.acme.test")
    );
    let other = preflight(&app, "https://evil.test").await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    let owner = app.signup("Acme").await;
    let read = app
        .send(
            app.request(Method::GET, "/me", Some(&owner.token))
                .header("Origin", "https://app.acme.test"),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let exposed = read
        .header("access-control-expose-headers")
        .unwrap_or_default();
    assert!(exposed.to_lowercase().contains("etag"), "{exposed}");
    assert_eq!(json!(read.body["user"]["email"]), json!(owner.email));
}

/// Whether the server closes `stream` within `within` (end of stream or an error).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn silent_and_trickling_connections_are_closed_after_the_header_timeout() {
    let app = TestApp::spawn_configured(|settings| {
        settings.http.header_read_timeout_ms = 500;
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(TcpStream::connect(app.addr).await.expect("a connection"));
    }
    let trickling = (0..2).map(|_| {
        let addr = app.addr;
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("a connection");
            let (mut reader, mut writer) = stream.split();
            let trickle = async {
                for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: yes" {
                    if writer.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    sleep(Duration::from_millis(100)).await;
                }
            };
            let mut buf = [0u8; 256];
            let closed = async {
                loop {
                    match reader.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            };
            tokio::select! {
                () = closed => true,
                () = trickle => false,
            }
        })
    });
    for stream in &mut silent {
        assert!(
            closed_within(stream, Duration::from_secs(3)).await,
            "a silent connection stayed open"
        );
    }
    for task in trickling {
        assert!(
            task.await.expect("the task ends"),
            "a trickling connection stayed open"
        );
    }
    // The server still serves everyone else.
    let health = app
        .send(reqwest::Client::new().get(app.url("/healthz")))
        .await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let app = TestApp::spawn_configured(|settings| {
        settings.http.max_connections = 2;
    })
    .await;
    let first = TcpStream::connect(app.addr).await.expect("a connection");
    let second = TcpStream::connect(app.addr).await.expect("a connection");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("a client");
    assert!(
        client.get(app.url("/healthz")).send().await.is_err(),
        "served over the cap"
    );
    drop(first);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client");
    let served = client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("served");
    assert_eq!(served.status(), StatusCode::OK);
    drop(second);
}
