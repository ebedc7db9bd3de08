//! `djcrm-admin leads export`, run as operators run it, on both stores: every lead
//! (across pages), categories by name and agents by email, filters as in the API.

use std::process::Command;

use djcrm_application::agents::CreateAgentRequest;
use djcrm_application::auth::SignupRequest;
use djcrm_application::leads::CreateLeadRequest;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::ports::Store;
use djcrm_domain::{LeadStatus, OrgId};

mod common;

/// Leads made: more than two pages of the export.
const LEADS: usize = 205;

async fn acme<S: Store>(store: S, settings: &Settings) -> OrgId {
    let crm = crm(store, settings, Shared::connect(settings).expect("a cache"));
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = crm.authenticate(&owner.token).await.expect("the owner");
    let hot = crm
        .create_category(&actor, "Hot, \"really\"")
        .await
        .expect("a category");
    let grace = crm
        .create_agent(
            &actor,
            CreateAgentRequest {
                email: "grace@acme.test".into(),
                full_name: "Grace".into(),
                password: "agent password 1".into(),
            },
        )
        .await
        .expect("an agent");
    for n in 0..LEADS {
        let mut lead = CreateLeadRequest::named("Lead", &format!("Number {n}"));
        if n % 5 == 0 {
            lead.category_id = Some(hot.id);
            lead.agent_id = Some(grace.id);
        }
        let lead = crm.create_lead(&actor, lead).await.expect("a lead");
        if n % 10 == 0 {
            crm.change_lead_status(&actor, lead.id, LeadStatus::Contacted, None, None)
                .await
                .expect("contacted");
        }
    }
    actor.org_id
}

async fn export_everything(url: String) {
    let dir = tempfile::tempdir().expect("a folder");
    let mut settings = Settings::default();
    settings.database.url = url.clone();
    let org = match AnyStore::connect(&settings, true).await.expect("a store") {
        AnyStore::Sqlite(store) => acme(store, &settings).await,
        AnyStore::Postgres(store) => acme(store, &settings).await,
    };
    let admin = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
            .args(args)
            .current_dir(dir.path())
            .env("DJCRM_DATABASE__URL", &url)
            .env("DJCRM_CONFIG", dir.path().join("none.toml"))
            .env("DJCRM_LOG__FILTER", "error")
            .output()
            .expect("djcrm-admin runs")
    };
    let org = org.to_string();
    let file = dir.path().join("leads.csv");
    let to_file = admin(&[
        "--json",
        "leads",
        "export",
        "--org",
        &org,
        "--output",
        file.to_str().expect("a path"),
    ]);
    assert!(
        to_file.status.success(),
        "{}",
        String::from_utf8_lossy(&to_file.stderr)
    );
    let csv = std::fs::read_to_string(&file).expect("the export");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,first_name,last_name,email,phone,description,status,category,agent_email,created_at,updated_at"
        )
    );
    assert_eq!(lines.clone().count(), LEADS, "every lead once");
    assert!(
        csv.contains(",\"Hot, \"\"really\"\"\",grace@acme.test,"),
        "quoted as CSV"
    );

    let contacted = admin(&[
        "leads",
        "export",
        "--org",
        &org,
        "--format",
        "jsonl",
        "--status",
        "contacted",
    ]);
    assert!(contacted.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&contacted.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), LEADS.div_ceil(10));
    assert!(rows.iter().all(|r| r["status"] == "contacted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_streams_every_lead_on_sqlite() {
    let dir = tempfile::tempdir().expect("a folder");
    export_everything(format!(
        "sqlite://{}",
        dir.path().join("djcrm.db").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_streams_every_lead_on_postgres() {
    let database = common::Database::create().await;
    export_everything(database.url.clone()).await;
    database.drop_now().await;
}
