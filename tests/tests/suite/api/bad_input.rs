//! Bad input gets a clear problem, never a 500 or a half-written record.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn malformed_json_is_400(app: TestApp) {
    let owner = app.signup("Acme").await;
    let reply = app
        .send(
            app.request(Method::POST, "/leads", Some(&owner.token))
                .header("content-type", "application/json")
                .body("{\"first_name\": "),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.body["status"], 400);
}

async fn invalid_fields_are_422_and_each_is_named(app: TestApp) {
    let owner = app.signup("Acme").await;
    let reply = app
        .post("/leads", &owner.token, json!({ "first_name": " ", "last_name": "L", "email": "not-an-email", "phone": "call me" }))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error_fields(), vec!["first_name", "email", "phone"]);

    let wrong_type = app
        .post(
            "/leads",
            &owner.token,
            json!({ "first_name": 5, "last_name": "L" }),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_type.error_fields(), vec!["first_name"]);

    let missing = app
        .post("/leads", &owner.token, json!({ "first_name": "A" }))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.error_fields(), vec!["last_name"]);

    // Nothing was written.
    assert_eq!(
        app.get("/stats/pipeline", &owner.token).await.body["total"],
        0
    );
}

async fn signup_rejects_bad_emails_short_passwords_and_taken_emails(app: TestApp) {
    let bad = app
        .send(
            app.request(Method::POST, "/auth/signup", None)
                .json(&json!({
                    "organization_name": "", "email": "nope", "password": "short", "full_name": "A"
                })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.error_fields(),
        vec!["organization_name", "email", "password"]
    );

    let owner = app.signup("Acme").await;
    let taken = app
        .send(app.request(Method::POST, "/auth/signup", None).json(&json!({
            "organization_name": "Other", "email": owner.email.to_uppercase(), "password": "0123456789", "full_name": "A"
        })))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.error_fields(), vec!["email"]);
}

async fn unknown_statuses_and_illegal_transitions_are_422(app: TestApp) {
    let owner = app.signup("Acme").await;
    let lead = app
        .lead(&owner.token, json!({ "first_name": "A", "last_name": "B" }))
        .await
        .id();

    let unknown = app
        .post(
            &format!("/leads/{lead}/status"),
            &owner.token,
            json!({ "status": "won" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.error_fields(), vec!["status"]);

    let skip = app
        .post(
            &format!("/leads/{lead}/status"),
            &owner.token,
            json!({ "status": "converted" }),
        )
        .await;
    assert_eq!(skip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(skip.body["code"], "invalid_transition");
    assert_eq!(skip.error_fields(), vec!["status"]);

    let filter = app
        .send(app.request(Method::GET, "/leads?status=won", Some(&owner.token)))
        .await;
    assert_eq!(filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(filter.error_fields(), vec!["status"]);

    // The lead did not move and its history has only its creation.
    assert_eq!(
        app.get(&format!("/leads/{lead}"), &owner.token).await.body["status"],
        "new"
    );
    let history = app
        .get(&format!("/leads/{lead}/activities"), &owner.token)
        .await;
    assert_eq!(history.body["items"].as_array().map(Vec::len), Some(1));
}

async fn paging_parameters_are_checked(app: TestApp) {
    let owner = app.signup("Acme").await;
    for (query, field) in [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("cursor=garbage", "cursor"),
    ] {
        let reply = app
            .send(app.request(Method::GET, &format!("/leads?{query}"), Some(&owner.token)))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.error_fields(), vec![field], "{query}");
    }
    // A wrongly typed parameter is invalid input like an out-of-range one.
    let reply = app
        .send(app.request(Method::GET, "/leads?limit=abc", Some(&owner.token)))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error_fields(), vec!["limit"]);
}

async fn a_body_over_one_mebibyte_is_413(app: TestApp) {
    let owner = app.signup("Acme").await;
    let description = "x".repeat(1024 * 1024 + 1);
    let declared = app
        .post(
            "/leads",
            &owner.token,
            json!({ "first_name": "A", "last_name": "B", "description": description }),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        declared.header("content-type"),
        Some("application/problem+json")
    );

    // Without a Content-Length (chunked), the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..17).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let chunked = app
        .send(
            app.request(Method::POST, "/leads", Some(&owner.token))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks))),
        )
        .await;
    assert_eq!(chunked.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn missing_or_bad_tokens_are_401(app: TestApp) {
    let owner = app.signup("Acme").await;
    let missing = app.send(app.request(Method::GET, "/leads", None)).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    let bad = app.get("/leads", "djcrm_not-a-real-token").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let wrong_scheme = app
        .send(
            app.request(Method::GET, "/leads", None)
                .header("authorization", format!("Basic {}", owner.token)),
        )
        .await;
    assert_eq!(wrong_scheme.status, StatusCode::UNAUTHORIZED);

    // Logins answer the same for an unknown email and a wrong password.
    let unknown = app.login("nobody@acme.test", "whatever password").await;
    let wrong = app.login(&owner.email, "wrong password!").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, wrong.body);
}

async fn unknown_ids_and_routes_are_404_problems(app: TestApp) {
    let owner = app.signup("Acme").await;
    for path in [
        "/leads/not-a-uuid",
        "/leads/01a20e67-f48f-7193-8d87-74c3c4530bd2",
        "/no/such/route",
    ] {
        let reply = app.get(path, &owner.token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
    }
}

async fn a_body_that_is_not_json_is_415(app: TestApp) {
    let owner = app.signup("Acme").await;
    let reply = app
        .send(
            app.request(Method::POST, "/leads", Some(&owner.token))
                .header("content-type", "text/plain")
                .body("hi"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn a_body_that_is_not_a_json_object_is_422(app: TestApp) {
    let owner = app.signup("Acme").await;
    let (agent_id, _) = app.agent(&owner, "Grace").await;
    // serde would read an array as a struct's fields in order; the schema says object.
    for body in [
        json!([null, null]),
        json!(["Grace", true]),
        json!("Grace"),
        json!(7),
    ] {
        let reply = app
            .patch(&format!("/agents/{agent_id}"), &owner.token, body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.error_fields(), vec!["body"], "{body}");
    }
    let agent = app.get(&format!("/agents/{agent_id}"), &owner.token).await;
    assert_eq!(agent.body["full_name"], "Grace");
}

crate::on_every_store!(
    a_body_that_is_not_a_json_object_is_422,
    malformed_json_is_400,
    invalid_fields_are_422_and_each_is_named,
    signup_rejects_bad_emails_short_passwords_and_taken_emails,
    unknown_statuses_and_illegal_transitions_are_422,
    paging_parameters_are_checked,
    a_body_over_one_mebibyte_is_413,
    missing_or_bad_tokens_are_401,
    unknown_ids_and_routes_are_404_problems,
    a_body_that_is_not_json_is_415
);
