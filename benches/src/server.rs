//! A `djcrm serve` process for the benchmarks, and an organization signed up
//! through its API: 20 agents and 8 categories, ready to seed leads into.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use djcrm_domain::{AgentId, CategoryId, OrgId, UserId};
use serde_json::{Value, json};

use crate::{BoxError, Tenant};

/// A server process on one database, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the release build of `djcrm` (or `DJCRM_BIN`) on `database_url`,
    /// with the in-process cache on or storing nothing, and limits out of the way.
    ///
    /// # Errors
    /// When no port is free or the binary does not start.
    pub fn start(database_url: &str, cache: bool) -> Result<Self, BoxError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let binary = std::env::var("DJCRM_BIN").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/djcrm").to_owned()
        });
        let mut command = Command::new(&binary);
        // PostgreSQL serves 32 clients better with more than the default 8 sessions;
        // SQLite keeps its default (each connection has its own page cache).
        command.env_remove("DJCRM_DATABASE__MAX_CONNECTIONS");
        if database_url.starts_with("postgres") {
            command.env("DJCRM_DATABASE__MAX_CONNECTIONS", "16");
        }
        // Cache on: the default bound. Off: a cache that stores nothing.
        command.env_remove("DJCRM_CACHE__MAX_MIB");
        if !cache {
            command.env("DJCRM_CACHE__MAX_MIB", "0");
        }
        // The server refuses DJCRM_ variables it does not know: keep the bench's own.
        for (name, _) in std::env::vars() {
            if name.starts_with("DJCRM_BENCH_") || name == "DJCRM_BIN" {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("serve")
            .env("DJCRM_DATABASE__URL", database_url)
            .env("DJCRM_HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("DJCRM_RATE_LIMIT__API_PER_MINUTE", "1000000")
            .env("DJCRM_RATE_LIMIT__AUTH_PER_MINUTE", "1000000")
            .env("DJCRM_LOG__FILTER", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {binary} (build it: cargo build --release): {e}"))?;
        Ok(Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Waits for `/readyz` to answer 200.
    ///
    /// # Errors
    /// When it does not within ten seconds.
    pub async fn ready(&self, client: &reqwest::Client) -> Result<(), BoxError> {
        for _ in 0..200 {
            if let Ok(reply) = client.get(format!("{}/readyz", self.base)).send().await
                && reply.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the server did not become ready".into())
    }

    /// The process's resident memory, in MiB (0 when it cannot be read).
    #[must_use]
    pub fn resident_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// The organization as the API made it, and its owner's token.
pub struct Org {
    /// The owner's bearer token (also a UI session: the cookie holds a token).
    pub token: String,
    /// The owner's user id.
    pub owner: uuid::Uuid,
    /// The organization, its agents and categories.
    pub tenant: Tenant,
}

/// POSTs `body` as JSON; the answer's JSON, or an error naming a refusal.
async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> Result<Value, BoxError> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await?;
    let status = reply.status();
    let body: Value = reply.json().await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

/// Signs up an organization through the API at `api` (`…/api/v1`) and adds 20
/// agents and 8 categories.
///
/// # Errors
/// When a request fails or is refused.
pub async fn organization(client: &reqwest::Client, api: &str) -> Result<Org, BoxError> {
    let signed_up = post(
        client,
        format!("{api}/auth/signup"),
        None,
        json!({"organization_name": "Bench", "email": "owner@bench.test",
               "password": "correct horse battery", "full_name": "Bench Owner"}),
    )
    .await?;
    let token = signed_up["token"].as_str().unwrap_or_default().to_owned();
    let uuid = |v: &Value| v["id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    let org = signed_up["organization"]["id"]
        .as_str()
        .and_then(|s| s.parse::<uuid::Uuid>().ok())
        .ok_or("no organization id")?;
    let mut agents = Vec::new();
    for i in 0..20 {
        let agent = post(
            client,
            format!("{api}/agents"),
            Some(&token),
            json!({"email": format!("agent{i}@bench.test"), "full_name": format!("Agent {i}"),
                   "password": "agent password 1"}),
        )
        .await?;
        agents.push(AgentId::from_uuid(uuid(&agent).ok_or("no agent id")?));
    }
    let mut categories = Vec::new();
    for i in 0..8 {
        let category = post(
            client,
            format!("{api}/categories"),
            Some(&token),
            json!({"name": format!("Category {i}")}),
        )
        .await?;
        categories.push(CategoryId::from_uuid(
            uuid(&category).ok_or("no category id")?,
        ));
    }
    let owner = uuid(&signed_up["user"]).ok_or("no owner id")?;
    Ok(Org {
        token,
        owner,
        tenant: Tenant {
            org: OrgId::from_uuid(org),
            owner: UserId::from_uuid(owner),
            agents,
            categories,
        },
    })
}

/// Seeds `count` leads of `tenant` into the database at `url` (`store` is
/// `sqlite` or `postgres`) straight through its pool, then refreshes the
/// planner's statistics (and vacuums PostgreSQL); returns their ids, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn seed(
    store: &str,
    url: &str,
    tenant: &Tenant,
    count: usize,
) -> Result<Vec<uuid::Uuid>, BoxError> {
    use djcrm_domain::ports::Store as _;
    if store == "sqlite" {
        let store =
            djcrm_adapter_sqlite::connect(&djcrm_adapter_sqlite::SqliteOptions::new(url)).await?;
        let ids = crate::seed_sqlite(&store, tenant, count).await?;
        store.refresh_statistics().await?;
        store.close().await;
        Ok(ids)
    } else {
        let store =
            djcrm_adapter_postgres::connect(&djcrm_adapter_postgres::PostgresOptions::new(url))
                .await?;
        let ids = crate::seed_postgres(&store, tenant, count).await?;
        // What autovacuum would do after a bulk load (this machine's PostgreSQL
        // runs without it): statistics, and the visibility map that lets a
        // covering index answer without reading the table.
        sqlx::query("VACUUM ANALYZE").execute(store.pool()).await?;
        store.close().await;
        Ok(ids)
    }
}
