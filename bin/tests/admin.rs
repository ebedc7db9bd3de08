//! `djcrm-admin`, run as operators run it: its reports, its JSON, its exit codes,
//! on SQLite and PostgreSQL.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

/// Runs `djcrm-admin args` in `dir` against `database_url`.
fn admin(dir: &Path, database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
        .args(args)
        .current_dir(dir)
        .env("DJCRM_DATABASE__URL", database_url)
        .env("DJCRM_CONFIG", dir.join("none.toml"))
        .env("DJCRM_LOG__FILTER", "error")
        .env("DJCRM_ADMIN_PASSWORD", "correct horse battery")
        .output()
        .expect("djcrm-admin runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn every_command(dir: &Path, url: &str) {
    // A new database: every migration pending, then applied.
    let before = json(&admin(dir, url, &["--json", "migrate", "--status"]));
    assert!(before["pending"].as_u64().unwrap_or(0) > 0, "{before}");
    let applied = admin(dir, url, &["migrate"]);
    assert!(applied.status.success());
    let after = json(&admin(dir, url, &["--json", "migrate", "--status"]));
    assert_eq!(after["pending"], 0, "{after}");
    assert!(
        after["migrations"]
            .as_array()
            .is_some_and(|m| m.iter().all(|m| m["applied"] == true))
    );

    let doctor = admin(dir, url, &["--json", "doctor"]);
    let report = json(&doctor);
    assert!(doctor.status.success(), "{report}");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["configuration", "store", "schema", "cache", "queue", "mail"]
    );

    let org = json(&admin(
        dir,
        url,
        &[
            "--json",
            "org",
            "create",
            "--name",
            "Acme",
            "--owner-email",
            "olive@acme.test",
            "--owner-name",
            "Olive",
        ],
    ));
    let org_id = org["organization_id"].as_str().expect("an id").to_owned();
    assert!(
        org["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("djcrm_"))
    );
    let user = json(&admin(
        dir,
        url,
        &[
            "--json",
            "user",
            "create",
            "--organization",
            &org_id,
            "--email",
            "ada@acme.test",
            "--full-name",
            "Ada",
            "--role",
            "organizer",
        ],
    ));
    assert_eq!(user["role"], "organizer");
    let failed = json(&admin(dir, url, &["--json", "jobs", "failed"]));
    assert_eq!(failed["failed"], Value::Array(Vec::new()));

    let orgs = json(&admin(dir, url, &["--json", "org", "list"]));
    assert_eq!(orgs["items"][0]["id"], org_id.as_str());
    let shown = json(&admin(dir, url, &["--json", "org", "show", &org_id]));
    assert_eq!(shown["name"], "Acme");
    assert_eq!(shown["leads"]["total"], 0);
    assert_eq!(shown["users"].as_array().map(Vec::len), Some(2));
    let users = json(&admin(
        dir,
        url,
        &["--json", "user", "list", "--organization", &org_id],
    ));
    assert_eq!(users["items"].as_array().map(Vec::len), Some(2));

    // Tokens for scripts: issued once, listed without their secret, revoked.
    let issued = json(&admin(
        dir,
        url,
        &[
            "--json",
            "token",
            "issue",
            "--email",
            "ada@acme.test",
            "--days",
            "30",
        ],
    ));
    let token_id = issued["id"].as_str().expect("a token id").to_owned();
    assert!(
        issued["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("djcrm_"))
    );
    let listed = json(&admin(
        dir,
        url,
        &["--json", "token", "list", "--email", "ada@acme.test"],
    ));
    assert_eq!(listed["items"][0]["id"], token_id.as_str());
    assert!(
        listed["items"][0].get("token").is_none(),
        "no secret is listed"
    );
    let revoked = admin(
        dir,
        url,
        &["token", "revoke", "--email", "ada@acme.test", &token_id],
    );
    assert!(revoked.status.success());
    let listed = json(&admin(
        dir,
        url,
        &["--json", "token", "list", "--email", "ada@acme.test"],
    ));
    assert_eq!(listed["items"], Value::Array(Vec::new()));

    // A new password signs the owner out everywhere.
    let before = json(&admin(
        dir,
        url,
        &["--json", "token", "list", "--email", "olive@acme.test"],
    ));
    assert_eq!(
        before["items"].as_array().map(Vec::len),
        Some(1),
        "the signup's token"
    );
    assert!(
        admin(
            dir,
            url,
            &["user", "set-password", "--email", "olive@acme.test"]
        )
        .status
        .success()
    );
    let after = json(&admin(
        dir,
        url,
        &["--json", "token", "list", "--email", "olive@acme.test"],
    ));
    assert_eq!(after["items"], Value::Array(Vec::new()));

    let role = json(&admin(
        dir,
        url,
        &[
            "--json",
            "user",
            "set-role",
            "--email",
            "ada@acme.test",
            "--role",
            "owner",
        ],
    ));
    assert_eq!(role["role"], "owner");
    let agent_role = admin(
        dir,
        url,
        &[
            "user",
            "set-role",
            "--email",
            "ada@acme.test",
            "--role",
            "agent",
        ],
    );
    assert_eq!(
        agent_role.status.code(),
        Some(1),
        "agents have profiles of their own"
    );
    assert!(
        admin(
            dir,
            url,
            &["user", "deactivate", "--email", "ada@acme.test"]
        )
        .status
        .success()
    );
    let users = json(&admin(
        dir,
        url,
        &["--json", "user", "list", "--organization", &org_id],
    ));
    let ada = users["items"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == "ada@acme.test"))
        .cloned()
        .expect("ada");
    assert_eq!(ada["active"], false);

    let dry = json(&admin(dir, url, &["--json", "purge", "--dry-run"]));
    assert_eq!(dry["dry_run"], true);
    assert!(dry["tokens"].is_u64(), "{dry}");
    assert!(admin(dir, url, &["purge"]).status.success());

    let stats = json(&admin(dir, url, &["--json", "stats"]));
    assert_eq!(stats["organizations"], 1);
    assert_eq!(stats["users"], 2);
    assert_eq!(stats["leads"]["total"], 0);
    assert!(
        stats["store_bytes"].as_u64().is_some_and(|b| b > 0),
        "{stats}"
    );
}

#[test]
fn every_command_works_on_sqlite() {
    let dir = tempfile::tempdir().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    every_command(dir.path(), &url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_postgres() {
    let database = common::Database::create().await;
    let dir = tempfile::tempdir().expect("a folder");
    let url = database.url.clone();
    tokio::task::spawn_blocking(move || every_command(dir.path(), &url))
        .await
        .expect("the commands ran");
    database.drop_now().await;
}

#[test]
fn a_store_that_is_down_fails_the_doctor_with_the_fix() {
    let dir = tempfile::tempdir().expect("a folder");
    let output = Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
        .args(["--json", "doctor"])
        .current_dir(dir.path())
        .env(
            "DJCRM_DATABASE__URL",
            "postgres://postgres@127.0.0.1:1/nowhere",
        )
        .env("DJCRM_DATABASE__ACQUIRE_TIMEOUT_MS", "500")
        .env("DJCRM_CONFIG", dir.path().join("none.toml"))
        .env("DJCRM_LOG__FILTER", "error")
        .output()
        .expect("djcrm-admin runs");
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let store = &report["checks"][1];
    assert_eq!(store["name"], "store");
    assert_eq!(store["ok"], false);
    assert!(
        store["fix"]
            .as_str()
            .is_some_and(|f| f.contains("database.url"))
    );
}

#[test]
fn a_user_error_is_one_line_and_exit_1_a_bad_setting_exit_2() {
    let dir = tempfile::tempdir().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    let bad_org = admin(
        dir.path(),
        &url,
        &[
            "user",
            "create",
            "--organization",
            "nope",
            "--email",
            "a@b.test",
            "--full-name",
            "A",
        ],
    );
    assert_eq!(bad_org.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad_org.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--organization"), "{stderr}");
    let bad_setting = Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
        .args(["doctor"])
        .current_dir(dir.path())
        .env("DJCRM_DATABASE__ULR", "typo")
        .env("DJCRM_CONFIG", dir.path().join("none.toml"))
        .output()
        .expect("djcrm-admin runs");
    assert_eq!(bad_setting.status.code(), Some(2));
}

#[test]
fn every_command_has_help_with_an_example() {
    for args in [
        vec!["migrate", "--help"],
        vec!["doctor", "--help"],
        vec!["analyze", "--help"],
        vec!["org", "create", "--help"],
        vec!["user", "create", "--help"],
        vec!["jobs", "failed", "--help"],
        vec!["jobs", "retry", "--help"],
        vec!["org", "list", "--help"],
        vec!["org", "show", "--help"],
        vec!["user", "list", "--help"],
        vec!["user", "set-password", "--help"],
        vec!["user", "set-role", "--help"],
        vec!["user", "deactivate", "--help"],
        vec!["token", "issue", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["stats", "--help"],
        vec!["purge", "--help"],
        vec!["leads", "export", "--help"],
        vec!["leads", "import", "--help"],
        vec!["leads", "imports", "--help"],
        vec!["leads", "import-revert", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
            .args(&args)
            .output()
            .expect("djcrm-admin runs");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args:?}");
        assert!(help.contains("Example: djcrm-admin"), "{args:?}: {help}");
    }
}
