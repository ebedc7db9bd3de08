//! Import and export of a generated CSV file (1,000,000 rows by default) on each
//! store, through the same importer and exporter as `djcrm-admin`: rows per
//! second, and the process's peak resident memory during each stage over its
//! resident memory before it (the kernel's high-water mark, reset per stage).
//!
//! Before them, "raw insert" is the ceiling: the database writing as many leads,
//! each with its history entry, from SQL alone (generated rows, no client, no
//! checks), a batch per transaction, into the same schema and indexes.
//!
//! `cargo bench -p djcrm-benches --bench import` — `DJCRM_BENCH_ROWS` sets the rows
//! (default 1,000,000); `DJCRM_BENCH_STORES` which stores (default
//! `sqlite,postgres`); `DJCRM_BENCH_BATCH` the rows per transaction (default the
//! importer's); `DATABASE_URL` names the PostgreSQL server (default local).

#[path = "import/raw.rs"]
mod raw;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use djcrm_application::Crm;
use djcrm_application::auth::SignupRequest;
use djcrm_application::export::ExportFormat;
use djcrm_application::imports::ImportRequest;
use djcrm_benches::BoxError;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::ports::Store;
use djcrm_domain::{Duplicates, LeadFilter};
use sqlx::{Connection, PgConnection};

const STATUSES: [&str; 5] = ["new", "contacted", "qualified", "converted", "lost"];

fn rows() -> u64 {
    std::env::var("DJCRM_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Rows per transaction: the importer's default unless `DJCRM_BENCH_BATCH` says.
fn batch_rows() -> usize {
    std::env::var("DJCRM_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(djcrm_application::imports::BATCH_ROWS)
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A kibibyte figure of `/proc/self/status` (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the high-water mark of resident memory to the current size.
fn reset_peak() {
    // "5" resets VmHWM (Linux 4.0+); where refused, the peak is since start.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `stage`, printing rows per second and peak memory over the start.
async fn stage<F: std::future::Future<Output = Result<u64, BoxError>>>(
    store: &str,
    name: &str,
    stage: F,
) -> Result<(), BoxError> {
    reset_peak();
    let before = status_kib("VmRSS:");
    let started = Instant::now();
    let rows = stage.await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:");
    #[allow(clippy::cast_precision_loss)]
    let rate = rows as f64 / seconds;
    println!(
        "{store:<9} {name:<22} {rows:>9} rows  {seconds:>7.1} s  {rate:>9.0} rows/s  peak RSS {:>6.1} MiB ({:+.1} MiB over the start)",
        peak as f64 / 1024.0,
        (peak.saturating_sub(before)) as f64 / 1024.0,
    );
    Ok(())
}

/// Writes the file: unique emails, a few categories, every status.
fn generate(path: &Path, rows: u64) -> Result<(), BoxError> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        file,
        "first_name,last_name,email,phone,description,status,category"
    )?;
    for n in 0..rows {
        writeln!(
            file,
            "Lead{n},Tester{},lead{n}@example.com,+1 555 {:04},\"met at fair {}, wants a call\",{},Source {}",
            n % 977,
            n % 10_000,
            n % 31,
            STATUSES[usize::try_from(n % 5).unwrap_or(0)],
            n % 12
        )?;
    }
    file.flush()?;
    Ok(())
}

async fn run<S: Store>(
    label: &str,
    url: &str,
    crm: Crm<S>,
    file: &Path,
    out: &Path,
    rows: u64,
) -> Result<(), BoxError> {
    let raw_owner = crm
        .signup(SignupRequest {
            organization_name: "Raw".into(),
            email: format!("raw-{}@bench.test", std::process::id()),
            password: "bench password 1".into(),
            full_name: "Raw Owner".into(),
        })
        .await?;
    let raw_actor = crm.authenticate(&raw_owner.token).await?;
    stage(label, "raw insert (database)", async {
        raw::insert(url, raw_actor.org_id, raw_actor.user_id, rows, batch_rows()).await?;
        Ok(rows)
    })
    .await?;
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Bench".into(),
            email: format!("owner-{}@bench.test", std::process::id()),
            password: "bench password 1".into(),
            full_name: "Bench Owner".into(),
        })
        .await?;
    let org = crm.authenticate(&owner.token).await?.org_id;
    let size = std::fs::metadata(file)?.len();
    stage(label, "import", async {
        let import = crm
            .start_import(
                org,
                ImportRequest {
                    file_name: "bench.csv".into(),
                    duplicates: Duplicates::Skip,
                    mapping: Vec::new(),
                },
                size,
            )
            .await?;
        let source =
            tokio::io::BufReader::with_capacity(256 * 1024, tokio::fs::File::open(file).await?);
        let done = crm
            .importer()
            .batch_rows(batch_rows())
            .run(import, source, false, &mut ())
            .await?;
        assert_eq!(done.counts.created, rows, "every row is a new lead");
        Ok(done.counts.rows)
    })
    .await?;
    stage(label, "export (csv)", async {
        let mut writer = std::io::BufWriter::new(std::fs::File::create(out)?);
        let exported = crm
            .export_leads(org, &LeadFilter::default(), ExportFormat::Csv, |chunk| {
                std::future::ready(writer.write_all(&chunk))
            })
            .await
            .map_err(|e| e.to_string())?;
        writer.flush()?;
        Ok(exported)
    })
    .await?;
    stage(label, "re-import (all skipped)", async {
        let import = crm
            .start_import(
                org,
                ImportRequest {
                    file_name: "export.csv".into(),
                    duplicates: Duplicates::Skip,
                    mapping: Vec::new(),
                },
                std::fs::metadata(out)?.len(),
            )
            .await?;
        let source =
            tokio::io::BufReader::with_capacity(256 * 1024, tokio::fs::File::open(out).await?);
        let done = crm
            .importer()
            .batch_rows(batch_rows())
            .run(import, source, false, &mut ())
            .await?;
        assert_eq!(done.counts.skipped, rows, "every row is a duplicate");
        Ok(done.counts.rows)
    })
    .await
}

async fn on(label: &str, url: &str, file: &Path, out: &Path, rows: u64) -> Result<(), BoxError> {
    let mut settings = Settings::default();
    settings.database.url = url.to_owned();
    let shared = Shared::connect(&settings)?;
    match AnyStore::connect(&settings, true).await? {
        AnyStore::Sqlite(store) => {
            run(label, url, crm(store, &settings, shared), file, out, rows).await
        }
        AnyStore::Postgres(store) => {
            run(label, url, crm(store, &settings, shared), file, out, rows).await
        }
    }
}

fn main() -> Result<(), BoxError> {
    // `cargo test --benches` runs bench targets without `--bench`; do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let rows = rows();
    let stores = std::env::var("DJCRM_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("leads.csv");
    let out = dir.path().join("export.csv");
    let started = Instant::now();
    generate(&file, rows)?;
    println!(
        "generated {rows} rows ({:.0} MiB) in {:.1} s",
        std::fs::metadata(&file)?.len() as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if stores.contains("sqlite") {
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            on("sqlite", &url, &file, &out, rows).await?;
        }
        if stores.contains("postgres") {
            let admin = admin_url();
            let name = format!("djcrm_import_bench_{}", std::process::id());
            let mut conn = PgConnection::connect(&admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await?;
            let (base, query) = admin.split_once('?').unwrap_or((admin.as_str(), ""));
            let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
            let url = if query.is_empty() {
                format!("{server}/{name}")
            } else {
                format!("{server}/{name}?{query}")
            };
            let result = on("postgres", &url, &file, &out, rows).await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
            result?;
        }
        Ok::<_, BoxError>(())
    })
}
