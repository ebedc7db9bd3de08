//! The PostgreSQL outbox fence: a unit of work written as one lone statement
//! (a new lead, its history and its event) still waits for it, and a unit of work
//! dropped while it waits to enter leaves its connection clean, holding nothing.

use std::sync::Arc;
use std::time::Duration;

use djcrm_adapter_postgres::OUTBOX_FENCE;
use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::{ChangeListener, EventLog, Store, UnitOfWork};
use djcrm_domain::{ActivityKind, Change, Event, FeedQuery};
use sqlx::{Connection, PgConnection};

use crate::contract::fixtures::{activity, lead, now, tenant};
use crate::pg::TestDatabase;

/// Holds the fence exclusively, as an outbox reader does for an instant.
async fn hold_the_fence(url: &str) -> PgConnection {
    let mut reader = PgConnection::connect(url).await.expect("a connection");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(OUTBOX_FENCE)
        .execute(&mut reader)
        .await
        .expect("the fence");
    reader
}

async fn release_the_fence(mut reader: PgConnection) {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(OUTBOX_FENCE)
        .execute(&mut reader)
        .await
        .expect("released");
}

#[tokio::test]
async fn a_lead_created_in_one_statement_still_waits_for_the_fence() {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    let acme = tenant(&store, "Acme").await;
    let new = lead(acme.org, "Ada");
    let created = Event::new(
        acme.org,
        Some(acme.owner.id),
        new.id,
        Change::LeadCreated {
            lead: LeadSnapshot::from(&new),
        },
        now(),
    );

    let reader = hold_the_fence(&database.url).await;
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&new).await.expect("a lead");
    uow.append_activity(&activity(&new, acme.owner.id, ActivityKind::Created))
        .await
        .expect("its history");
    uow.append_event(&created).await.expect("its event");
    let commit = tokio::spawn(uow.commit());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !commit.is_finished(),
        "the write must wait while the fence is held"
    );

    release_the_fence(reader).await;
    commit.await.expect("joined").expect("committed");
    let feed = store
        .events()
        .feed(acme.org, &FeedQuery::default())
        .await
        .expect("a feed");
    assert_eq!(feed.events.last().map(|e| &e.event), Some(&created));
}

#[tokio::test]
async fn a_begin_cancelled_at_the_fence_leaves_the_connection_clean() {
    let database = TestDatabase::create().await;
    // One connection: whatever the cancelled begin left on it, the next use meets.
    let store = database.store(Some(1)).await;
    let acme = tenant(&store, "Acme").await;

    // A reader holding the fence exclusively makes writers wait to enter: the
    // transaction opens (BEGIN and the fence) at the first statement, here a read.
    let reader = hold_the_fence(&database.url).await;
    let mut uow = store.begin().await.expect("begin");
    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        uow.organization_for_update(acme.org),
    )
    .await;
    assert!(
        waited.is_err(),
        "the transaction must wait while the fence is held"
    );
    drop(uow);
    release_the_fence(reader).await;

    // The same connection writes, commits and lets a reader through at once.
    let change = Change::CategoryCreated {
        name: "After".to_owned(),
    };
    let event = Event::new(acme.org, None, acme.org, change, now());
    let mut uow = store.begin().await.expect("begin on a clean connection");
    uow.append_event(&event).await.expect("append");
    uow.commit().await.expect("commit");
    let feed = tokio::time::timeout(
        Duration::from_secs(5),
        store.events().feed(acme.org, &FeedQuery::default()),
    )
    .await
    .expect("no writer is left holding the fence")
    .expect("a feed");
    assert_eq!(feed.events.last().map(|e| &e.event), Some(&event));
}

/// Remembers the events it is told have committed.
#[derive(Default)]
struct Told(std::sync::Mutex<Vec<Event>>);

#[async_trait::async_trait]
impl ChangeListener for Told {
    async fn committed(&self, events: &[Event]) {
        if let Ok(mut told) = self.0.lock() {
            told.extend_from_slice(events);
        }
    }
}

#[tokio::test]
async fn a_commit_whose_caller_stopped_waiting_still_ends_and_tells_the_listener() {
    let database = TestDatabase::create().await;
    let told = Arc::new(Told::default());
    let store = database.store(None).await.with_listener(told.clone());
    let acme = tenant(&store, "Acme").await;
    let change = Change::CategoryCreated {
        name: "Hung up".to_owned(),
    };
    let event = Event::new(acme.org, None, acme.org, change, now());

    // The caller (a request whose client hung up) gives up while the commit waits.
    let reader = hold_the_fence(&database.url).await;
    let mut uow = store.begin().await.expect("begin");
    uow.append_event(&event).await.expect("append");
    let gave_up = tokio::time::timeout(Duration::from_millis(300), uow.commit()).await;
    assert!(
        gave_up.is_err(),
        "the commit must wait while the fence is held"
    );
    release_the_fence(reader).await;

    for _ in 0..100 {
        if told.0.lock().is_ok_and(|told| told.contains(&event)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        told.0.lock().is_ok_and(|told| told.contains(&event)),
        "the listener must hear of the commit"
    );
    let feed = store
        .events()
        .feed(acme.org, &FeedQuery::default())
        .await
        .expect("a feed");
    assert_eq!(feed.events.last().map(|e| &e.event), Some(&event));
}
