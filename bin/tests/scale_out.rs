//! Scale-out on one machine, with real processes: three `djcrm serve` and two
//! `djcrm worker` on one PostgreSQL and one Redis, behind a round-robin client.
//! While a workload runs, one server and one worker are killed (SIGKILL) and
//! started again: no acknowledged write is lost, no read through one server is
//! stale after a write through another, every job runs to completion exactly once,
//! the servers share one rate limit, and every instance's metrics can be scraped.
//! Then a server stopped with SIGTERM finishes the request it is serving.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use djcrm_bin::config::Settings;
use djcrm_bin::startup::AnyStore;
use djcrm_domain::jobs::{RunState, Work};
use djcrm_domain::ports::{JobLog, Store};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep};

mod common;

const METRICS_TOKEN: &str = "scale-out-metrics-token";
const LEADS: usize = 30;

/// One `djcrm` process, which can be killed and started again as it was.
struct Instance {
    args: &'static str,
    env: Vec<(String, String)>,
    port: u16,
    child: Option<Child>,
}

impl Instance {
    fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_djcrm"))
            .arg(self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .spawn()
            .expect("djcrm starts");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Cluster {
    servers: Vec<Instance>,
    workers: Vec<Instance>,
    client: reqwest::Client,
    next: usize,
}

struct Reply {
    status: u16,
    body: Value,
}

impl Cluster {
    fn new(database_url: &str, outbox: &Path) -> Self {
        let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let prefix = format!("djcrm-scale-{}:", uuid::Uuid::new_v4().simple());
        let common = |migrate: bool| -> Vec<(String, String)> {
            [
                ("DJCRM_CONFIG", "/nonexistent/djcrm.toml".to_owned()),
                ("DJCRM_DATABASE__URL", database_url.to_owned()),
                ("DJCRM_DATABASE__MIGRATE_ON_START", migrate.to_string()),
                ("DJCRM_CACHE__URL", redis.clone()),
                ("DJCRM_CACHE__PREFIX", prefix.clone()),
                ("DJCRM_MAIL__OUTBOX_DIR", outbox.display().to_string()),
                ("DJCRM_QUEUE__POLL_INTERVAL_MS", "50".to_owned()),
                ("DJCRM_QUEUE__HEARTBEAT_SECONDS", "1".to_owned()),
                ("DJCRM_LOG__FILTER", "warn".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
        };
        let servers = (0..3)
            .map(|n| {
                let port = common::free_port();
                let mut env = common(n == 0);
                env.push(("DJCRM_HTTP__BIND".into(), format!("127.0.0.1:{port}")));
                env.push(("DJCRM_QUEUE__IN_PROCESS_WORKER".into(), "false".into()));
                env.push(("DJCRM_METRICS__TOKEN".into(), METRICS_TOKEN.into()));
                Instance {
                    args: "serve",
                    env,
                    port,
                    child: None,
                }
            })
            .collect();
        let workers = (0..2)
            .map(|_| {
                let port = common::free_port();
                let mut env = common(false);
                env.push(("DJCRM_METRICS__BIND".into(), format!("127.0.0.1:{port}")));
                Instance {
                    args: "worker",
                    env,
                    port,
                    child: None,
                }
            })
            .collect();
        Self {
            servers,
            workers,
            client: reqwest::Client::new(),
            next: 0,
        }
    }

    async fn ready(&self, server: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let url = self.servers[server].url("/readyz");
            let answered = self.client.get(url).send().await;
            if answered.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server {server} ready within 60 s"
            );
            sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends through the next server that answers (a dead one is skipped: its
    /// connection is refused, so the request never reached it).
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let key = uuid::Uuid::new_v4().to_string();
        for _ in 0..self.servers.len() {
            let server = &self.servers[self.next % self.servers.len()];
            self.next += 1;
            let mut request = self
                .client
                .request(method.clone(), server.url(&format!("/api/v1{path}")))
                .header("Idempotency-Key", &key);
            if !token.is_empty() {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.json().await.unwrap_or(Value::Null);
                    return Reply { status, body };
                }
                Err(error) if error.is_connect() => continue,
                Err(error) => panic!("{method} {path}: {error}"),
            }
        }
        panic!("no server answered {method} {path}")
    }
}

fn mails(outbox: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(outbox)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A CSV upload sent in slow pieces, SIGTERM sent to the server after the first:
/// the answer must still come, complete.
async fn upload_across_a_sigterm(server: &Instance, token: &str) -> String {
    let mut body = String::from("first_name,last_name,email\n");
    for n in 0..2000 {
        body.push_str(&format!("Slow{n},Upload,slow{n}@example.com\n"));
    }
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .expect("a connection");
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("the head");
    let pieces: Vec<&[u8]> = body.as_bytes().chunks(body.len() / 10 + 1).collect();
    stream.write_all(pieces[0]).await.expect("a piece");
    let terminated = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(terminated.success(), "SIGTERM sent");
    for piece in &pieces[1..] {
        sleep(Duration::from_millis(100)).await;
        stream
            .write_all(piece)
            .await
            .expect("the server still reads");
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_and_two_workers_survive_kills() {
    let database = common::Database::create().await;
    let dir = tempfile::tempdir().expect("a folder");
    let outbox = dir.path().join("outbox");
    let mut cluster = Cluster::new(&database.url, &outbox);
    cluster.servers[0].start();
    cluster.ready(0).await;
    for n in 1..3 {
        cluster.servers[n].start();
        cluster.ready(n).await;
    }
    for worker in &mut cluster.workers {
        worker.start();
    }

    let signup = cluster
        .call(
            Method::POST,
            "/auth/signup",
            "",
            Some(
                json!({"organization_name": "Scale", "email": "owner@scale.test",
                "password": "correct horse battery", "full_name": "Olive Owner"}),
            ),
        )
        .await;
    assert_eq!(signup.status, 201, "{:?}", signup.body);
    let token = signup.body["token"].as_str().unwrap_or_default().to_owned();
    let agent = cluster
        .call(
            Method::POST,
            "/agents",
            &token,
            Some(json!({"email": "grace@scale.test", "full_name": "Grace",
                "password": "agent password 1"})),
        )
        .await;
    assert_eq!(agent.status, 201, "{:?}", agent.body);
    let agent_id = agent.body["id"].as_str().unwrap_or_default().to_owned();

    let mut acknowledged = Vec::new();
    for n in 0..LEADS {
        if n == LEADS / 3 {
            cluster.servers[1].kill();
            cluster.workers[0].kill();
        }
        if n == 2 * LEADS / 3 {
            cluster.servers[1].start();
            cluster.workers[0].start();
            cluster.ready(1).await;
        }
        let created = cluster
            .call(
                Method::POST,
                "/leads",
                &token,
                Some(json!({"first_name": "Lead", "last_name": format!("Number {n}")})),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let id = created.body["id"].as_str().unwrap_or_default().to_owned();
        acknowledged.push(id.clone());
        let read = cluster
            .call(Method::GET, &format!("/leads/{id}"), &token, None)
            .await;
        assert_eq!(
            read.status, 200,
            "a lead created through one server is read through the next"
        );
        let assigned = cluster
            .call(
                Method::POST,
                &format!("/leads/{id}/assign"),
                &token,
                Some(json!({"agent_id": agent_id})),
            )
            .await;
        assert_eq!(assigned.status, 200, "{:?}", assigned.body);
        let read = cluster
            .call(Method::GET, &format!("/leads/{id}"), &token, None)
            .await;
        assert_eq!(
            read.body["agent_id"].as_str(),
            Some(agent_id.as_str()),
            "no stale read after an assignment through another server"
        );
    }

    // Every acknowledged lead, through every server, the restarted one included.
    for server in 0..3 {
        cluster.next = server;
        let listed = cluster
            .call(Method::GET, "/leads?limit=100", &token, None)
            .await;
        let ids: Vec<&str> = listed.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|lead| lead["id"].as_str())
            .collect();
        assert_eq!(ids.len(), LEADS, "server {server} lists every lead once");
        assert!(acknowledged.iter().all(|id| ids.contains(&id.as_str())));
    }

    // One limit for all servers: a fresh token's first requests, sent at once to
    // the three, each take one from the same count (separate counters would each
    // answer "limit - 1").
    let login = cluster
        .call(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"email": "owner@scale.test", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let fresh = login.body["token"].as_str().unwrap_or_default().to_owned();
    let remaining = |server: &Instance| {
        let request = cluster
            .client
            .get(server.url("/api/v1/me"))
            .bearer_auth(&fresh);
        async move {
            let response = request.send().await.expect("an answer");
            response
                .headers()
                .get("ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        }
    };
    let (a, b, c) = tokio::join!(
        remaining(&cluster.servers[0]),
        remaining(&cluster.servers[1]),
        remaining(&cluster.servers[2])
    );
    let mut seen = vec![a, b, c];
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 3, "one count across servers: {a:?} {b:?} {c:?}");

    // Every instance's metrics.
    for server in &cluster.servers {
        let response = cluster
            .client
            .get(server.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("metrics");
        assert_eq!(response.status().as_u16(), 200);
    }
    for worker in &cluster.workers {
        let response = cluster.client.get(worker.url("/metrics")).send().await;
        assert!(
            response.is_ok_and(|r| r.status().is_success()),
            "a worker's metrics listener"
        );
    }

    // Each assignment's mail job done exactly once, its mail written.
    let mut settings = Settings::default();
    settings.database.url = database.url.clone();
    let store = AnyStore::connect(&settings, false)
        .await
        .expect("the store");
    let assigned_mails = |runs: Vec<djcrm_domain::jobs::JobRun>| -> Vec<String> {
        runs.into_iter()
            .filter(|run| matches!(run.job.work, Work::LeadAssignedMail { .. }))
            .map(|run| run.job.key.as_str().to_owned())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let runs = match &store {
            AnyStore::Postgres(store) => store.jobs().runs(None, RunState::Done, 1000).await,
            AnyStore::Sqlite(store) => store.jobs().runs(None, RunState::Done, 1000).await,
        }
        .expect("the job records");
        let done = assigned_mails(runs);
        if done.len() >= LEADS || Instant::now() > deadline {
            break done;
        }
        sleep(Duration::from_millis(200)).await;
    };
    let mut unique = done.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(done.len(), LEADS, "every assignment's mail job is done");
    assert_eq!(unique.len(), done.len(), "none recorded twice");
    let written = mails(&outbox);
    let eml = written
        .iter()
        .filter(|m| m.extension().is_some_and(|e| e == "eml"))
        .count();
    assert!(eml >= LEADS, "a mail per assignment: {eml} written");
    assert!(
        written
            .iter()
            .all(|m| m.extension().is_some_and(|e| e == "eml")),
        "no half-written mail is left: {written:#?}"
    );

    // SIGTERM: the request being served is finished, then the server exits cleanly.
    cluster.next = 0;
    let answer = upload_across_a_sigterm(&cluster.servers[2], &token).await;
    assert!(
        answer.starts_with("HTTP/1.1 202"),
        "the upload in flight at SIGTERM is answered: {answer}"
    );
    let status = cluster.servers[2]
        .child
        .take()
        .map(|mut child| child.wait().expect("it exits"));
    assert!(
        status.is_some_and(|s| s.success()),
        "a clean exit after SIGTERM: {status:?}"
    );

    drop(cluster);
    database.drop_now().await;
}
