//! The HTTP load benchmark: one organization with 100,000 leads (20 agents, 8
//! categories, statuses spread over the pipeline) behind a `djcrm` server process,
//! driven on loopback by wrk (`apt-get install wrk`), per store and with the cache
//! on and off. For each case it prints requests/s, p50 and p99: the first page of
//! leads, a deep cursor page, a lead's detail (walking all the leads, so with the
//! cache on nearly every read misses; and over the 50 leads the raw rate reads, like
//! for like), the pipeline stats, lead creation, and an 80/20 read/write mix. In the same run it sends the list, detail and create SQL
//! straight to the database (pgbench for PostgreSQL; for SQLite the list and detail
//! from a pool in this process) and prints each API figure as a ratio of it; then the
//! server's resident memory.
//!
//! `cargo bench -p djcrm-benches --bench http_load` (build `djcrm` in release first:
//! `cargo build --release`). Settings: `DJCRM_BENCH_LEADS` (100000),
//! `DJCRM_BENCH_SECONDS` per case (10), `DJCRM_BENCH_CONNECTIONS` (32),
//! `DJCRM_BENCH_STORES` (`sqlite,postgres`), `DJCRM_BENCH_CACHE` (`on,off`),
//! `DJCRM_BENCH_CASES` (a comma-separated subset of `list,deep,detail,detail50,stats,create,mix`;
//! default all), `DJCRM_BIN` (the server binary, default `target/release/djcrm`),
//! `DATABASE_URL` (the PostgreSQL server).

use std::time::Instant;

use djcrm_benches::server::{Server, organization, seed};
use djcrm_benches::{BoxError, load, wrk};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One kind of request the clients send.
#[derive(Clone, Copy)]
enum Case {
    FirstPage,
    DeepPage,
    Detail,
    SameDetails,
    Stats,
    Create,
    Mix,
}

impl Case {
    const ALL: [Self; 7] = [
        Self::FirstPage,
        Self::DeepPage,
        Self::Detail,
        Self::SameDetails,
        Self::Stats,
        Self::Create,
        Self::Mix,
    ];

    fn key(self) -> &'static str {
        match self {
            Self::FirstPage => "list",
            Self::DeepPage => "deep",
            Self::Detail => "detail",
            Self::SameDetails => "detail50",
            Self::Stats => "stats",
            Self::Create => "create",
            Self::Mix => "mix",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::FirstPage => "list, first page",
            Self::DeepPage => "list, deep cursor",
            Self::Detail => "lead detail",
            Self::SameDetails => "detail, raw's 50 leads",
            Self::Stats => "pipeline stats",
            Self::Create => "create lead",
            Self::Mix => "80/20 read/write mix",
        }
    }
}

/// The server's API, the owner's token and the seeded lead ids.
struct Target {
    base: String,
    token: String,
    ids: Vec<uuid::Uuid>,
}

const LIST: &str = "return wrk.format(\"GET\", \"/api/v1/leads\")";
const DETAIL: &str = "local i = ((n * 2 + offset) * 7919) % #ids + 1\n\
     return wrk.format(\"GET\", \"/api/v1/leads/\" .. ids[i])";
const CREATE: &str = "return wrk.format(\"POST\", \"/api/v1/leads\", nil, \
     '{\"first_name\":\"New' .. n .. '\",\"last_name\":\"Lead\"}')";

/// The wrk script of `case`.
fn script(case: Case, target: &Target) -> wrk::Script {
    let request = match case {
        Case::FirstPage => LIST.to_owned(),
        Case::DeepPage => format!(
            "return wrk.format(\"GET\", \"/api/v1/leads?cursor={}\")",
            target.ids[target.ids.len() / 10].simple()
        ),
        Case::Detail | Case::SameDetails => DETAIL.to_owned(),
        Case::Stats => "return wrk.format(\"GET\", \"/api/v1/stats/pipeline\")".to_owned(),
        Case::Create => CREATE.to_owned(),
        // Two writes, four first pages and four details in every ten requests.
        Case::Mix => format!(
            "local k = n % 10\nif k < 2 then\n{CREATE}\nelseif k < 6 then\n{LIST}\nelse\n{DETAIL}\nend"
        ),
    };
    let script = wrk::Script::new(&request);
    match case {
        Case::Detail | Case::Mix => script.with_ids(&target.ids),
        Case::SameDetails => script.with_ids(&load::raw_detail_ids(&target.ids)),
        _ => script,
    }
}

fn listed(variable: &str, value: &str) -> bool {
    std::env::var(variable).map_or(true, |list| list.split(',').any(|v| v.trim() == value))
}

async fn run_store(
    store: &str,
    count: usize,
    connections: usize,
    seconds: u64,
) -> Result<(), BoxError> {
    for cache in [true, false] {
        if !listed("DJCRM_BENCH_CACHE", if cache { "on" } else { "off" }) {
            continue;
        }
        let database = load::Database::create(store).await?;
        let server = Server::start(&database.url, cache)?;
        let client = reqwest::Client::new();
        server.ready(&client).await?;
        let api = format!("{}/api/v1", server.base);
        let idle = server.resident_mib();
        let org = organization(&client, &api).await?;
        let set_up = server.resident_mib();
        let started = Instant::now();
        let ids = seed(store, &database.url, &org.tenant, count).await?;
        println!(
            "\n{store}, cache {}: seeded {count} leads in {:.1} s; {connections} connections, {seconds} s per case",
            if cache { "on" } else { "off" },
            started.elapsed().as_secs_f64()
        );
        println!(
            "  server resident memory: {idle:.1} MiB at start, {set_up:.1} MiB after signing up 21 users"
        );
        let raw = load::raw_rates(
            store,
            &database.url,
            org.tenant.org,
            org.owner,
            &ids,
            connections,
            seconds,
        )
        .await?;
        println!(
            "  raw database: list {:.0}/s, detail {:.0}/s{}",
            raw.list,
            raw.detail,
            raw.create
                .map(|create| format!(", create {create:.0}/s"))
                .unwrap_or_default()
        );
        let target = Target {
            base: server.base.clone(),
            token: org.token,
            ids,
        };
        for case in Case::ALL {
            if !listed("DJCRM_BENCH_CASES", case.key()) {
                continue;
            }
            let figures = wrk::drive(
                &target.base,
                &target.token,
                &script(case, &target),
                connections,
                seconds,
            )?;
            let ratio = match case {
                Case::FirstPage | Case::DeepPage => {
                    format!("  {:>5.0} % of raw", 100.0 * figures.rate / raw.list)
                }
                Case::Detail | Case::SameDetails => {
                    format!("  {:>5.0} % of raw", 100.0 * figures.rate / raw.detail)
                }
                Case::Create => raw.create.map_or_else(String::new, |create| {
                    format!("  {:>5.0} % of raw", 100.0 * figures.rate / create)
                }),
                _ => String::new(),
            };
            println!(
                "  {:<22} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   failed {}   RSS {:>5.1} MiB{ratio}",
                case.name(),
                figures.rate,
                figures.p50.as_secs_f64() * 1000.0,
                figures.p99.as_secs_f64() * 1000.0,
                figures.failed,
                server.resident_mib(),
            );
        }
        let after = server.resident_mib();
        // The allocator hands freed pages back after a second (see decisions.md);
        // the settled figure is what the server keeps.
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        println!(
            "  server resident memory after the run: {after:.1} MiB, {:.1} MiB settled 3 s later",
            server.resident_mib()
        );
        drop(server);
        database.drop_it().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let count = setting("DJCRM_BENCH_LEADS", 100_000);
    let connections = setting("DJCRM_BENCH_CONNECTIONS", 32);
    let seconds = u64::try_from(setting("DJCRM_BENCH_SECONDS", 10)).unwrap_or(10);
    let stores =
        std::env::var("DJCRM_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for store in stores.split(',').map(str::trim) {
        run_store(store, count, connections, seconds).await?;
    }
    Ok(())
}
