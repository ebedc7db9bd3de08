//! REST semantics: what a deleted resource answers afterwards.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn a_deleted_agent_is_gone_and_its_leads_are_unassigned(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, agent_token) = app.agent(&owner, "Alice").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L", "agent_id": agent }),
        )
        .await
        .id();
    let path = format!("/agents/{agent}");
    let deleted = app.delete(&path, &owner.token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);

    assert_eq!(
        app.get(&path, &owner.token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&path, &owner.token).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = app.get("/agents", &owner.token).await;
    assert_eq!(listed.body["items"], json!([]));
    let stats = app.get("/stats/agents", &owner.token).await;
    assert_eq!(stats.body["items"], json!([]));
    assert_eq!(
        app.get("/me", &agent_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let read = app.get(&format!("/leads/{lead}"), &owner.token).await;
    assert_eq!(read.body["agent_id"], json!(null), "{:?}", read.body);
    let history = app
        .get(&format!("/leads/{lead}/activities"), &owner.token)
        .await;
    assert_eq!(history.body["items"][0]["kind"], json!("assigned"));
    assert_eq!(history.body["items"][0]["agent_id"], json!(null));
}

async fn the_history_still_names_a_deleted_agent(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, agent_token) = app.agent(&owner, "Alice").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L", "agent_id": agent }),
        )
        .await
        .id();
    let note = app
        .post(
            &format!("/leads/{lead}/notes"),
            &agent_token,
            json!({ "body": "Called" }),
        )
        .await;
    assert_eq!(note.body["actor_name"], json!("Alice"), "{:?}", note.body);
    app.delete(&format!("/agents/{agent}"), &owner.token).await;
    let history = app
        .get(&format!("/leads/{lead}/activities"), &owner.token)
        .await;
    let names: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == json!("note"))
        .map(|e| e["actor_name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Alice"]);
}

async fn a_deleted_agent_receives_no_leads(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, _) = app.agent(&owner, "Alice").await;
    app.delete(&format!("/agents/{agent}"), &owner.token).await;
    let refused = app
        .post(
            "/leads",
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L", "agent_id": agent }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), ["agent_id"]);
}

async fn a_lead_read_with_its_current_etag_is_304(app: TestApp) {
    let owner = app.signup("Acme").await;
    let created = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L" }),
        )
        .await;
    let path = format!("/leads/{}", created.id());
    let tag = created.header("etag").expect("an ETag").to_owned();
    let conditional = |held: &str| {
        app.request(reqwest::Method::GET, &path, Some(&owner.token))
            .header("If-None-Match", held)
    };
    let unchanged = app.send(conditional(&tag)).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.header("etag"), Some(tag.as_str()));
    app.patch(&path, &owner.token, json!({ "first_name": "Augusta" }))
        .await;
    let changed = app.send(conditional(&tag)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["first_name"], json!("Augusta"));
}

crate::on_every_store!(
    a_lead_read_with_its_current_etag_is_304,
    a_deleted_agent_is_gone_and_its_leads_are_unassigned,
    a_deleted_agent_receives_no_leads,
    the_history_still_names_a_deleted_agent,
);
