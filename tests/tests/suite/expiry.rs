//! Tokens that expire, with a clock the test moves: an invitation or a password
//! reset used after its time is refused, and the refusal changes nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use djcrm_application::auth::SignupRequest;
use djcrm_application::invitations::{AcceptInvitationRequest, InviteRequest};
use djcrm_application::jobs::{Links, Relay, Worker};
use djcrm_application::passwords::ConfirmPasswordReset;
use djcrm_domain::DomainError;

use crate::digests::{Kept, Outbox, World, world};

/// Runs the relay and the worker over what is queued; the mails sent.
async fn mails(w: &World) -> Vec<djcrm_domain::ports::Mail> {
    let queue = Arc::new(Kept::default());
    Relay::new(
        w.store.clone(),
        queue.clone(),
        w.clock.clone(),
        "test",
        Duration::from_secs(30),
    )
    .step()
    .await
    .expect("a relay pass");
    let outbox = Arc::new(Outbox::default());
    let worker = Worker::new(
        w.store.clone(),
        outbox.clone(),
        w.clock.clone(),
        Links::new("https://crm.example"),
    );
    let jobs = queue.0.lock().expect("the queue").clone();
    for job in jobs {
        worker.perform(&job, 1, 1).await.expect("done");
    }
    outbox.0.lock().expect("the outbox").clone()
}

/// The `djcrm_` token in a mail.
fn token(mail: &djcrm_domain::ports::Mail) -> String {
    let start = mail.text.find("djcrm_").expect("a token");
    mail.text[start..start + "djcrm_".len() + 64].to_owned()
}

fn refused_token<T: std::fmt::Debug>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::Unauthenticated)),
        "expected a refused token, got {result:?}"
    );
}

#[tokio::test]
async fn an_expired_invitation_token_is_refused() {
    let w = world().await;
    let owner = w
        .crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = w.crm.authenticate(&owner.token).await.expect("the owner");
    w.crm
        .invite(
            &actor,
            InviteRequest {
                email: "ivy@acme.test".into(),
                full_name: "Ivy".into(),
            },
        )
        .await
        .expect("an invitation");
    let sent = mails(&w).await;
    let token = token(&sent[0]);
    w.clock.advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    refused_token(
        w.crm
            .accept_invitation(AcceptInvitationRequest {
                token,
                password: "a long new passphrase".into(),
            })
            .await,
    );
}

#[tokio::test]
async fn an_expired_password_reset_token_is_refused_and_the_password_stays() {
    let w = world().await;
    w.crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    w.crm
        .request_password_reset("olive@acme.test")
        .await
        .expect("asked");
    let sent = mails(&w).await;
    let reset = sent
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .expect("the reset mail");
    w.clock.advance(TimeDelta::hours(1) + TimeDelta::seconds(1));
    refused_token(
        w.crm
            .confirm_password_reset(ConfirmPasswordReset {
                token: token(reset),
                password: "a long new passphrase".into(),
            })
            .await,
    );
    let login = w
        .crm
        .login(djcrm_application::auth::LoginRequest {
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
        })
        .await;
    assert!(login.is_ok(), "the old password still works");
}
