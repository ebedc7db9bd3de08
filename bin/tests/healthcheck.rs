//! `djcrm healthcheck`, the container image's HEALTHCHECK: it asks the server at
//! `http.bind` for `/readyz` and exits 0 only when the server answers ready.

use std::process::Command;

use djcrm_bin::config::Settings;
use djcrm_bin::startup::Application;

fn healthcheck(bind: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_djcrm"))
        .arg("healthcheck")
        .env("DJCRM_HTTP__BIND", bind)
        .env("DJCRM_CONFIG", "/nonexistent/djcrm.toml")
        .output()
        .expect("djcrm healthcheck runs")
}

#[tokio::test]
async fn a_ready_server_passes() {
    let dir = tempfile::tempdir().expect("a directory");
    let mut settings = Settings::default();
    settings.http.bind = "127.0.0.1:0".parse().expect("an address");
    settings.database.url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
    settings.mail.outbox_dir = dir.path().join("outbox").display().to_string();
    settings.queue.in_process_worker = false;
    let app = Application::build(&settings, std::future::pending())
        .await
        .expect("the server starts");
    // Asked on the unspecified address, as a container's configuration binds.
    let bind = format!("0.0.0.0:{}", app.local_addr().port());
    let server = tokio::spawn(app.run());
    let output = tokio::task::spawn_blocking(move || healthcheck(&bind))
        .await
        .expect("the check ran");
    server.abort();
    assert!(
        output.status.success(),
        "a ready server passes: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn no_server_fails_with_one_line() {
    // A port just freed: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let output = healthcheck(&format!("127.0.0.1:{port}"));
    assert!(!output.status.success(), "no server, no pass");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}
