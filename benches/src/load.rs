//! What the HTTP load benchmark needs besides the server and wrk: a fresh database
//! per case, and the raw database rates it compares the API with.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::{Change, LeadStatus, OrgId};
use sqlx::{Connection, PgConnection};

use crate::BoxError;

/// A database that exists for one case: a SQLite file in a temporary directory, or
/// a PostgreSQL database on `DATABASE_URL`'s server.
pub struct Database {
    /// Its URL.
    pub url: String,
    postgres: Option<(String, String)>,
    directory: Option<std::path::PathBuf>,
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl Database {
    /// A fresh database for `store` (`sqlite` or `postgres`).
    ///
    /// # Errors
    /// When it cannot be created.
    pub async fn create(store: &str) -> Result<Self, BoxError> {
        let name = format!("djcrm_load_{}", uuid::Uuid::new_v4().simple());
        if store == "sqlite" {
            let directory = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&directory)?;
            return Ok(Self {
                url: format!("sqlite://{}", directory.join("load.db").display()),
                postgres: None,
                directory: Some(directory),
            });
        }
        let admin = admin_url();
        let mut connection = PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut connection)
            .await?;
        let server = admin.rsplit_once('/').map_or(admin.as_str(), |(s, _)| s);
        Ok(Self {
            url: format!("{server}/{name}"),
            postgres: Some((admin.clone(), name)),
            directory: None,
        })
    }

    /// Drops it.
    pub async fn drop_it(self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut connection) = PgConnection::connect(admin).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut connection)
                .await;
        }
        if let Some(directory) = &self.directory {
            let _ = std::fs::remove_dir_all(directory);
        }
    }
}

/// The raw database's rates for the API's list and detail SQL.
#[derive(Debug, Clone, Copy)]
pub struct RawRates {
    /// First pages of leads per second.
    pub list: f64,
    /// Lead details per second.
    pub detail: f64,
    /// Lead creations per second: the one statement the store sends for the API's
    /// create (the writers' fence, the lead, its activity and its event), on
    /// PostgreSQL only.
    pub create: Option<f64>,
}

/// The list and detail queries as the store sends them (see the SQL adapter's
/// `reads/leads.rs`): the newest 26 live leads of the organization, and one lead.
fn list_sql(placeholder_org: &str) -> String {
    format!(
        "SELECT {} FROM leads WHERE organization_id = {placeholder_org} AND deleted_at IS NULL \
         ORDER BY organization_id DESC, id DESC LIMIT 26",
        djcrm_adapter_sql::LEAD_COLUMNS
    )
}

fn detail_sql(org: &str, id: &str) -> String {
    format!(
        "SELECT {} FROM leads WHERE organization_id = {org} AND id = {id} AND deleted_at IS NULL",
        djcrm_adapter_sql::LEAD_COLUMNS
    )
}

/// A lead's creation for pgbench as the store sends it (see the SQL adapter's
/// `appends.rs`): one statement that takes the outbox fence and writes the lead,
/// its history entry and its event, with a random lead id per run.
fn create_script(org: &str, actor: &str) -> Result<String, BoxError> {
    let lead = "('00000000-0000-4000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid";
    let fence = djcrm_adapter_postgres::OUTBOX_FENCE;
    let payload = serde_json::to_string(&Change::LeadCreated {
        lead: LeadSnapshot {
            first_name: "New".to_owned(),
            last_name: "Lead".to_owned(),
            email: None,
            phone: None,
            description: None,
            status: LeadStatus::New,
            category_id: None,
            agent_id: None,
            version: 1,
        },
    })?;
    // As hex: pgbench would read the JSON's `:null` as a variable.
    let payload: String = payload.bytes().map(|b| format!("{b:02x}")).collect();
    let fenced = "WHERE EXISTS (SELECT FROM fence)";
    Ok(format!(
        "\\set k random(1, 281474976710655)\n\
         WITH fence AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared({fence})), \
         lead AS (INSERT INTO leads (id, organization_id, first_name, last_name, email, \
         phone, description, status, category_id, agent_id, version, created_at, updated_at, \
         first_contacted_at, seconds_to_first_contact, search_text, import_id) \
         SELECT * FROM (VALUES ({lead}, {org}, 'New', 'Lead', NULL, NULL, NULL, 'new', \
         NULL::uuid, NULL::uuid, 1, now(), now(), NULL::timestamptz, NULL::bigint, 'new lead', \
         NULL::uuid)) AS held {fenced}), \
         history AS (INSERT INTO activities (id, organization_id, lead_id, actor_id, kind, \
         from_status, to_status, agent_id, body, fields, created_at) \
         SELECT * FROM (VALUES (gen_random_uuid(), {org}, {lead}, {actor}, 'created', \
         NULL, NULL, NULL::uuid, NULL, NULL, now())) AS held {fenced}) \
         INSERT INTO outbox (id, organization_id, event_type, actor_id, subject_id, \
         occurred_at, payload) \
         SELECT * FROM (VALUES (gen_random_uuid(), {org}, 'lead.created', {actor}, {lead}, \
         now(), convert_from('\\x{payload}'::bytea, 'UTF8'))) AS held {fenced};\n"
    ))
}

/// The 50 leads, spread over all of them, whose details the raw rate reads.
#[must_use]
pub fn raw_detail_ids(ids: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
    ids.iter()
        .step_by((ids.len() / 50).max(1))
        .take(50)
        .copied()
        .collect()
}

/// Sends the list, detail and create SQL straight to the database under
/// `connections` clients for `seconds` each: pgbench for PostgreSQL, a pool in this
/// process for SQLite (there is no server to bench; no create there).
///
/// # Errors
/// When the database or pgbench fails.
pub async fn raw_rates(
    store: &str,
    url: &str,
    org: OrgId,
    actor: uuid::Uuid,
    ids: &[uuid::Uuid],
    connections: usize,
    seconds: u64,
) -> Result<RawRates, BoxError> {
    if store == "sqlite" {
        return sqlite_rates(url, org, ids, connections, seconds).await;
    }
    let directory =
        std::env::temp_dir().join(format!("djcrm-pgbench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory)?;
    let org = format!("'{}'::uuid", org.as_uuid());
    let list = directory.join("list.sql");
    std::fs::write(&list, format!("{};\n", list_sql(&org)))?;
    let create = directory.join("create.sql");
    std::fs::write(&create, create_script(&org, &format!("'{actor}'::uuid"))?)?;
    let mut detail_scripts = Vec::new();
    for (n, id) in raw_detail_ids(ids).iter().enumerate() {
        let script = directory.join(format!("detail{n}.sql"));
        std::fs::write(
            &script,
            format!("{};\n", detail_sql(&org, &format!("'{id}'::uuid"))),
        )?;
        detail_scripts.push(script);
    }
    let pgbench = |scripts: &[std::path::PathBuf]| -> Result<f64, BoxError> {
        let mut command = Command::new("pgbench");
        command.args(["-n", "-M", "prepared", "-j", "2"]);
        command.arg("-c").arg(connections.to_string());
        command.arg("-T").arg(seconds.to_string());
        for script in scripts {
            command.arg("-f").arg(script);
        }
        let output = command
            .arg(url)
            .output()
            .map_err(|e| format!("pgbench: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|line| line.strip_prefix("tps = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|tps| tps.parse().ok())
            .ok_or_else(|| {
                let errors = String::from_utf8_lossy(&output.stderr);
                let first = errors.lines().next().unwrap_or_default();
                format!("pgbench printed no tps: {text} {first}").into()
            })
    };
    let rates = RawRates {
        list: pgbench(std::slice::from_ref(&list))?,
        detail: pgbench(&detail_scripts)?,
        create: Some(pgbench(std::slice::from_ref(&create))?),
    };
    let _ = std::fs::remove_dir_all(&directory);
    Ok(rates)
}

async fn sqlite_rates(
    url: &str,
    org: OrgId,
    ids: &[uuid::Uuid],
    connections: usize,
    seconds: u64,
) -> Result<RawRates, BoxError> {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(u32::try_from(connections.min(16)).unwrap_or(16))
        .connect(url)
        .await?;
    let ids = Arc::new(ids.to_vec());
    let mut rates = Vec::new();
    for detail in [false, true] {
        let counter = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                let (pool, ids, counter) = (pool.clone(), ids.clone(), counter.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let answered = if detail {
                            sqlx::query(sqlx::AssertSqlSafe(detail_sql("$1", "$2")))
                                .bind(org.as_uuid())
                                .bind(ids[(n.wrapping_mul(7919)) % ids.len()])
                                .fetch_all(&pool)
                                .await
                        } else {
                            sqlx::query(sqlx::AssertSqlSafe(list_sql("$1")))
                                .bind(org.as_uuid())
                                .fetch_all(&pool)
                                .await
                        };
                        if answered.is_err() {
                            counter.fetch_sub(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            let _ = worker.await;
        }
        #[allow(clippy::cast_precision_loss)]
        rates.push(counter.load(Ordering::Relaxed) as f64 / seconds as f64);
    }
    pool.close().await;
    Ok(RawRates {
        list: rates[0],
        detail: rates[1],
        create: None,
    })
}
