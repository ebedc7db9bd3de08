//! `djcrm-admin` as an operator runs it.

use std::process::Command;

fn admin(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
        .args(args)
        .current_dir(dir)
        .env(
            "DJCRM_DATABASE__URL",
            format!("sqlite://{}", dir.join("admin.db").display()),
        )
        .env("DJCRM_ADMIN_PASSWORD", "operator password")
        .env("RUST_LOG", "warn")
        .output()
        .expect("djcrm-admin runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn value<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .unwrap_or_else(|| panic!("{key} in {stdout}"))
}

#[test]
fn an_operator_migrates_and_creates_an_organization_and_its_users() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (ok, out, err) = admin(dir.path(), &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("migrations applied"), "{out}");

    let (ok, out, err) = admin(
        dir.path(),
        &[
            "create-organization",
            "--name",
            "Acme",
            "--owner-email",
            "olive@acme.test",
            "--owner-name",
            "Olive",
        ],
    );
    assert!(ok, "{err}");
    let org = value(&out, "organization_id").to_owned();
    assert!(value(&out, "token").starts_with("djcrm_"));

    let (ok, out, err) = admin(
        dir.path(),
        &[
            "create-user",
            "--organization",
            &org,
            "--email",
            "alice@acme.test",
            "--full-name",
            "Alice",
            "--role",
            "agent",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(value(&out, "role"), "agent");

    // Errors are one clear line and a failing exit status.
    let (ok, _, err) = admin(
        dir.path(),
        &[
            "create-user",
            "--organization",
            &org,
            "--email",
            "alice@acme.test",
            "--full-name",
            "Alice 2",
        ],
    );
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    let (ok, _, err) = admin(
        dir.path(),
        &[
            "create-user",
            "--organization",
            "nope",
            "--email",
            "b@acme.test",
            "--full-name",
            "B",
        ],
    );
    assert!(!ok);
    assert!(err.contains("--organization"), "{err}");

    let (ok, out, err) = admin(dir.path(), &["analyze"]);
    assert!(ok, "{err}");
    assert!(out.contains("statistics refreshed"), "{out}");
}
