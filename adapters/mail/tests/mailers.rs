//! The mail adapters: what the file outbox writes, and how SMTP failures are told.

use std::time::Duration;

use djcrm_adapter_mail::{FileMailer, Sender, SmtpMailer};
use djcrm_domain::Email;
use djcrm_domain::ports::{Mail, MailError, Mailer};

fn mail() -> Mail {
    Mail {
        key: "lead-assigned-0193".to_owned(),
        to: Email::parse("ada@example.com").expect("an address"),
        to_name: Some("Ada Lovelace".to_owned()),
        subject: "You have a new lead".to_owned(),
        text: "Grace Hopper is yours now.".to_owned(),
        html: "<p>Grace Hopper is yours now.</p>".to_owned(),
    }
}

fn sender() -> Sender {
    Sender::parse("DJ CRM <crm@example.com>").expect("a mailbox")
}

#[tokio::test]
async fn the_file_outbox_writes_one_message_per_mail_named_by_its_id() {
    let folder = tempfile::tempdir().expect("a folder");
    let outbox = FileMailer::new(folder.path().join("outbox"), sender());
    let id = outbox.send(&mail()).await.expect("written");
    let files: Vec<_> = std::fs::read_dir(outbox.folder())
        .expect("the folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("the message");
    assert!(text.contains(&format!("Message-ID: {id}")), "{text}");
}

#[tokio::test]
async fn the_same_key_sent_twice_leaves_one_message() {
    let folder = tempfile::tempdir().expect("a folder");
    let outbox = FileMailer::new(folder.path(), sender());
    let first = outbox.send(&mail()).await.expect("written");
    let second = outbox.send(&mail()).await.expect("written again");
    assert_eq!(first, second);
    assert_eq!(first, "<lead-assigned-0193@example.com>");
    assert_eq!(
        std::fs::read_dir(folder.path())
            .expect("the folder")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_written_message_has_the_headers_and_both_bodies() {
    let folder = tempfile::tempdir().expect("a folder");
    let outbox = FileMailer::new(folder.path(), sender());
    outbox.send(&mail()).await.expect("written");
    let path = std::fs::read_dir(folder.path())
        .expect("the folder")
        .next()
        .expect("a message")
        .expect("an entry")
        .path();
    let text = std::fs::read_to_string(path).expect("the message");
    for expected in [
        "From: \"DJ CRM\" <crm@example.com>",
        "To: \"Ada Lovelace\" <ada@example.com>",
        "Subject: You have a new lead",
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Grace Hopper is yours now.",
        "Content-Type: text/html; charset=utf-8",
        "<p>Grace Hopper is yours now.</p>",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn a_sender_that_is_not_a_mailbox_is_refused() {
    assert!(matches!(
        Sender::parse("not a mailbox"),
        Err(MailError::Rejected { .. })
    ));
}

#[tokio::test]
async fn a_closed_smtp_port_is_a_transient_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let smtp = SmtpMailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        Duration::from_secs(2),
        sender(),
    )
    .expect("an SMTP URL");
    assert!(matches!(
        smtp.send(&mail()).await,
        Err(MailError::Transient { .. })
    ));
}

#[test]
fn a_url_that_is_not_smtp_is_refused() {
    assert!(matches!(
        SmtpMailer::new("http://example.com", Duration::from_secs(2), sender()),
        Err(MailError::Rejected { .. })
    ));
}
