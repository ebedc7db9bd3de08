//! Delivery to a real SMTP server on loopback: aiosmtpd, from the Python tools
//! `.ci/python` installs (`.ci/run` passes its interpreter in `CI_PYTHON`).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use djcrm_adapter_mail::{Sender, SmtpMailer};
use djcrm_domain::Email;
use djcrm_domain::ports::{Mail, Mailer};

/// aiosmtpd storing what it receives in a Maildir, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    std::env::var_os("CI_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ci-python/bin/python"),
        PathBuf::from,
    )
}

impl SmtpServer {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("a folder");
        let python = python();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start aiosmtpd with {} ({e}): run .ci/python, or set CI_PYTHON",
                    python.display()
                )
            });
        let server = Self {
            child,
            port,
            maildir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The messages it has received, as text.
    fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        std::fs::read_dir(new).map_or_else(
            |_| Vec::new(),
            |entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .collect()
            },
        )
    }
}

#[tokio::test]
async fn a_message_sent_over_smtp_arrives_whole() {
    let server = SmtpServer::start();
    let smtp = SmtpMailer::new(
        &format!("smtp://127.0.0.1:{}", server.port),
        Duration::from_secs(10),
        Sender::parse("DJ CRM <crm@example.com>").expect("a mailbox"),
    )
    .expect("an SMTP URL");
    let mail = Mail {
        key: "password-reset-1".to_owned(),
        to: Email::parse("ada@example.com").expect("an address"),
        to_name: None,
        subject: "Reset your password".to_owned(),
        text: "Follow the link to choose a new password.".to_owned(),
        html: "<p>Follow the link to choose a new password.</p>".to_owned(),
    };
    let id = smtp.send(&mail).await.expect("delivered");
    let received = server.received();
    assert_eq!(received.len(), 1, "{received:?}");
    for expected in [
        format!("Message-ID: {id}"),
        "To: ada@example.com".to_owned(),
        "Subject: Reset your password".to_owned(),
        "Follow the link to choose a new password.".to_owned(),
        "<p>Follow the link to choose a new password.</p>".to_owned(),
    ] {
        assert!(
            received[0].contains(&expected),
            "no {expected:?} in:\n{}",
            received[0]
        );
    }
}
