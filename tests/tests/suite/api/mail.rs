//! The flows that go through a mail, over HTTP with the file outbox: the mail is
//! parsed and its token followed, as the person receiving it would.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_every_store;

const PASSWORD: &str = "a long new passphrase";

on_every_store!(
    an_invitee_joins_with_the_token_from_the_mail,
    an_invitation_token_works_once,
    a_revoked_invitation_token_is_refused,
    a_resent_invitation_replaces_the_token,
    an_invitation_to_an_existing_account_is_a_conflict,
    agents_cannot_invite,
    an_agent_gets_a_mail_naming_the_lead_given_to_them,
    a_password_reset_sets_the_password_and_signs_out_everywhere,
    a_password_reset_answers_the_same_for_an_unknown_email,
    a_password_reset_token_works_once,
);

async fn invite(app: &TestApp, token: &str, email: &str) -> crate::helpers::Reply {
    app.post(
        "/agents/invitations",
        token,
        json!({ "email": email, "full_name": "Ivy Invitee" }),
    )
    .await
}

async fn accept(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.send(
        app.request(Method::POST, "/auth/accept-invitation", None)
            .json(&json!({ "token": token, "password": PASSWORD })),
    )
    .await
}

async fn an_invitee_joins_with_the_token_from_the_mail(app: TestApp) {
    let acme = app.signup("Acme").await;
    let invited = invite(&app, &acme.token, "ivy@acme.test").await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    assert_eq!(invited.body["state"], "pending");
    assert!(invited.header("location").is_some());
    let mail = app.mail_to("ivy@acme.test", "Join Acme").await;
    let token = mail.token().expect("a token in the mail");
    assert!(
        mail.text.contains("accept-invitation?token="),
        "{}",
        mail.text
    );
    let joined = accept(&app, &token).await;
    assert_eq!(joined.status, StatusCode::CREATED, "{:?}", joined.body);
    let me = app
        .get("/me", joined.body["token"].as_str().expect("a token"))
        .await;
    assert_eq!(me.body["role"], "agent");
    assert_eq!(me.body["organization"]["id"], acme.org_id.as_str());
    let login = app.login("ivy@acme.test", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    let open = app.get("/agents/invitations", &acme.token).await;
    assert_eq!(open.body["items"], json!([]), "accepted is no longer open");
}

async fn an_invitation_token_works_once(app: TestApp) {
    let acme = app.signup("Acme").await;
    invite(&app, &acme.token, "ivy@acme.test").await;
    let token = app
        .mail_to("ivy@acme.test", "Join")
        .await
        .token()
        .expect("a token");
    assert_eq!(accept(&app, &token).await.status, StatusCode::CREATED);
    let again = accept(&app, &token).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{:?}", again.body);
}

async fn a_revoked_invitation_token_is_refused(app: TestApp) {
    let acme = app.signup("Acme").await;
    let invited = invite(&app, &acme.token, "ivy@acme.test").await;
    let token = app
        .mail_to("ivy@acme.test", "Join")
        .await
        .token()
        .expect("a token");
    let path = format!("/agents/invitations/{}", invited.id());
    let revoked = app
        .post(&format!("{path}/revoke"), &acme.token, json!(null))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert_eq!(revoked.body["state"], "revoked");
    assert_eq!(accept(&app, &token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&path, &acme.token).await.body["state"], "revoked");
}

async fn a_resent_invitation_replaces_the_token(app: TestApp) {
    let acme = app.signup("Acme").await;
    let invited = invite(&app, &acme.token, "ivy@acme.test").await;
    let first = app
        .mail_to("ivy@acme.test", "Join")
        .await
        .token()
        .expect("a token");
    let path = format!("/agents/invitations/{}/resend", invited.id());
    let resent = app.post(&path, &acme.token, json!(null)).await;
    assert_eq!(resent.status, StatusCode::OK, "{:?}", resent.body);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let second = loop {
        let tokens: Vec<String> = app.sent().iter().filter_map(|m| m.token()).collect();
        if let Some(token) = tokens.into_iter().find(|t| *t != first) {
            break token;
        }
        assert!(tokio::time::Instant::now() < deadline, "no second mail");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(accept(&app, &first).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(accept(&app, &second).await.status, StatusCode::CREATED);
}

async fn an_invitation_to_an_existing_account_is_a_conflict(app: TestApp) {
    let acme = app.signup("Acme").await;
    let taken = invite(&app, &acme.token, &acme.email).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);
    assert_eq!(
        invite(&app, &acme.token, "ivy@acme.test").await.status,
        StatusCode::CREATED
    );
    let pending = invite(&app, &acme.token, "ivy@acme.test").await;
    assert_eq!(pending.status, StatusCode::CONFLICT, "{:?}", pending.body);
}

async fn agents_cannot_invite(app: TestApp) {
    let acme = app.signup("Acme").await;
    let (_, agent) = app.agent(&acme, "Grace").await;
    let refused = invite(&app, &agent, "ivy@acme.test").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn an_agent_gets_a_mail_naming_the_lead_given_to_them(app: TestApp) {
    let acme = app.signup("Acme").await;
    let (agent_id, _) = app.agent(&acme, "Grace").await;
    let lead = app
        .lead(
            &acme.token,
            json!({ "first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0000" }),
        )
        .await;
    let path = format!("/leads/{}/assign", lead.id());
    let assigned = app
        .post(&path, &acme.token, json!({ "agent_id": agent_id }))
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{:?}", assigned.body);
    let mail = app
        .mail_to("grace@acme.test", "New lead: Ada Lovelace")
        .await;
    assert!(
        mail.text.contains(&format!("/leads/{}", lead.id())),
        "{}",
        mail.text
    );
    assert!(
        mail.html.contains("<strong>Ada Lovelace</strong>"),
        "{}",
        mail.html
    );
    assert!(mail.text.contains("+44 20 7946 0000"), "{}", mail.text);
}

async fn reset(app: &TestApp, email: &str) -> crate::helpers::Reply {
    app.send(
        app.request(Method::POST, "/auth/password-reset", None)
            .json(&json!({ "email": email })),
    )
    .await
}

async fn confirm(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.send(
        app.request(Method::POST, "/auth/password-reset/confirm", None)
            .json(&json!({ "token": token, "password": PASSWORD })),
    )
    .await
}

async fn a_password_reset_sets_the_password_and_signs_out_everywhere(app: TestApp) {
    let acme = app.signup("Acme").await;
    let asked = reset(&app, &acme.email).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    let token = app
        .mail_to(&acme.email, "Reset your DJ CRM password")
        .await
        .token()
        .expect("a token");
    assert_eq!(confirm(&app, &token).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/me", &acme.token).await.status,
        StatusCode::UNAUTHORIZED,
        "the old session ends"
    );
    assert_eq!(
        app.login(&acme.email, "correct horse battery").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&acme.email, PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn a_password_reset_answers_the_same_for_an_unknown_email(app: TestApp) {
    let acme = app.signup("Acme").await;
    let unknown = reset(&app, "nobody@nowhere.test").await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.body, serde_json::Value::Null);
    // A real request afterwards: once its mail is out, the unknown one sent nothing.
    reset(&app, &acme.email).await;
    app.mail_to(&acme.email, "Reset").await;
    assert!(app.sent().iter().all(|m| !m.to.contains("nobody")),);
}

async fn a_password_reset_token_works_once(app: TestApp) {
    let acme = app.signup("Acme").await;
    reset(&app, &acme.email).await;
    let token = app
        .mail_to(&acme.email, "Reset")
        .await
        .token()
        .expect("a token");
    assert_eq!(confirm(&app, &token).await.status, StatusCode::NO_CONTENT);
    let again = confirm(&app, &token).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{:?}", again.body);
}

/// Jobs can wait in Redis (`queue.url = "redis://..."`), under a prefix of the
/// test's own so runs do not share queues.
#[tokio::test]
async fn jobs_wait_in_redis_when_the_queue_url_says_so() {
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let prefix = format!("test-{}-", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_configured(|settings| {
        settings.queue.url = Some(redis);
        settings.queue.prefix = prefix;
    })
    .await;
    let acme = app.signup("Acme").await;
    let invited = invite(&app, &acme.token, "ivy@acme.test").await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let mail = app.mail_to("ivy@acme.test", "Join Acme").await;
    assert!(mail.token().is_some());
}
