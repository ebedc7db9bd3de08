//! `GET /leads/export`: the organization's leads as CSV, streamed; organizers only.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_every_store;

on_every_store!(
    an_organizer_exports_their_leads_as_csv,
    an_export_takes_the_listing_filters,
    agents_cannot_export,
);

async fn export(app: &TestApp, token: &str, query: &str) -> (StatusCode, String, String) {
    let response = app
        .request(Method::GET, &format!("/leads/export{query}"), Some(token))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap_or_default())
}

async fn an_organizer_exports_their_leads_as_csv(app: TestApp) {
    let acme = app.signup("Acme").await;
    let globex = app.signup("Globex").await;
    for n in 0..3 {
        app.lead(
            &acme.token,
            json!({ "first_name": "Ada", "last_name": format!("No {n}") }),
        )
        .await;
    }
    app.lead(
        &globex.token,
        json!({ "first_name": "Other", "last_name": "Tenant" }),
    )
    .await;
    let (status, kind, body) = export(&app, &acme.token, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let lines: Vec<&str> = body.lines().collect();
    assert!(
        lines[0].starts_with("id,first_name,last_name,email"),
        "{body}"
    );
    assert_eq!(lines.len(), 4, "a header and Acme's three leads: {body}");
    assert!(!body.contains("Tenant"), "another tenant's lead leaked");
}

async fn an_export_takes_the_listing_filters(app: TestApp) {
    let acme = app.signup("Acme").await;
    let lead = app
        .lead(
            &acme.token,
            json!({ "first_name": "Ada", "last_name": "Moved" }),
        )
        .await;
    app.lead(
        &acme.token,
        json!({ "first_name": "Grace", "last_name": "Still" }),
    )
    .await;
    let moved = app
        .post(
            &format!("/leads/{}/status", lead.id()),
            &acme.token,
            json!({ "status": "contacted" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let (_, _, body) = export(&app, &acme.token, "?status=contacted").await;
    assert_eq!(body.lines().count(), 2, "{body}");
    assert!(body.contains("Moved") && !body.contains("Still"));
    let (_, _, body) = export(&app, &acme.token, "?q=grace").await;
    assert!(body.contains("Still") && !body.contains("Moved"));
}

async fn agents_cannot_export(app: TestApp) {
    let acme = app.signup("Acme").await;
    let (_, agent) = app.agent(&acme, "Grace").await;
    let (status, _, _) = export(&app, &agent, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
