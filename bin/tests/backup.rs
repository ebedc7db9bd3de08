//! `djcrm-admin backup` and `restore` on both stores: a snapshot taken, verified
//! against its manifest, restored into another store with the same rows; a store
//! with data is not overwritten without --force; a damaged backup is refused.

use std::path::Path;
use std::process::{Command, Output};

use djcrm_application::auth::SignupRequest;
use djcrm_application::leads::CreateLeadRequest;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::ports::Store;

mod common;

const LEADS: usize = 30;

async fn fill<S: Store>(store: S, settings: &Settings) -> String {
    let crm = crm(store, settings, Shared::connect(settings).expect("a cache"));
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = crm.authenticate(&owner.token).await.expect("the owner");
    for n in 0..LEADS {
        crm.create_lead(&actor, CreateLeadRequest::named("Lead", &format!("No {n}")))
            .await
            .expect("a lead");
    }
    actor.org_id.to_string()
}

fn admin(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
        .args(args)
        .current_dir(dir)
        .env("DJCRM_DATABASE__URL", url)
        .env("DJCRM_CONFIG", dir.join("none.toml"))
        .env("DJCRM_LOG__FILTER", "error")
        .output()
        .expect("djcrm-admin runs")
}

fn ok(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

async fn round_trip(source: String, target: String, ext: &str) {
    let dir = tempfile::tempdir().expect("a folder");
    let mut settings = Settings::default();
    settings.database.url = source.clone();
    let org = match AnyStore::connect(&settings, true).await.expect("a store") {
        AnyStore::Sqlite(store) => fill(store, &settings).await,
        AnyStore::Postgres(store) => fill(store, &settings).await,
    };
    let file = dir.path().join(format!("djcrm.{ext}"));
    let path = file.to_str().expect("a path");
    let backed_up = ok(&admin(dir.path(), &source, &["--json", "backup", path]));
    assert_eq!(backed_up["tables"]["leads"], LEADS as i64);
    assert_eq!(backed_up["tables"]["organizations"], 1);
    assert!(Path::new(&format!("{path}.manifest.json")).exists());

    let restored = ok(&admin(dir.path(), &target, &["--json", "restore", path]));
    assert_eq!(restored["tables"], backed_up["tables"]);
    let export = admin(dir.path(), &target, &["leads", "export", "--org", &org]);
    assert!(export.status.success());
    assert_eq!(
        String::from_utf8_lossy(&export.stdout).lines().count(),
        LEADS + 1,
        "every lead came back"
    );

    let again = admin(dir.path(), &target, &["restore", path]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    ok(&admin(
        dir.path(),
        &target,
        &["--json", "restore", "--force", path],
    ));

    let mut damaged = std::fs::read(&file).expect("the backup");
    damaged.push(0);
    std::fs::write(&file, damaged).expect("damaged");
    let refused = admin(dir.path(), &target, &["restore", "--force", path]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("checksum"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_another_sqlite_store() {
    let dir = tempfile::tempdir().expect("a folder");
    let source = format!("sqlite://{}", dir.path().join("source.db").display());
    let target = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("target.db").display()
    );
    round_trip(source, target, "db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_another_postgres_database() {
    let source = common::Database::create().await;
    let target = common::Database::create().await;
    round_trip(source.url.clone(), target.url.clone(), "dump").await;
    source.drop_now().await;
    target.drop_now().await;
}
