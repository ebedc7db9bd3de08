//! The README walkthrough, as a test.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn an_organizer_and_an_agent_work_a_lead_from_new_to_converted(app: TestApp) {
    let owner = app.signup("Acme").await;

    // The organizer builds the team and the catalogue.
    let (agent_id, agent_token) = app.agent(&owner, "Alice").await;
    let category = app
        .post("/categories", &owner.token, json!({ "name": "Referral" }))
        .await;
    assert_eq!(category.status, StatusCode::CREATED);
    assert_eq!(category.body["name"], "Referral");
    let category_id = category.id();

    // A lead comes in and is given to Alice.
    let lead = app
        .lead(
            &owner.token,
            json!({
                "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                "phone": "+44 20 7946 0958", "description": "Met at the analytical engine expo",
                "category_id": category_id,
            }),
        )
        .await;
    assert_eq!(lead.body["status"], "new");
    assert_eq!(
        lead.header("location"),
        Some(format!("/api/v1/leads/{}", lead.id()).as_str())
    );
    let lead_id = lead.id();
    let other = app
        .lead(
            &owner.token,
            json!({ "first_name": "Bob", "last_name": "Other" }),
        )
        .await;

    let assigned = app
        .post(
            &format!("/leads/{lead_id}/assign"),
            &owner.token,
            json!({ "agent_id": agent_id }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK);
    assert_eq!(assigned.body["agent_id"], agent_id.as_str());

    // Alice sees only her lead.
    let mine = app.get("/leads", &agent_token).await;
    assert_eq!(mine.status, StatusCode::OK);
    let ids: Vec<&str> = mine.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert_eq!(ids, vec![lead_id.as_str()]);
    assert_eq!(
        app.get(&format!("/leads/{}", other.id()), &agent_token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // She works it through the pipeline.
    for (status, note) in [
        ("contacted", "Called, interested"),
        ("qualified", "Has budget"),
        ("converted", "Signed"),
    ] {
        let moved = app
            .post(
                &format!("/leads/{lead_id}/status"),
                &agent_token,
                json!({ "status": status, "note": note }),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
        assert_eq!(moved.body["status"], status);
    }
    let note = app
        .post(
            &format!("/leads/{lead_id}/notes"),
            &agent_token,
            json!({ "body": "Send a thank-you card" }),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED);
    assert_eq!(note.body["kind"], "note");

    // The history, newest first.
    let history = app
        .get(&format!("/leads/{lead_id}/activities"), &owner.token)
        .await;
    assert_eq!(history.status, StatusCode::OK);
    let kinds: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "note",
            "status_changed",
            "status_changed",
            "status_changed",
            "assigned",
            "created"
        ]
    );
    assert_eq!(history.body["items"][1]["to_status"], "converted");
    assert_eq!(history.body["items"][1]["body"], "Signed");
    assert!(history.body["items"][0]["actor_id"].is_string());
    assert!(history.body["next_cursor"].is_null());

    // The organizer's numbers.
    let pipeline = app.get("/stats/pipeline", &owner.token).await;
    assert_eq!(pipeline.status, StatusCode::OK);
    assert_eq!(pipeline.body["total"], 2);
    assert_eq!(pipeline.body["by_status"]["converted"], 1);
    assert_eq!(pipeline.body["by_status"]["new"], 1);
    let agents = app.get("/stats/agents", &owner.token).await;
    assert_eq!(agents.status, StatusCode::OK);
    let alice = &agents.body["items"][0];
    assert_eq!(alice["agent_id"], agent_id.as_str());
    assert_eq!(
        (
            alice["assigned"].as_u64(),
            alice["contacted"].as_u64(),
            alice["converted"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(alice["conversion_rate"].as_f64(), Some(1.0));
    assert!(alice["avg_seconds_to_first_contact"].is_number());

    // Alice may read her own performance, not the pipeline.
    let own = app
        .get(&format!("/agents/{agent_id}/performance"), &agent_token)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["converted"], 1);
}

async fn me_describes_the_caller(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent_id, agent_token) = app.agent(&owner, "Alice").await;

    let me = app.get("/me", &owner.token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["organization"]["id"], owner.org_id.as_str());
    assert!(me.body["agent_id"].is_null());

    let me = app.get("/me", &agent_token).await;
    assert_eq!(me.body["role"], "agent");
    assert_eq!(me.body["agent_id"], agent_id.as_str());
}

async fn an_organizer_manages_agents_categories_and_the_organization(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent_id, agent_token) = app.agent(&owner, "Alice").await;

    let renamed = app
        .patch(
            &format!("/agents/{agent_id}"),
            &owner.token,
            json!({ "full_name": "Alice Smith" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["full_name"], "Alice Smith");
    let listed = app.get("/agents", &owner.token).await;
    assert_eq!(listed.body["items"][0]["full_name"], "Alice Smith");

    // Deactivation signs the agent out and keeps them from logging in.
    assert_eq!(
        app.patch(
            &format!("/agents/{agent_id}"),
            &owner.token,
            json!({ "active": false })
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/me", &agent_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let email = listed.body["items"][0]["email"]
        .as_str()
        .expect("email")
        .to_owned();
    assert_eq!(
        app.login(&email, "agent password 1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let fetched = app.get(&format!("/agents/{agent_id}"), &owner.token).await;
    assert_eq!(fetched.body["active"], false);
    // A deactivated agent receives no leads.
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await;
    let refused = app
        .post(
            &format!("/leads/{}/assign", lead.id()),
            &owner.token,
            json!({ "agent_id": agent_id }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), vec!["agent_id"]);

    // Categories: rename, duplicate names, delete uncategorises leads.
    let category = app
        .post("/categories", &owner.token, json!({ "name": "Web" }))
        .await;
    let duplicate = app
        .post("/categories", &owner.token, json!({ "name": "WEB" }))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.error_fields(), vec!["name"]);
    let renamed = app
        .patch(
            &format!("/categories/{}", category.id()),
            &owner.token,
            json!({ "name": "Website" }),
        )
        .await;
    assert_eq!(renamed.body["name"], "Website");
    let tagged = app
        .lead(
            &owner.token,
            json!({ "first_name": "C", "last_name": "D", "category_id": category.id() }),
        )
        .await;
    assert_eq!(
        app.delete(&format!("/categories/{}", category.id()), &owner.token)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let untagged = app
        .get(&format!("/leads/{}", tagged.id()), &owner.token)
        .await;
    assert!(untagged.body["category_id"].is_null());
    assert_eq!(
        app.get(&format!("/categories/{}", category.id()), &owner.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The organization.
    let org = app
        .patch("/organization", &owner.token, json!({ "name": "Acme Ltd" }))
        .await;
    assert_eq!(org.status, StatusCode::OK);
    assert_eq!(
        app.get("/organization", &owner.token).await.body["name"],
        "Acme Ltd"
    );
}

crate::on_every_store!(
    an_organizer_and_an_agent_work_a_lead_from_new_to_converted,
    me_describes_the_caller,
    an_organizer_manages_agents_categories_and_the_organization
);
