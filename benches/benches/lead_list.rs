//! Lead listing on one organization with a million leads (beside a second
//! organization with a quarter as many, created later, so that every query must
//! find its own tenant's rows rather than read the newest rows), on each store: seed time,
//! first page, a deep cursor page, a filtered page and a `q` search (median and p99
//! over repeated calls), and the query plan of each listing.
//!
//! On PostgreSQL every case is measured twice: with cold statistics (straight after
//! the bulk insert, no ANALYZE: autovacuum can lag or be off) and after
//! `Store::refresh_statistics`. On SQLite a third, 3-lead organization is searched
//! beside the big ones (`q=example.com`, `q=***`): its cost must not grow with them.
//!
//! `cargo bench -p djcrm-benches` — `DJCRM_BENCH_LEADS` sets the number of leads
//! (default 1,000,000); `DJCRM_BENCH_STORES` which stores (default `sqlite,postgres`);
//! `DATABASE_URL` names the PostgreSQL server (default local).

use std::time::{Duration, Instant};

use djcrm_adapter_postgres::{PostgresOptions, PostgresStore};
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};
use djcrm_benches::{Tenant, measure, seed_postgres, seed_sqlite, tenant};
use djcrm_domain::ports::{LeadRepository, Store};
use djcrm_domain::{Cursor, LeadFilter, LeadStatus, Limit, OrgId, PageRequest, SearchQuery};
use sqlx::{Connection, PgConnection};

const RUNS: usize = 200;

use djcrm_benches::BoxError;

fn lead_count() -> usize {
    std::env::var("DJCRM_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The listings measured, by name.
fn cases(
    tenant: &Tenant,
    deep: Cursor,
    needle: &str,
) -> Vec<(&'static str, LeadFilter, PageRequest)> {
    let first = PageRequest {
        limit: Limit::DEFAULT,
        after: None,
    };
    vec![
        ("first page", LeadFilter::default(), first),
        (
            "deep cursor page",
            LeadFilter::default(),
            PageRequest {
                after: Some(deep),
                ..first
            },
        ),
        (
            "filtered (status + agent)",
            LeadFilter {
                status: Some(LeadStatus::Qualified),
                agent_id: Some(tenant.agents[6]),
                ..LeadFilter::default()
            },
            first,
        ),
        (
            "q search",
            LeadFilter {
                query: SearchQuery::parse(needle).ok(),
                ..LeadFilter::default()
            },
            first,
        ),
    ]
}

async fn report<S: Store>(
    label: &str,
    store: &S,
    org: OrgId,
    cases: &[(&'static str, LeadFilter, PageRequest)],
    explain: impl AsyncFn(&LeadFilter, PageRequest) -> Result<Vec<String>, BoxError>,
) -> Result<(), BoxError> {
    for (name, filter, page) in cases {
        let found = store.leads().list(org, filter, *page).await?.items.len();
        let (median, p99) = measure(RUNS, || async {
            let _ = store.leads().list(org, filter, *page).await;
        })
        .await;
        println!(
            "{label:<10} {name:<26} {found:>3} rows   median {:>10}   p99 {:>10}",
            ms(median),
            ms(p99)
        );
        for line in explain(filter, *page).await? {
            println!("{:<10}     plan: {line}", "");
        }
    }
    Ok(())
}

/// Newest first, a cursor 90 % of the way down the listing.
fn deep_cursor(ids: &[uuid::Uuid]) -> Cursor {
    Cursor::after(ids[ids.len() / 10])
}

async fn bench_sqlite(count: usize) -> Result<(), BoxError> {
    let dir = std::env::temp_dir().join(format!("djcrm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store: SqliteStore = djcrm_adapter_sqlite::connect(&SqliteOptions::new(format!(
        "sqlite://{}",
        dir.join("bench.db").display()
    )))
    .await?;
    let tenant = tenant(&store, "Bench").await?;
    let started = Instant::now();
    let ids = seed_sqlite(&store, &tenant, count).await?;
    let seed_time = started.elapsed();
    let neighbour = djcrm_benches::tenant(&store, "Neighbour").await?;
    seed_sqlite(&store, &neighbour, count / 4).await?;
    println!(
        "sqlite     seeded {count} leads in {:.1} s",
        seed_time.as_secs_f64()
    );
    let needle = format!("lead{}@", count / 2 + 7);
    store.refresh_statistics().await?;
    let cases = cases(&tenant, deep_cursor(&ids), &needle);
    report(
        "sqlite",
        &store,
        tenant.org,
        &cases,
        async |filter: &LeadFilter, page| {
            Ok(store.explain_lead_list(tenant.org, filter, page).await?)
        },
    )
    .await?;
    let small = djcrm_benches::tenant(&store, "Small").await?;
    seed_sqlite(&store, &small, 3).await?;
    let first = PageRequest {
        limit: Limit::DEFAULT,
        after: None,
    };
    let searches: Vec<(&'static str, LeadFilter, PageRequest)> = ["example.com", "***"]
        .into_iter()
        .map(|q| {
            let filter = LeadFilter {
                query: SearchQuery::parse(q).ok(),
                ..LeadFilter::default()
            };
            (
                if q == "***" {
                    "small tenant q=***"
                } else {
                    "small tenant q=example.com"
                },
                filter,
                first,
            )
        })
        .collect();
    report(
        "sqlite",
        &store,
        small.org,
        &searches,
        async |filter: &LeadFilter, page| {
            Ok(store.explain_lead_list(small.org, filter, page).await?)
        },
    )
    .await?;
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

async fn bench_postgres(count: usize) -> Result<(), BoxError> {
    let admin = admin_url();
    let name = format!("djcrm_bench_{}", std::process::id());
    let mut conn = PgConnection::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let url = format!(
        "{}/{name}",
        admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(server, _)| server)
    );
    let result = async {
        let store: PostgresStore =
            djcrm_adapter_postgres::connect(&PostgresOptions::new(&url)).await?;
        let tenant = tenant(&store, "Bench").await?;
        let started = Instant::now();
        let ids = seed_postgres(&store, &tenant, count).await?;
        let seed_time = started.elapsed();
        let neighbour = djcrm_benches::tenant(&store, "Neighbour").await?;
        seed_postgres(&store, &neighbour, count / 4).await?;
        println!(
            "postgres   seeded {count} leads in {:.1} s",
            seed_time.as_secs_f64()
        );
        let needle = format!("lead{}@", count / 2 + 7);
        let cases = cases(&tenant, deep_cursor(&ids), &needle);
        let explain = async |filter: &LeadFilter, page| {
            Ok(store.explain_lead_list(tenant.org, filter, page).await?)
        };
        report("pg cold", &store, tenant.org, &cases, explain).await?;
        store.refresh_statistics().await?;
        report("pg analyzed", &store, tenant.org, &cases, explain).await?;
        store.close().await;
        Ok::<(), BoxError>(())
    }
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    result
}

fn main() -> Result<(), BoxError> {
    // `cargo test --benches` runs bench targets with `--bench` absent; do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let count = lead_count();
    println!(
        "lead listing, {count} leads in one organization and {} in another, {RUNS} timed calls per case",
        count / 4
    );
    runtime.block_on(async {
        let stores =
            std::env::var("DJCRM_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
        if stores.contains("sqlite") {
            bench_sqlite(count).await?;
        }
        if stores.contains("postgres") {
            bench_postgres(count).await?;
        }
        Ok::<(), BoxError>(())
    })?;
    Ok(())
}
