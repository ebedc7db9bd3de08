//! Another organization sees none of ours: every read, edit, delete and assign is 404.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn another_organization_gets_404_on_every_record_of_ours(app: TestApp) {
    let ours = app.signup("Acme").await;
    let theirs = app.signup("Globex").await;
    let (our_agent, _) = app.agent(&ours, "Alice").await;
    let (their_agent, _) = app.agent(&theirs, "Mallory").await;
    let category = app
        .post("/categories", &ours.token, json!({ "name": "Referral" }))
        .await
        .id();
    let lead = app
        .lead(
            &ours.token,
            json!({ "first_name": "Ada", "last_name": "L", "agent_id": our_agent }),
        )
        .await
        .id();

    let t = &theirs.token;
    let not_found = [
        ("GET lead", app.get(&format!("/leads/{lead}"), t).await),
        (
            "PATCH lead",
            app.patch(&format!("/leads/{lead}"), t, json!({ "first_name": "X" }))
                .await,
        ),
        (
            "DELETE lead",
            app.delete(&format!("/leads/{lead}"), t).await,
        ),
        (
            "assign lead",
            app.post(
                &format!("/leads/{lead}/assign"),
                t,
                json!({ "agent_id": their_agent }),
            )
            .await,
        ),
        (
            "unassign lead",
            app.post(
                &format!("/leads/{lead}/assign"),
                t,
                json!({ "agent_id": null }),
            )
            .await,
        ),
        (
            "status",
            app.post(
                &format!("/leads/{lead}/status"),
                t,
                json!({ "status": "contacted" }),
            )
            .await,
        ),
        (
            "note",
            app.post(&format!("/leads/{lead}/notes"), t, json!({ "body": "hi" }))
                .await,
        ),
        (
            "history",
            app.get(&format!("/leads/{lead}/activities"), t).await,
        ),
        (
            "GET agent",
            app.get(&format!("/agents/{our_agent}"), t).await,
        ),
        (
            "PATCH agent",
            app.patch(
                &format!("/agents/{our_agent}"),
                t,
                json!({ "full_name": "X" }),
            )
            .await,
        ),
        (
            "DELETE agent",
            app.delete(&format!("/agents/{our_agent}"), t).await,
        ),
        (
            "performance",
            app.get(&format!("/agents/{our_agent}/performance"), t)
                .await,
        ),
        (
            "GET category",
            app.get(&format!("/categories/{category}"), t).await,
        ),
        (
            "PATCH category",
            app.patch(
                &format!("/categories/{category}"),
                t,
                json!({ "name": "X" }),
            )
            .await,
        ),
        (
            "DELETE category",
            app.delete(&format!("/categories/{category}"), t).await,
        ),
    ];
    for (what, reply) in not_found {
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{what}: {:?}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }

    // Our records cannot be referenced from theirs either.
    let foreign = app
        .post("/leads", t, json!({ "first_name": "X", "last_name": "Y", "category_id": category, "agent_id": our_agent }))
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign.error_fields(), vec!["category_id", "agent_id"]);

    // Lists and stats only count their own.
    assert_eq!(
        app.get("/leads", t).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        app.get("/categories", t).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let agents = app.get("/agents", t).await;
    assert_eq!(agents.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get("/stats/pipeline", t).await.body["total"], 0);

    // And nothing of ours changed.
    let lead = app.get(&format!("/leads/{lead}"), &ours.token).await;
    assert_eq!(lead.body["first_name"], "Ada");
    assert_eq!(lead.body["status"], "new");
    assert_eq!(lead.body["agent_id"], our_agent.as_str());
}

crate::on_every_store!(another_organization_gets_404_on_every_record_of_ours);
