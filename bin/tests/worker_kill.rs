//! A `djcrm worker` killed (SIGKILL) while it works through a backlog, then a new
//! one started: every job's effect happens exactly once. The mail of a job is named
//! by the job's key, so a job run again after its mail was written (but before it
//! was recorded as done) writes the same file, not a second one.
//!
//! The worker runs as its own process, the real binary, so the kill is real.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use djcrm_application::Crm;
use djcrm_application::agents::CreateAgentRequest;
use djcrm_application::auth::SignupRequest;
use djcrm_application::leads::CreateLeadRequest;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::jobs::RunState;
use djcrm_domain::ports::{JobLog, Store};
use tokio::time::{Instant, sleep};

mod common;

/// Leads assigned, each one mail.
const JOBS: usize = 40;

fn worker(database_url: &str, outbox: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_djcrm"))
        .arg("worker")
        .env("DJCRM_DATABASE__URL", database_url)
        .env("DJCRM_MAIL__OUTBOX_DIR", outbox)
        .env("DJCRM_QUEUE__POLL_INTERVAL_MS", "50")
        .env("DJCRM_QUEUE__HEARTBEAT_SECONDS", "1")
        .env("DJCRM_LOG__FILTER", "warn")
        .env("DJCRM_CONFIG", "/nonexistent/djcrm.toml")
        .stdout(Stdio::null())
        .spawn()
        .expect("djcrm worker starts")
}

fn mails(outbox: &Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Assigns `JOBS` leads to an agent: `JOBS` mails for the worker to send.
async fn backlog<S: Store>(crm: &Crm<S>) {
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "owner@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = crm.authenticate(&owner.token).await.expect("the owner");
    let agent = crm
        .create_agent(
            &actor,
            CreateAgentRequest {
                email: "grace@acme.test".into(),
                full_name: "Grace".into(),
                password: "agent password 1".into(),
            },
        )
        .await
        .expect("an agent");
    for n in 0..JOBS {
        let lead = crm
            .create_lead(
                &actor,
                CreateLeadRequest::named("Lead", &format!("Number {n}")),
            )
            .await
            .expect("a lead");
        crm.assign_lead(&actor, lead.id, Some(agent.id), None)
            .await
            .expect("assigned");
    }
}

async fn kill_a_worker_midway(database_url: String) {
    let dir = tempfile::tempdir().expect("a folder");
    let outbox = dir.path().join("outbox");
    let mut settings = Settings::default();
    settings.database.url = database_url.clone();
    let shared = Shared::connect(&settings).expect("the cache");
    let store = AnyStore::connect(&settings, true).await.expect("the store");
    let done = match store {
        AnyStore::Sqlite(store) => run(store, &settings, shared, &database_url, &outbox).await,
        AnyStore::Postgres(store) => run(store, &settings, shared, &database_url, &outbox).await,
    };
    assert_eq!(done, JOBS, "every job is recorded done");
    let written = mails(&outbox);
    assert_eq!(
        written.iter().filter(|m| m.ends_with(".eml")).count(),
        JOBS,
        "one mail per job, none twice: {written:#?}"
    );
    assert!(
        written.iter().all(|m| m.ends_with(".eml")),
        "no half-written mail is left: {written:#?}"
    );
}

async fn run<S: Store + Clone>(
    store: S,
    settings: &Settings,
    shared: Shared,
    database_url: &str,
    outbox: &Path,
) -> usize {
    let crm = crm(store.clone(), settings, shared);
    backlog(&crm).await;
    let mut first = worker(database_url, outbox);
    let deadline = Instant::now() + Duration::from_secs(60);
    while mails(outbox).len() < 3 {
        assert!(Instant::now() < deadline, "the first worker sent nothing");
        sleep(Duration::from_millis(10)).await;
    }
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    assert!(
        mails(outbox).len() < JOBS,
        "the kill came too late to interrupt anything"
    );
    let mut second = worker(database_url, outbox);
    let deadline = Instant::now() + Duration::from_secs(90);
    let done = loop {
        let done = store
            .jobs()
            .runs(None, RunState::Done, 1000)
            .await
            .expect("the job records")
            .len();
        if done >= JOBS || Instant::now() > deadline {
            break done;
        }
        sleep(Duration::from_millis(100)).await;
    };
    // Anything run twice would show up by now.
    sleep(Duration::from_secs(1)).await;
    second.kill().expect("stopped");
    let _ = second.wait();
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_each_effect_happens_once() {
    let dir = tempfile::tempdir().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    kill_a_worker_midway(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_each_effect_happens_once() {
    let database = common::Database::create().await;
    kill_a_worker_midway(database.url.clone()).await;
    database.drop_now().await;
}
