//! DJ CRM as a library: a plain Rust program, no HTTP, that signs up an
//! organization, adds a lead, lists it, and reads the organization's change feed,
//! on a SQLite file of its own.
//!
//! Run it with `cargo run -p djcrm-application --example embed`.

use std::sync::Arc;

use djcrm_adapter_argon2::Argon2Hasher;
use djcrm_adapter_memory::{MemoryCache, MemoryRateLimiter};
use djcrm_adapter_sqlite::SqliteOptions;
use djcrm_application::auth::SignupRequest;
use djcrm_application::cache::Invalidation;
use djcrm_application::events::FeedParams;
use djcrm_application::leads::{CreateLeadRequest, ListLeadsRequest};
use djcrm_application::{Crm, CrmSettings, Ports, SystemClock};
use djcrm_domain::LeadStatus;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("djcrm-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("crm.db").display());

    // Pick the adapters: the SQLite store, argon2id, the system clock, limits and a
    // cache in this process. The store tells the cache of every committed change.
    let cache = Arc::new(MemoryCache::default());
    let store = djcrm_adapter_sqlite::connect(&SqliteOptions::new(&url))
        .await?
        .with_listener(Arc::new(Invalidation::new(cache.clone())));
    let ports = Ports {
        hasher: Arc::new(Argon2Hasher::default()),
        clock: Arc::new(SystemClock),
        limiter: Arc::new(MemoryRateLimiter::new()),
        cache,
    };
    let crm = Crm::new(store, ports, CrmSettings::default());

    let signed_up = crm
        .signup(SignupRequest {
            organization_name: "Embedded Inc".into(),
            email: "owner@embedded.test".into(),
            password: "a long passphrase".into(),
            full_name: "Olive Owner".into(),
        })
        .await?;
    // The token is what an HTTP client would send; a library caller can use it too.
    let owner = crm.authenticate(&signed_up.token).await?;

    let request = CreateLeadRequest {
        email: Some("ada@example.com".into()),
        ..CreateLeadRequest::named("Ada", "Lovelace")
    };
    let lead = crm.create_lead(&owner, request).await?;
    println!(
        "created lead {} ({} {}), status {}",
        lead.id,
        lead.first_name,
        lead.last_name,
        lead.status()
    );

    let page = crm.leads(&owner, ListLeadsRequest::default()).await?;
    for lead in &page.items {
        println!(
            "listed: {} {} <{}>",
            lead.first_name,
            lead.last_name,
            lead.email.as_ref().map_or("", |e| e.as_str())
        );
    }
    assert_eq!(page.items.len(), 1);

    crm.change_lead_status(&owner, lead.id, LeadStatus::Contacted, Some("called"), None)
        .await?;

    // Every change so far, oldest first: what an integration would poll for.
    let feed = crm.events(&owner, &FeedParams::default()).await?;
    for recorded in &feed.events {
        let event = &recorded.event;
        println!(
            "event {:>3} {:<22} subject {}",
            recorded.position,
            event.event_type().as_str(),
            event.subject_id
        );
    }
    let types: Vec<&str> = feed
        .events
        .iter()
        .map(|e| e.event.event_type().as_str())
        .collect();
    assert_eq!(
        types,
        [
            "user.signed_up",
            "token.issued",
            "lead.created",
            "lead.status_changed"
        ]
    );

    crm.store().close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
