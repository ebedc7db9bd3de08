//! The change feed over HTTP, and the races and inputs that once lost or broke data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, Tenant, TestApp};

/// Every event of the organization, read page by page with `next_after`.
async fn whole_feed(app: &TestApp, token: &str, page: usize) -> Vec<Value> {
    let mut after = 0;
    let mut events = Vec::new();
    loop {
        let reply = app
            .get(&format!("/events?after={after}&limit={page}"), token)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let items = reply.body["items"].as_array().expect("items").clone();
        after = reply.body["next_after"].as_i64().expect("next_after");
        let done = !reply.body["has_more"].as_bool().expect("has_more");
        events.extend(items);
        if done {
            return events;
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().expect("a type"))
        .collect()
}

/// The README walkthrough, more or less: one of every change an organizer makes.
async fn walkthrough(app: &TestApp, owner: &Tenant) {
    let category = app
        .post("/categories", &owner.token, json!({ "name": "Referral" }))
        .await
        .id();
    let (agent, agent_token) = app.agent(owner, "Alice").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "Lovelace", "category_id": category }),
        )
        .await
        .id();
    let ok = |reply: Reply| assert!(reply.status.is_success(), "{:?}", reply.body);
    let t = &owner.token;
    ok(app
        .patch(
            &format!("/leads/{lead}"),
            t,
            json!({ "phone": "+44 20 7946 0000" }),
        )
        .await);
    ok(app
        .post(
            &format!("/leads/{lead}/assign"),
            t,
            json!({ "agent_id": agent }),
        )
        .await);
    ok(app
        .post(
            &format!("/leads/{lead}/status"),
            t,
            json!({ "status": "contacted" }),
        )
        .await);
    ok(app
        .post(
            &format!("/leads/{lead}/notes"),
            t,
            json!({ "body": "Called" }),
        )
        .await);
    ok(app
        .patch(
            &format!("/categories/{category}"),
            t,
            json!({ "name": "Referrals" }),
        )
        .await);
    ok(app.delete(&format!("/categories/{category}"), t).await);
    ok(app.delete(&format!("/leads/{lead}"), t).await);
    ok(app
        .patch("/organization", t, json!({ "name": "Acme Ltd" }))
        .await);
    let logout = app.request(reqwest::Method::POST, "/auth/logout", Some(&agent_token));
    ok(app.send(logout).await);
}

async fn the_feed_shows_every_change_in_order(app: TestApp) {
    let owner = app.signup("Acme").await;
    walkthrough(&app, &owner).await;
    let events = whole_feed(&app, &owner.token, 100).await;
    assert_eq!(
        types(&events),
        [
            "user.signed_up",
            "token.issued",
            "category.created",
            "agent.created",
            "user.logged_in",
            "token.issued",
            "lead.created",
            "lead.updated",
            "lead.assigned",
            "lead.status_changed",
            "lead.note_added",
            "category.renamed",
            "lead.updated",
            "category.deleted",
            "lead.deleted",
            "organization.updated",
            "user.logged_out",
            "token.revoked",
        ]
    );
    let positions: Vec<i64> = events
        .iter()
        .map(|e| e["position"].as_i64().expect("a position"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

async fn paging_with_next_after_neither_misses_nor_repeats(app: TestApp) {
    let owner = app.signup("Acme").await;
    walkthrough(&app, &owner).await;
    let all = whole_feed(&app, &owner.token, 100).await;
    let paged = whole_feed(&app, &owner.token, 3).await;
    assert_eq!(paged, all);
    let last = all.last().expect("events")["position"]
        .as_i64()
        .expect("a position");
    let after = app
        .get(&format!("/events?after={last}"), &owner.token)
        .await;
    assert_eq!(after.body["items"], json!([]));
    assert_eq!(after.body["next_after"], json!(last));
}

async fn events_carry_no_secret(app: TestApp) {
    let owner = app.signup("Acme").await;
    let text = app.get("/events", &owner.token).await.body.to_string();
    assert!(!text.contains(&owner.token), "the token leaked: {text}");
    assert!(!text.contains("argon2"), "a password hash leaked: {text}");
}

async fn another_organizations_events_never_appear(app: TestApp) {
    let ours = app.signup("Acme").await;
    let theirs = app.signup("Globex").await;
    walkthrough(&app, &theirs).await;
    let events = whole_feed(&app, &ours.token, 100).await;
    assert_eq!(types(&events), ["user.signed_up", "token.issued"]);
}

async fn an_agent_may_not_read_the_feed(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (_, agent) = app.agent(&owner, "Alice").await;
    assert_eq!(
        app.get("/events", &agent).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn the_feed_filters_by_type_and_names_an_unknown_one(app: TestApp) {
    let owner = app.signup("Acme").await;
    walkthrough(&app, &owner).await;
    let leads = app
        .get("/events?type=lead.created&type=lead.deleted", &owner.token)
        .await;
    let items = leads.body["items"].as_array().expect("items");
    assert_eq!(types(items), ["lead.created", "lead.deleted"]);
    let bad = app.get("/events?type=lead.exploded", &owner.token).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["type"]);
}

async fn renames_racing_a_deactivation_leave_the_agent_deactivated(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent, _) = app.agent(&owner, "Alice").await;
    let path = format!("/agents/{agent}");
    let renames = (0..15).map(|i| {
        let body = json!({ "full_name": format!("Alice {i}") });
        app.patch(&path, &owner.token, body)
    });
    let deactivation = app.patch(&path, &owner.token, json!({ "active": false }));
    let (replies, deactivated) = tokio::join!(futures::future::join_all(renames), deactivation);
    assert!(deactivated.status.is_success(), "{:?}", deactivated.body);
    assert!(replies.iter().all(|r| r.status.is_success()));
    let read = app.get(&path, &owner.token).await;
    assert_eq!(read.body["active"], json!(false), "{:?}", read.body);
    let email = format!("alice@{}", owner.email.split('@').nth(1).unwrap_or(""));
    let login = app.login(&email, "agent password 1").await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
}

async fn deleting_a_category_records_an_update_on_each_lead(app: TestApp) {
    let owner = app.signup("Acme").await;
    let category = app
        .post("/categories", &owner.token, json!({ "name": "Referral" }))
        .await
        .id();
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L", "category_id": category }),
        )
        .await
        .id();
    app.delete(&format!("/categories/{category}"), &owner.token)
        .await;
    let history = app
        .get(&format!("/leads/{lead}/activities"), &owner.token)
        .await;
    let newest = &history.body["items"][0];
    assert_eq!(newest["kind"], json!("updated"), "{:?}", history.body);
    assert_eq!(newest["fields"], json!(["category_id"]));
}

async fn a_search_with_control_characters_is_422_naming_q(app: TestApp) {
    let owner = app.signup("Acme").await;
    app.lead(
        &owner.token,
        json!({ "first_name": "Ada", "last_name": "L" }),
    )
    .await;
    for q in ["%00", "%00%00%00", "a%07b"] {
        let reply = app.get(&format!("/leads?q={q}"), &owner.token).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "q={q}");
        assert_eq!(reply.error_fields(), ["q"], "q={q}");
    }
}

crate::on_every_store!(
    the_feed_shows_every_change_in_order,
    paging_with_next_after_neither_misses_nor_repeats,
    events_carry_no_secret,
    another_organizations_events_never_appear,
    an_agent_may_not_read_the_feed,
    the_feed_filters_by_type_and_names_an_unknown_one,
    renames_racing_a_deactivation_leave_the_agent_deactivated,
    deleting_a_category_records_an_update_on_each_lead,
    a_search_with_control_characters_is_422_naming_q,
);
