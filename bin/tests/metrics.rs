//! `/metrics`: Prometheus text, on the public listener only with the configured
//! token, or on a listener of its own; request counts labelled by route template.

use djcrm_bin::config::Settings;
use djcrm_bin::startup::Application;

const TOKEN: &str = "metrics-token-0123456789";

async fn server(dir: &tempfile::TempDir, configure: impl FnOnce(&mut Settings)) -> Application {
    let mut settings = Settings::default();
    settings.http.bind = "127.0.0.1:0".parse().expect("an address");
    settings.database.url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    settings.mail.outbox_dir = dir.path().join("outbox").display().to_string();
    settings.queue.in_process_worker = false;
    configure(&mut settings);
    Application::build(&settings, std::future::pending())
        .await
        .expect("the server starts")
}

async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_public_listener_wants_the_token() {
    let dir = tempfile::tempdir().expect("a directory");
    let app = server(&dir, |s| s.metrics.token = Some(TOKEN.to_owned())).await;
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run());
    let (status, _) = get(&format!("{base}/metrics"), None).await;
    assert_eq!(status, 401, "no token");
    let (status, _) = get(&format!("{base}/metrics"), Some("not-the-token-at-all")).await;
    assert_eq!(status, 401, "a wrong token");
    let (status, _) = get(&format!("{base}/metrics"), Some(TOKEN)).await;
    assert_eq!(status, 200, "the token");
}

#[tokio::test]
async fn requests_are_counted_by_route_template() {
    let dir = tempfile::tempdir().expect("a directory");
    let app = server(&dir, |s| s.metrics.token = Some(TOKEN.to_owned())).await;
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run());
    // An unknown lead: the id must not become a label, its template must.
    let id = uuid::Uuid::now_v7();
    let (status, _) = get(&format!("{base}/api/v1/leads/{id}"), None).await;
    assert_eq!(status, 401);
    let (_, text) = get(&format!("{base}/metrics"), Some(TOKEN)).await;
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("djcrm_http_requests_total{")
                && l.contains(r#"route="/api/v1/leads/{id}""#)
                && l.contains(r#"status="401""#)
        })
        .unwrap_or_else(|| panic!("a count for the lead route in:\n{text}"));
    assert!(
        !text.contains(&id.to_string()),
        "no id in any label: {line}"
    );
}

#[tokio::test]
async fn a_listener_of_its_own_serves_without_token_and_the_public_one_has_none() {
    let dir = tempfile::tempdir().expect("a directory");
    let app = server(&dir, |s| {
        s.metrics.bind = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await;
    let base = format!("http://{}", app.local_addr());
    let metrics = app.metrics_addr().expect("a metrics listener");
    tokio::spawn(app.run());
    let (status, text) = get(&format!("http://{metrics}/metrics"), None).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("djcrm_db_pool_connections{"),
        "pool connections are read at scrape time:\n{text}"
    );
    let (status, _) = get(&format!("{base}/metrics"), None).await;
    assert_eq!(status, 404, "not on the public listener");
}

#[tokio::test]
async fn the_queue_depth_and_outbox_lag_are_sampled() {
    let dir = tempfile::tempdir().expect("a directory");
    let app = server(&dir, |s| s.metrics.token = Some(TOKEN.to_owned())).await;
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, text) = get(&format!("{base}/metrics"), Some(TOKEN)).await;
        let sampled = [
            "djcrm_job_queue_depth ",
            "djcrm_outbox_lag_events ",
            "djcrm_outbox_lag_seconds ",
        ]
        .iter()
        .all(|name| text.lines().any(|l| l.starts_with(name)));
        if sampled {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backlog gauges within 10 s:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Every `"djcrm_…"` string literal in the Rust sources under `dir`.
fn recorded_names(dir: &std::path::Path, names: &mut std::collections::BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            recorded_names(&path, names);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for piece in text.split("\"djcrm_").skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                if piece[name.len()..].starts_with('"') {
                    names.insert(format!("djcrm_{name}"));
                }
            }
        }
    }
}

#[test]
fn the_grafana_dashboard_charts_only_metrics_that_are_recorded() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names = std::collections::BTreeSet::new();
    for dir in ["adapters", "application", "bin/src"] {
        recorded_names(&root.join(dir), &mut names);
    }
    let dashboard =
        std::fs::read_to_string(root.join("docs/grafana/djcrm.json")).expect("the dashboard");
    let charted: std::collections::BTreeSet<String> = dashboard
        .split("djcrm_")
        .skip(1)
        .map(|piece| {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            let name = name.strip_suffix("_bucket").unwrap_or(&name).to_owned();
            format!("djcrm_{name}")
        })
        .collect();
    assert!(
        charted.len() >= 10,
        "the dashboard charts the metrics: {charted:?}"
    );
    let missing: Vec<&String> = charted.difference(&names).collect();
    assert!(
        missing.is_empty(),
        "charted but never recorded: {missing:?}"
    );
}
