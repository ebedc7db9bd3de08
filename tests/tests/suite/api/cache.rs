//! The cache over HTTP: a client never reads its own write stale, a dead token is
//! dead at once everywhere, and a Redis that is down only makes reads slower.
//! (Tokens, statistics, leads and lead pages, and the dashboard's week and recent
//! activity are cached.)

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn pair() -> (TestApp, TestApp) {
    let prefix = crate::redis::settings().prefix;
    TestApp::spawn_pair_on_postgres(|s| {
        s.cache.url = crate::redis::url();
        s.cache.prefix = prefix.clone();
    })
    .await
}

#[tokio::test]
async fn a_logout_on_one_server_kills_the_token_on_the_other_at_once() {
    let (one, other) = pair().await;
    let owner = one.signup("Acme").await;
    let second = one.login(&owner.email, "correct horse battery").await;
    let token = second.body["token"].as_str().unwrap_or_default().to_owned();
    // Both servers have looked the token up (and cached it).
    assert_eq!(one.get("/me", &token).await.status, StatusCode::OK);
    assert_eq!(other.get("/me", &token).await.status, StatusCode::OK);
    let logout = one
        .send(one.request(Method::POST, "/auth/logout", Some(&token)))
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(
        other.get("/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(other.get("/me", &owner.token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_write_through_one_server_is_read_fresh_through_the_other() {
    let (one, other) = pair().await;
    let owner = one.signup("Acme").await;
    let before = other.get("/stats/pipeline", &owner.token).await;
    assert_eq!(before.body["total"], 0);
    one.lead(
        &owner.token,
        json!({ "first_name": "Ada", "last_name": "L" }),
    )
    .await;
    let after = other.get("/stats/pipeline", &owner.token).await;
    assert_eq!(after.body["total"], 1);
    let agents = other.get("/stats/agents", &owner.token).await;
    assert_eq!(agents.status, StatusCode::OK);
}

#[tokio::test]
async fn a_lead_changed_through_one_server_is_read_fresh_through_the_other() {
    let (one, other) = pair().await;
    let owner = one.signup("Acme").await;
    let lead = one
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L" }),
        )
        .await
        .id();
    let path = format!("/leads/{lead}");
    // Read (and cached) through the other server: the lead and the first page.
    assert_eq!(
        other.get(&path, &owner.token).await.body["first_name"],
        "Ada"
    );
    assert_eq!(
        other.get("/leads", &owner.token).await.body["items"][0]["first_name"],
        "Ada"
    );
    let edited = one
        .patch(&path, &owner.token, json!({ "first_name": "Grace" }))
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let fresh = other.get(&path, &owner.token).await;
    assert_eq!(fresh.body["first_name"], "Grace");
    assert_eq!(fresh.header("etag"), edited.header("etag"));
    assert_eq!(
        other.get("/leads", &owner.token).await.body["items"][0]["first_name"],
        "Grace"
    );
    one.delete(&path, &owner.token).await;
    assert_eq!(
        other.get(&path, &owner.token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get("/leads", &owner.token).await.body["items"],
        json!([])
    );
}

async fn a_deactivated_agents_token_stops_at_once(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, token) = app.agent(&owner, "Grace").await;
    assert_eq!(app.get("/me", &token).await.status, StatusCode::OK);
    let deactivated = app
        .patch(
            &format!("/agents/{agent}"),
            &owner.token,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK);
    assert_eq!(
        app.get("/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn statistics_follow_every_change_at_once(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, _) = app.agent(&owner, "Grace").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L" }),
        )
        .await
        .id();
    assert_eq!(
        app.get("/stats/pipeline", &owner.token).await.body["by_status"]["new"],
        1
    );
    app.post(
        &format!("/leads/{lead}/assign"),
        &owner.token,
        json!({ "agent_id": agent }),
    )
    .await;
    let agents = app.get("/stats/agents", &owner.token).await;
    assert_eq!(agents.body["items"][0]["assigned"], 1);
    app.post(
        &format!("/leads/{lead}/status"),
        &owner.token,
        json!({ "status": "contacted" }),
    )
    .await;
    let pipeline = app.get("/stats/pipeline", &owner.token).await;
    assert_eq!(pipeline.body["by_status"]["new"], 0);
    assert_eq!(pipeline.body["by_status"]["contacted"], 1);
}

/// The dashboard page, read as the browser of `token` reads it.
async fn dashboard(app: &TestApp, token: &str) -> String {
    app.send(
        reqwest::Client::new()
            .get(app.url("/"))
            .header("cookie", format!("djcrm_session={token}")),
    )
    .await
    .body
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

async fn the_dashboard_and_an_agents_numbers_follow_every_change_at_once(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, _) = app.agent(&owner, "Grace").await;
    let performance = format!("/agents/{agent}/performance");
    // Read once (and cached): the week, recent activity, the agent's numbers.
    assert!(!dashboard(&app, &owner.token).await.contains("Ada Lovelace"));
    assert_eq!(
        app.get(&performance, &owner.token).await.body["assigned"],
        0
    );

    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "Lovelace", "agent_id": agent }),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED, "{:?}", lead.body);
    let page = dashboard(&app, &owner.token).await;
    assert!(page.contains("Ada Lovelace"), "recent activity: {page}");
    assert_eq!(
        app.get(&performance, &owner.token).await.body["assigned"],
        1
    );
}

crate::on_every_store!(
    a_deactivated_agents_token_stops_at_once,
    statistics_follow_every_change_at_once,
    the_dashboard_and_an_agents_numbers_follow_every_change_at_once,
);

#[tokio::test]
async fn with_redis_down_reads_come_from_the_store() {
    let app = TestApp::spawn_configured(|s| {
        s.cache.url = "redis://127.0.0.1:1".to_owned();
        s.cache.timeout_ms = 100;
        s.rate_limit.login_fail_open = true;
    })
    .await;
    let owner = app.signup("Acme").await;
    app.lead(
        &owner.token,
        json!({ "first_name": "Ada", "last_name": "L" }),
    )
    .await;
    let stats = app.get("/stats/pipeline", &owner.token).await;
    assert_eq!(
        (stats.status, stats.body["total"].clone()),
        (StatusCode::OK, json!(1))
    );
    assert_eq!(app.get("/me", &owner.token).await.status, StatusCode::OK);
    let ready = app
        .send(reqwest::Client::new().get(app.url("/readyz")))
        .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "degraded");
    assert_eq!(
        ready.body["checks"][1],
        json!({ "name": "cache", "status": "unavailable" })
    );
}

/// A Redis server of the test's own on a free port, so it can be stopped and
/// started again.
struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self {
            port,
            child: Some(child),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn redis_stopped_mid_run_leaves_the_api_answering_and_is_used_again_when_back() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut redis = OwnRedis::start(port);
    let app = TestApp::spawn_configured(|s| {
        s.cache.url = format!("redis://127.0.0.1:{port}");
        s.cache.timeout_ms = 200;
    })
    .await;
    let owner = app.signup("Acme").await;
    let limited = |reply: &crate::helpers::Reply| reply.header("ratelimit-limit").is_some();
    let before = app.get("/stats/pipeline", &owner.token).await;
    assert!(limited(&before), "counted in Redis while it runs");

    redis.stop();
    app.lead(
        &owner.token,
        json!({ "first_name": "Ada", "last_name": "L" }),
    )
    .await;
    let during = app.get("/stats/pipeline", &owner.token).await;
    assert_eq!(
        (during.status, during.body["total"].clone()),
        (StatusCode::OK, json!(1))
    );
    assert!(!limited(&during), "the API fails open while Redis is down");
    let ready = app
        .send(reqwest::Client::new().get(app.url("/readyz")))
        .await;
    assert_eq!(ready.body["status"], "degraded");

    let _redis = OwnRedis::start(redis.port);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let mut back = app.get("/stats/pipeline", &owner.token).await;
    for _ in 0..20 {
        if limited(&back) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        back = app.get("/stats/pipeline", &owner.token).await;
    }
    assert!(limited(&back), "Redis is used again without a restart");
    assert_eq!(back.body["total"], 1);
    let ready = app
        .send(reqwest::Client::new().get(app.url("/readyz")))
        .await;
    assert_eq!(ready.body["status"], "ok");
}
