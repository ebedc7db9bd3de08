//! Paging, entity tags and concurrent changes.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn paging_returns_every_lead_exactly_once_while_leads_are_added(app: TestApp) {
    let owner = app.signup("Acme").await;
    let mut expected = HashSet::new();
    for i in 0..23 {
        expected.insert(
            app.lead(
                &owner.token,
                json!({ "first_name": format!("Lead{i}"), "last_name": "X" }),
            )
            .await
            .id(),
        );
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/leads?limit=5&cursor={c}"),
            None => "/leads?limit=5".to_owned(),
        };
        let page = app.get(&path, &owner.token).await;
        assert_eq!(page.status, StatusCode::OK);
        let items = page.body["items"].as_array().expect("items").clone();
        assert!(items.len() <= 5);
        seen.extend(
            items
                .iter()
                .filter_map(|l| l["id"].as_str().map(str::to_owned)),
        );
        // Someone adds a lead between every two pages.
        app.lead(
            &owner.token,
            json!({ "first_name": "Late", "last_name": "Comer" }),
        )
        .await;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no lead is returned twice");
    assert_eq!(unique, expected, "every lead that existed is returned");
}

async fn filters_narrow_the_list(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (alice, _) = app.agent(&owner, "Alice").await;
    let web = app
        .post("/categories", &owner.token, json!({ "name": "Web" }))
        .await
        .id();
    let ada = app
        .lead(&owner.token, json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@engine.org", "category_id": web }))
        .await
        .id();
    let grace = app
        .lead(
            &owner.token,
            json!({ "first_name": "Grace", "last_name": "Hopper", "agent_id": alice }),
        )
        .await
        .id();
    app.post(
        &format!("/leads/{grace}/status"),
        &owner.token,
        json!({ "status": "contacted" }),
    )
    .await;

    let ids = |reply: crate::helpers::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|l| l["id"].as_str().map(str::to_owned))
            .collect()
    };
    let get =
        |q: String| app.send(app.request(Method::GET, &format!("/leads?{q}"), Some(&owner.token)));
    assert_eq!(
        ids(get("status=contacted".into()).await),
        vec![grace.clone()]
    );
    assert_eq!(
        ids(get(format!("category_id={web}")).await),
        vec![ada.clone()]
    );
    assert_eq!(
        ids(get(format!("agent_id={alice}")).await),
        vec![grace.clone()]
    );
    assert_eq!(ids(get("q=LOVE".into()).await), vec![ada.clone()]);
    assert_eq!(ids(get("q=engine.org".into()).await), vec![ada.clone()]);
    assert_eq!(
        ids(get("q=%25".into()).await),
        Vec::<String>::new(),
        "wildcards are literal"
    );
    assert_eq!(
        ids(get("q=hopper&status=new".into()).await),
        Vec::<String>::new()
    );
}

async fn a_stale_if_match_is_412_and_a_current_one_succeeds(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await;
    let etag = lead.header("etag").expect("an ETag").to_owned();
    let path = format!("/api/v1/leads/{}", lead.id());

    let fetched = app
        .get(&format!("/leads/{}", lead.id()), &owner.token)
        .await;
    assert_eq!(fetched.header("etag"), Some(etag.as_str()));

    let first = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/leads/{}", lead.id()),
                Some(&owner.token),
            )
            .header("if-match", &etag)
            .json(&json!({ "first_name": "Ann" })),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{path}: {:?}", first.body);
    assert_ne!(first.header("etag"), Some(etag.as_str()));

    let stale = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/leads/{}", lead.id()),
                Some(&owner.token),
            )
            .header("if-match", &etag)
            .json(&json!({ "first_name": "Bea" })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        stale.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        app.get(&format!("/leads/{}", lead.id()), &owner.token)
            .await
            .body["first_name"],
        "Ann"
    );
}

async fn concurrent_status_changes_leave_one_accepted_change_and_one_activity(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await
        .id();

    let status_path = format!("/leads/{lead}/status");
    let changes =
        (0..50).map(|_| app.post(&status_path, &owner.token, json!({ "status": "contacted" })));
    let replies = futures::future::join_all(changes).await;
    let accepted = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        (accepted, refused),
        (1, 49),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );

    let history = app
        .get(&format!("/leads/{lead}/activities?limit=100"), &owner.token)
        .await;
    let kinds: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["status_changed", "created"]);
    let lead = app.get(&format!("/leads/{lead}"), &owner.token).await;
    assert_eq!(lead.body["status"], "contacted");
    assert_eq!(lead.body["version"], 2);
}

async fn concurrent_assignments_and_notes_keep_the_lead_and_its_history_consistent(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (alice, _) = app.agent(&owner, "Alice").await;
    let (bob, _) = app.agent(&owner, "Bob").await;
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await
        .id();

    let assign_path = format!("/leads/{lead}/assign");
    let notes_path = format!("/leads/{lead}/notes");
    let assigns = (0..50).map(|i| {
        let agent = if i % 2 == 0 { &alice } else { &bob };
        app.post(&assign_path, &owner.token, json!({ "agent_id": agent }))
    });
    let notes = (0..50).map(|i| {
        app.post(
            &notes_path,
            &owner.token,
            json!({ "body": format!("note {i}") }),
        )
    });
    let (assigned, noted) = futures::join!(
        futures::future::join_all(assigns),
        futures::future::join_all(notes)
    );
    // Under extreme contention a change may give up with 409 rather than spin; none may fail otherwise.
    let ok_or_busy =
        |r: &crate::helpers::Reply| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT;
    assert!(
        assigned.iter().all(ok_or_busy),
        "{:?}",
        assigned.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(noted.iter().all(|r| r.status == StatusCode::CREATED));

    let history = app
        .get(&format!("/leads/{lead}/activities?limit=100"), &owner.token)
        .await;
    let items = history.body["items"].as_array().expect("items");
    let assignments: Vec<&serde_json::Value> =
        items.iter().filter(|a| a["kind"] == "assigned").collect();
    assert_eq!(items.iter().filter(|a| a["kind"] == "note").count(), 50);
    let lead = app.get(&format!("/leads/{lead}"), &owner.token).await;
    // One version bump per recorded assignment, and the newest one is what the lead shows.
    assert_eq!(
        lead.body["version"].as_u64(),
        Some(1 + assignments.len() as u64)
    );
    assert_eq!(lead.body["agent_id"], assignments[0]["agent_id"]);
}

async fn a_deleted_lead_leaves_lists_and_stats(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await
        .id();
    assert_eq!(
        app.delete(&format!("/leads/{lead}"), &owner.token)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/leads/{lead}"), &owner.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&format!("/leads/{lead}"), &owner.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/leads", &owner.token).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        app.get("/stats/pipeline", &owner.token).await.body["total"],
        0
    );
}

async fn patch_null_clears_optional_fields_and_rejects_null_names(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "A", "last_name": "B", "email": "a@b.io" }),
        )
        .await
        .id();
    let cleared = app
        .patch(
            &format!("/leads/{lead}"),
            &owner.token,
            json!({ "email": null }),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert!(cleared.body["email"].is_null());
    let null_name = app
        .patch(
            &format!("/leads/{lead}"),
            &owner.token,
            json!({ "first_name": null }),
        )
        .await;
    assert_eq!(null_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(null_name.error_fields(), vec!["first_name"]);
    let history = app
        .get(&format!("/leads/{lead}/activities"), &owner.token)
        .await;
    assert_eq!(history.body["items"][0]["kind"], "updated");
    assert_eq!(history.body["items"][0]["fields"], json!(["email"]));
}

async fn an_unreadable_if_match_fails_its_precondition_instead_of_being_ignored(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(
            &owner.token,
            json!({ "first_name": "Ada", "last_name": "L" }),
        )
        .await;
    let path = format!("/leads/{}", lead.id());
    let unreadable =
        reqwest::header::HeaderValue::from_bytes(b"\"1\xff\"").expect("an obs-text header value");
    let reply = app
        .send(
            app.request(Method::PATCH, &path, Some(&owner.token))
                .header("if-match", unreadable)
                .json(&json!({ "first_name": "Bea" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.get(&path, &owner.token).await.body["first_name"], "Ada");
}

async fn deleting_an_agent_while_their_leads_are_reassigned_never_fails(app: TestApp) {
    let owner = app.signup("Acme").await;
    for round in 0..8 {
        let (agent, _) = app.agent(&owner, &format!("Agent{round}")).await;
        let mut leads = Vec::new();
        for i in 0..4 {
            let body =
                json!({ "first_name": format!("L{i}"), "last_name": "B", "agent_id": agent });
            leads.push(app.lead(&owner.token, body).await.id());
        }
        // Assignment locks a lead, then its agent; deletion must not take them the
        // other way round, or one of the two dies in a deadlock.
        let paths: Vec<String> = leads.iter().map(|l| format!("/leads/{l}/assign")).collect();
        let assigns = paths
            .iter()
            .map(|path| app.post(path, &owner.token, json!({ "agent_id": agent })));
        let agent_path = format!("/agents/{agent}");
        let (assigned, deleted) = futures::join!(
            futures::future::join_all(assigns),
            app.delete(&agent_path, &owner.token)
        );
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
        for reply in assigned {
            assert!(
                [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY].contains(&reply.status),
                "{:?} {:?}",
                reply.status,
                reply.body
            );
        }
        for lead in &leads {
            let lead = app.get(&format!("/leads/{lead}"), &owner.token).await;
            assert!(
                lead.body.get("agent_id").is_none(),
                "a lead kept a deleted agent"
            );
        }
    }
}

crate::on_every_store!(
    deleting_an_agent_while_their_leads_are_reassigned_never_fails,
    an_unreadable_if_match_fails_its_precondition_instead_of_being_ignored,
    paging_returns_every_lead_exactly_once_while_leads_are_added,
    filters_narrow_the_list,
    a_stale_if_match_is_412_and_a_current_one_succeeds,
    concurrent_status_changes_leave_one_accepted_change_and_one_activity,
    concurrent_assignments_and_notes_keep_the_lead_and_its_history_consistent,
    a_deleted_lead_leaves_lists_and_stats,
    patch_null_clears_optional_fields_and_rejects_null_names
);
