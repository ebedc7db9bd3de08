//! Webhooks and their delivery log.

use djcrm_domain::ports::{EventLog, Store, UnitOfWork, WebhookRepository};
use djcrm_domain::{
    Change, Delivery, DeliveryId, DomainError, Event, EventFilter, EventId, EventType, Webhook,
    WebhookId, WebhookUrl,
};

use super::fixtures::{Tenant, now, page, tenant};

fn webhook(t: &Tenant) -> Webhook {
    Webhook {
        id: WebhookId::new(),
        org_id: t.org,
        url: WebhookUrl::parse("https://hooks.example.com/in").expect("a URL"),
        events: EventFilter::Only(vec![EventType::LeadCreated, EventType::LeadDeleted]),
        secret: "whsec_test".to_owned(),
        active: true,
        disabled_reason: None,
        failures: 0,
        created_by: Some(t.owner.id),
        created_at: now(),
        updated_at: now(),
    }
}

async fn stored<S: Store>(store: &S, webhook: &Webhook) {
    let mut uow = store.begin().await.expect("begin");
    uow.insert_webhook(webhook).await.expect("stored");
    uow.commit().await.expect("commit");
}

fn delivery(webhook: &Webhook, delivered: bool) -> Delivery {
    Delivery {
        id: DeliveryId::new(),
        webhook_id: webhook.id,
        org_id: webhook.org_id,
        event_id: EventId::new(),
        event_type: EventType::LeadCreated,
        status: Some(if delivered { 200 } else { 500 }),
        latency_ms: 12,
        response_excerpt: "ok".to_owned(),
        delivered,
        attempted_at: now(),
    }
}

pub async fn a_webhook_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let hook = webhook(&acme);
    stored(&store, &hook).await;
    assert_eq!(
        store
            .webhooks()
            .get(acme.org, hook.id)
            .await
            .expect("found"),
        hook
    );
    assert_eq!(
        store.webhooks().list(acme.org).await.expect("a list"),
        vec![hook]
    );
}

pub async fn another_tenants_webhook_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let hook = webhook(&acme);
    stored(&store, &hook).await;
    let read = store.webhooks().get(globex.org, hook.id).await;
    assert!(
        matches!(read, Err(DomainError::NotFound { .. })),
        "{read:?}"
    );
    assert!(
        store
            .webhooks()
            .list(globex.org)
            .await
            .expect("a list")
            .is_empty()
    );
}

pub async fn failures_in_a_row_are_counted_and_a_success_resets_them<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let hook = webhook(&acme);
    stored(&store, &hook).await;
    let hooks = store.webhooks();
    assert_eq!(
        hooks
            .record_delivery(&delivery(&hook, false))
            .await
            .expect("logged"),
        1
    );
    assert_eq!(
        hooks
            .record_delivery(&delivery(&hook, false))
            .await
            .expect("logged"),
        2
    );
    assert_eq!(
        hooks
            .record_delivery(&delivery(&hook, true))
            .await
            .expect("logged"),
        0
    );
}

pub async fn deliveries_list_newest_first_and_read_back<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let hook = webhook(&acme);
    stored(&store, &hook).await;
    let (first, second) = (delivery(&hook, false), delivery(&hook, true));
    store
        .webhooks()
        .record_delivery(&first)
        .await
        .expect("logged");
    store
        .webhooks()
        .record_delivery(&second)
        .await
        .expect("logged");
    let listed = store
        .webhooks()
        .deliveries(acme.org, hook.id, page(10))
        .await
        .expect("a page");
    assert_eq!(listed.items, vec![second.clone(), first]);
    let one = store
        .webhooks()
        .delivery(acme.org, hook.id, second.id)
        .await;
    assert_eq!(one.expect("found"), second);
}

pub async fn a_removed_webhook_takes_its_deliveries_with_it<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let hook = webhook(&acme);
    stored(&store, &hook).await;
    let logged = delivery(&hook, true);
    store
        .webhooks()
        .record_delivery(&logged)
        .await
        .expect("logged");
    let mut uow = store.begin().await.expect("begin");
    uow.delete_webhook(acme.org, hook.id)
        .await
        .expect("removed");
    uow.commit().await.expect("commit");
    let read = store
        .webhooks()
        .delivery(acme.org, hook.id, logged.id)
        .await;
    assert!(
        matches!(read, Err(DomainError::NotFound { .. })),
        "{read:?}"
    );
}

pub async fn a_saved_webhook_keeps_its_changes<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut hook = webhook(&acme);
    stored(&store, &hook).await;
    let mut uow = store.begin().await.expect("begin");
    let mut locked = uow
        .webhook_for_update(acme.org, hook.id)
        .await
        .expect("locked");
    locked.active = false;
    locked.disabled_reason = Some("10 deliveries failed".to_owned());
    locked.events = EventFilter::All;
    uow.save_webhook(&locked).await.expect("saved");
    uow.commit().await.expect("commit");
    hook.active = false;
    hook.disabled_reason = Some("10 deliveries failed".to_owned());
    hook.events = EventFilter::All;
    assert_eq!(
        store
            .webhooks()
            .get(acme.org, hook.id)
            .await
            .expect("found"),
        hook
    );
}

pub async fn an_event_is_read_by_id_in_its_organization_only<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let change = Change::CategoryCreated {
        name: "Hot".to_owned(),
    };
    let event = Event::new(
        acme.org,
        Some(acme.owner.id),
        WebhookId::new(),
        change,
        now(),
    );
    let mut uow = store.begin().await.expect("begin");
    uow.append_event(&event).await.expect("appended");
    uow.commit().await.expect("commit");
    let read = store.events().get(acme.org, event.id).await.expect("found");
    assert_eq!(read.event, event);
    let other = store.events().get(globex.org, event.id).await;
    assert!(
        matches!(other, Err(DomainError::NotFound { .. })),
        "{other:?}"
    );
}
