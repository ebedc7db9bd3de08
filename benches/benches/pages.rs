//! Web UI page rendering at 100,000 leads: one organization (20 agents, 8
//! categories, statuses spread over the pipeline) behind a `djcrm` server process,
//! each main page fetched one request at a time with the owner's session cookie.
//! For each page it prints the first request (cold caches), then p50 and p99 over
//! repeated requests and the page's size: what a salesperson waits for, server
//! render plus a loopback round trip, and its size as HTML and as sent gzipped
//! (the client asks for gzip, as browsers do). Then an agent's own dashboard, and the
//! owner's dashboard right after a change (which drops the cached statistics).
//! The seeded leads have a past: created over two years, with their history.
//!
//! `cargo bench -p djcrm-benches --bench pages` (build `djcrm` in release first:
//! `cargo build --release`). Settings: `DJCRM_BENCH_LEADS` (100000),
//! `DJCRM_BENCH_RUNS` per page (200), `DJCRM_BENCH_STORES` (`sqlite,postgres`),
//! `DJCRM_BIN` (the server binary, default `target/release/djcrm`), `DATABASE_URL`
//! (the PostgreSQL server).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use djcrm_benches::server::{Server, organization, seed};
use djcrm_benches::{BoxError, load, measure, median_and_p99};
use reqwest::header::{ACCEPT_ENCODING, COOKIE, HeaderMap, HeaderValue};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Fetches `path` and checks it is the page itself (200, HTML), not a redirect
/// to the login page or an error page; returns its size in bytes as sent (the
/// client takes gzip, as browsers do, and does not unpack it).
async fn fetch(client: &reqwest::Client, base: &str, path: &str) -> Result<usize, BoxError> {
    fetch_as(client, base, path, "gzip").await
}

/// [`fetch`] with `Accept-Encoding: accept`.
async fn fetch_as(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    accept: &str,
) -> Result<usize, BoxError> {
    let reply = client
        .get(format!("{base}{path}"))
        .header(ACCEPT_ENCODING, accept)
        .send()
        .await?;
    let status = reply.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("GET {path} answered {status}").into());
    }
    Ok(reply.bytes().await?.len())
}

/// A client signed in to the UI: the session cookie holds a token, and an API
/// token is one.
fn session(token: &str) -> Result<reqwest::Client, BoxError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("djcrm_session={token}"))?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Fetches `path` once cold, then `runs` times, and prints a row of the table.
async fn page(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    path: &str,
    runs: usize,
) -> Result<(), BoxError> {
    let cold = Instant::now();
    let size = fetch(client, base, path).await?;
    let first = cold.elapsed();
    let failure = RefCell::new(None);
    let failed = &failure;
    let (p50, p99) = measure(runs, || async move {
        if let Err(error) = fetch(client, base, path).await {
            failed.borrow_mut().get_or_insert_with(|| error.to_string());
        }
    })
    .await;
    if let Some(failure) = failure.into_inner() {
        return Err(failure.into());
    }
    let raw = fetch_as(client, base, path, "identity").await?;
    let kib = |bytes: usize| f64::from(u32::try_from(bytes).unwrap_or(u32::MAX)) / 1024.0;
    println!(
        "  {name:<24} {:>7.2} ms {:>7.2} ms {:>7.2} ms {:>6.1} KiB {:>6.1} KiB",
        ms(first),
        ms(p50),
        ms(p99),
        kib(raw),
        kib(size),
    );
    Ok(())
}

async fn run_store(store: &str, count: usize, runs: usize) -> Result<(), BoxError> {
    let database = load::Database::create(store).await?;
    let server = Server::start(&database.url, true)?;
    let api_client = reqwest::Client::new();
    server.ready(&api_client).await?;
    let org = organization(&api_client, &format!("{}/api/v1", server.base)).await?;
    let started = Instant::now();
    let ids = seed(store, &database.url, &org.tenant, count).await?;
    println!(
        "\n{store}: seeded {count} leads in {:.1} s; {runs} requests per page, one at a time",
        started.elapsed().as_secs_f64()
    );

    let client = session(&org.token)?;
    let lead = ids.get(ids.len() / 2).ok_or("no lead seeded")?;
    let deep = ids.get(ids.len() / 10).ok_or("no lead seeded")?;
    let agent = org.tenant.agents.get(6).ok_or("no agent")?;
    let pages = [
        ("dashboard", "/".to_owned()),
        ("leads, first page", "/leads".to_owned()),
        (
            "leads, deep cursor",
            format!("/leads?cursor={}", deep.simple()),
        ),
        (
            "leads, status + agent",
            format!("/leads?status=qualified&agent_id={agent}"),
        ),
        ("lead page", format!("/leads/{lead}")),
        ("board", "/board".to_owned()),
        ("agents", "/agents".to_owned()),
        ("an agent's page", format!("/agents/{agent}")),
        ("categories", "/categories".to_owned()),
    ];
    println!(
        "  {:<24} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "page", "first", "p50", "p99", "size", "gzipped"
    );
    for (name, path) in &pages {
        page(&client, &server.base, name, path, runs).await?;
    }
    // An agent's own dashboard: their numbers and their leads' activity.
    let login: serde_json::Value = api_client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": "agent6@bench.test", "password": "agent password 1"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let agent_token = login["token"].as_str().ok_or("no agent token")?;
    let agent_client = session(agent_token)?;
    page(
        &agent_client,
        &server.base,
        "an agent's dashboard",
        "/",
        runs,
    )
    .await?;
    // Any change drops the organization's cached statistics, so the dashboard of a
    // team at work is often read afresh: a note is added (not timed) before each
    // of these fetches.
    let mut fresh = Vec::new();
    for n in 0..(runs / 4).max(1) {
        let note = api_client
            .post(format!("{}/api/v1/leads/{lead}/notes", server.base))
            .bearer_auth(&org.token)
            .json(&serde_json::json!({ "body": format!("Called back ({n})") }))
            .send()
            .await?;
        if !note.status().is_success() {
            return Err(format!("adding a note answered {}", note.status()).into());
        }
        let started = Instant::now();
        fetch(&client, &server.base, "/").await?;
        fresh.push(started.elapsed());
    }
    let (p50, p99) = median_and_p99(fresh);
    println!(
        "  {:<24} {:>10} {:>7.2} ms {:>7.2} ms",
        "dashboard after a change",
        "",
        ms(p50),
        ms(p99),
    );
    println!(
        "  server resident memory after the run: {:.1} MiB",
        server.resident_mib()
    );
    drop(server);
    database.drop_it().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let count = setting("DJCRM_BENCH_LEADS", 100_000);
    let runs = setting("DJCRM_BENCH_RUNS", 200);
    let stores =
        std::env::var("DJCRM_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for store in stores.split(',').map(str::trim) {
        run_store(store, count, runs).await?;
    }
    Ok(())
}
