//! `/imports`: an organizer uploads a CSV file, a background job reads it, the
//! progress, the report of refused rows and the revert; one tenant never sees or
//! touches another's import.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Reply, TestApp};
use crate::on_every_store;

on_every_store!(
    an_uploaded_file_is_imported_by_a_job,
    a_form_upload_is_imported_too,
    a_file_without_names_is_refused_at_once,
    another_tenant_cannot_see_or_revert_an_import,
    agents_cannot_import,
);

const FILE: &str = "First Name,Surname,E-mail,Status,Category\n\
    Ada,Lovelace,ada@x.test,qualified,VIP\n\
    Bob,,bob@x.test,,\n\
    Cy,Young,not-an-email,,\n\
    Dee,Dee,dee@x.test,lost,\n";

async fn upload(app: &TestApp, token: &str, query: &str, body: impl Into<reqwest::Body>) -> Reply {
    app.send(
        app.request(Method::POST, &format!("/imports{query}"), Some(token))
            .header("content-type", "text/csv; charset=utf-8")
            .body(body),
    )
    .await
}

/// The import once its job has ended.
async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let import = app.get(&format!("/imports/{id}"), token).await;
        assert_eq!(import.status, StatusCode::OK, "{:?}", import.body);
        if !matches!(import.body["state"].as_str(), Some("queued" | "running")) {
            return import.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn report(app: &TestApp, token: &str, id: &str) -> (StatusCode, String) {
    let response = app
        .request(Method::GET, &format!("/imports/{id}/report"), Some(token))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

async fn lead_names(app: &TestApp, token: &str) -> Vec<String> {
    let leads = app.get("/leads?limit=100", token).await;
    let mut names: Vec<String> = leads.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|l| l["first_name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn an_uploaded_file_is_imported_by_a_job(app: TestApp) {
    let acme = app.signup("Acme").await;
    let accepted = upload(&app, &acme.token, "?file_name=fair.csv", FILE).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = accepted.id();
    assert_eq!(
        accepted.header("location"),
        Some(format!("/api/v1/imports/{id}").as_str())
    );
    assert_eq!(accepted.body["file_name"], "fair.csv");

    let done = finished(&app, &acme.token, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["counts"]["rows"], 4);
    assert_eq!(done["counts"]["created"], 2);
    assert_eq!(done["counts"]["rejected"], 2);
    assert_eq!(lead_names(&app, &acme.token).await, ["Ada", "Dee"]);

    let (status, csv) = report(&app, &acme.token, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "line,column,reason",
            "3,Surname,is required",
            "4,E-mail,is not a valid email address"
        ]
    );
    let listed = app.get("/imports", &acme.token).await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    let reverted = app
        .post(&format!("/imports/{id}/revert"), &acme.token, Value::Null)
        .await;
    assert_eq!(reverted.status, StatusCode::OK, "{:?}", reverted.body);
    assert_eq!(reverted.body["state"], "reverted");
    assert!(lead_names(&app, &acme.token).await.is_empty());
    let again = app
        .post(&format!("/imports/{id}/revert"), &acme.token, Value::Null)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

async fn a_form_upload_is_imported_too(app: TestApp) {
    let acme = app.signup("Acme").await;
    let part = reqwest::multipart::Part::bytes(FILE.as_bytes().to_vec())
        .file_name("contacts.csv")
        .mime_str("text/csv")
        .expect("a part");
    let form = reqwest::multipart::Form::new().part("file", part);
    let accepted = app
        .send(
            app.request(
                Method::POST,
                "/imports?duplicates=update",
                Some(&acme.token),
            )
            .multipart(form),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(accepted.body["file_name"], "contacts.csv");
    assert_eq!(accepted.body["duplicates"], "update");
    let done = finished(&app, &acme.token, &accepted.id()).await;
    assert_eq!(done["counts"]["created"], 2, "{done}");
}

async fn a_file_without_names_is_refused_at_once(app: TestApp) {
    let acme = app.signup("Acme").await;
    let refused = upload(&app, &acme.token, "", "email,phone\nada@x.test,1\n").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), ["file"], "{:?}", refused.body);
    let unmapped = upload(&app, &acme.token, "?map=Nom%3Dlast_name", FILE).await;
    assert_eq!(unmapped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unmapped.error_fields(), ["map"], "{:?}", unmapped.body);
    let listed = app.get("/imports", &acme.token).await;
    assert_eq!(listed.body["items"], Value::Array(Vec::new()));
}

async fn another_tenant_cannot_see_or_revert_an_import(app: TestApp) {
    let acme = app.signup("Acme").await;
    let globex = app.signup("Globex").await;
    let id = upload(&app, &acme.token, "", FILE).await.id();
    finished(&app, &acme.token, &id).await;

    let seen = app.get(&format!("/imports/{id}"), &globex.token).await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    let (status, _) = report(&app, &globex.token, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reverted = app
        .post(&format!("/imports/{id}/revert"), &globex.token, Value::Null)
        .await;
    assert_eq!(reverted.status, StatusCode::NOT_FOUND);
    let listed = app.get("/imports", &globex.token).await;
    assert_eq!(listed.body["items"], Value::Array(Vec::new()));
    assert!(
        lead_names(&app, &globex.token).await.is_empty(),
        "no lead crossed over"
    );
    assert_eq!(lead_names(&app, &acme.token).await, ["Ada", "Dee"]);
}

async fn agents_cannot_import(app: TestApp) {
    let acme = app.signup("Acme").await;
    let (_, agent_token) = app.agent(&acme, "Grace").await;
    let refused = upload(&app, &agent_token, "", FILE).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let listed = app.get("/imports", &agent_token).await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_file_over_the_limit_gets_413() {
    let app = TestApp::spawn_configured(|settings| settings.http.import_limit_bytes = 1024).await;
    let acme = app.signup("Acme").await;
    let big = format!("first_name,last_name\n{}", "Ada,Lovelace\n".repeat(200));
    let refused = upload(&app, &acme.token, "", big).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{:?}",
        refused.body
    );
    let listed = app.get("/imports", &acme.token).await;
    assert_eq!(listed.body["items"], Value::Array(Vec::new()));
}
