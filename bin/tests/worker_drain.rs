//! A `djcrm worker` sent SIGTERM while it runs a job finishes that job before it
//! exits (within `http.shutdown_grace_seconds`), and exits cleanly: the job is
//! neither cut off halfway nor left for another worker. The job is a large CSV
//! import, long enough to be caught running.

use std::process::{Command, Stdio};
use std::time::Duration;

use djcrm_application::auth::SignupRequest;
use djcrm_application::imports::ImportRequest;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::ImportState;
use tokio::time::{Instant, sleep};

const ROWS: usize = 30_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_job_finish() {
    let dir = tempfile::tempdir().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    let mut settings = Settings::default();
    settings.database.url = url.clone();
    settings.mail.outbox_dir = dir.path().join("outbox").display().to_string();
    let shared = Shared::connect(&settings).expect("the cache");
    let AnyStore::Sqlite(store) = AnyStore::connect(&settings, true).await.expect("the store")
    else {
        panic!("a SQLite store");
    };
    let crm = crm(store, &settings, shared);
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Drain".into(),
            email: "owner@drain.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = crm.authenticate(&owner.token).await.expect("the owner");
    let mut csv = String::from("first_name,last_name,email\n");
    for n in 0..ROWS {
        csv.push_str(&format!("Drain{n},Lead,drain{n}@example.com\n"));
    }
    let import = crm
        .upload_import(
            &actor,
            ImportRequest {
                file_name: "drain.csv".into(),
                ..ImportRequest::default()
            },
            csv.len() as u64,
            csv.as_bytes(),
        )
        .await
        .expect("an upload");

    let mut worker = Command::new(env!("CARGO_BIN_EXE_djcrm"))
        .arg("worker")
        .env("DJCRM_CONFIG", "/nonexistent/djcrm.toml")
        .env("DJCRM_DATABASE__URL", &url)
        .env("DJCRM_MAIL__OUTBOX_DIR", dir.path().join("outbox"))
        .env("DJCRM_QUEUE__POLL_INTERVAL_MS", "50")
        .env("DJCRM_HTTP__SHUTDOWN_GRACE_SECONDS", "120")
        .env("DJCRM_LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("djcrm worker starts");

    // Caught running: some rows in, not all.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = crm.import(&actor, import.id).await.expect("the import");
        if now.state == ImportState::Running && now.counts.rows > 0 {
            break;
        }
        assert!(
            now.state != ImportState::Done,
            "the import finished before it could be interrupted: make it larger"
        );
        assert!(
            Instant::now() < deadline,
            "the worker took the import within 60 s"
        );
        sleep(Duration::from_millis(5)).await;
    }
    let signalled = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let status = tokio::task::spawn_blocking(move || worker.wait())
        .await
        .expect("waited")
        .expect("it exits");
    assert!(status.success(), "a clean exit after SIGTERM: {status}");
    let after = crm.import(&actor, import.id).await.expect("the import");
    assert_eq!(
        after.state,
        ImportState::Done,
        "the job in flight was finished"
    );
    assert_eq!(after.counts.created, ROWS as u64, "every row, once");
}
