//! What an agent may not do.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn an_agent_cannot_manage_the_organization(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (alice, alice_token) = app.agent(&owner, "Alice").await;
    let (bob, _) = app.agent(&owner, "Bob").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "A", "last_name": "B", "agent_id": alice }),
        )
        .await
        .id();
    let a = &alice_token;

    let forbidden = [
        (
            "delete lead",
            app.delete(&format!("/leads/{lead}"), a).await,
        ),
        (
            "create agent",
            app.post(
                "/agents",
                a,
                json!({ "email": "x@acme.test", "full_name": "X", "password": "0123456789" }),
            )
            .await,
        ),
        ("list agents", app.get("/agents", a).await),
        ("pipeline stats", app.get("/stats/pipeline", a).await),
        ("agent stats", app.get("/stats/agents", a).await),
        (
            "other's performance",
            app.get(&format!("/agents/{bob}/performance"), a).await,
        ),
        (
            "assign",
            app.post(
                &format!("/leads/{lead}/assign"),
                a,
                json!({ "agent_id": bob }),
            )
            .await,
        ),
        (
            "create category",
            app.post("/categories", a, json!({ "name": "X" })).await,
        ),
        ("organization", app.get("/organization", a).await),
        (
            "other's leads",
            app.send(app.request(
                reqwest::Method::GET,
                &format!("/leads?agent_id={bob}"),
                Some(a),
            ))
            .await,
        ),
        (
            "lead for another agent",
            app.post(
                "/leads",
                a,
                json!({ "first_name": "A", "last_name": "B", "agent_id": bob }),
            )
            .await,
        ),
    ];
    for (what, reply) in forbidden {
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{what}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["code"], "forbidden", "{what}");
    }
    // The lead is still there.
    assert_eq!(
        app.get(&format!("/leads/{lead}"), &owner.token)
            .await
            .status,
        StatusCode::OK
    );
}

async fn an_agent_sees_and_works_only_their_own_leads(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (alice, alice_token) = app.agent(&owner, "Alice").await;
    let (bob, _) = app.agent(&owner, "Bob").await;
    let bobs = app
        .lead(
            &owner.token,
            json!({ "first_name": "For", "last_name": "Bob", "agent_id": bob }),
        )
        .await
        .id();
    let unassigned = app
        .lead(
            &owner.token,
            json!({ "first_name": "No", "last_name": "One" }),
        )
        .await
        .id();

    for lead in [&bobs, &unassigned] {
        assert_eq!(
            app.get(&format!("/leads/{lead}"), &alice_token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let edit = app
            .patch(
                &format!("/leads/{lead}"),
                &alice_token,
                json!({ "first_name": "X" }),
            )
            .await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND);
        let moved = app
            .post(
                &format!("/leads/{lead}/status"),
                &alice_token,
                json!({ "status": "contacted" }),
            )
            .await;
        assert_eq!(moved.status, StatusCode::NOT_FOUND);
        let note = app
            .post(
                &format!("/leads/{lead}/notes"),
                &alice_token,
                json!({ "body": "x" }),
            )
            .await;
        assert_eq!(note.status, StatusCode::NOT_FOUND);
    }

    // A lead Alice creates is hers; she can edit it and read categories.
    let own = app
        .lead(
            &alice_token,
            json!({ "first_name": "Mine", "last_name": "Own" }),
        )
        .await;
    assert_eq!(own.body["agent_id"], alice.as_str());
    let edited = app
        .patch(
            &format!("/leads/{}", own.id()),
            &alice_token,
            json!({ "phone": "555 010 9999" }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    assert_eq!(
        app.get("/categories", &alice_token).await.status,
        StatusCode::OK
    );
    let listed = app.get("/leads", &alice_token).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
}

crate::on_every_store!(
    an_agent_cannot_manage_the_organization,
    an_agent_sees_and_works_only_their_own_leads
);
