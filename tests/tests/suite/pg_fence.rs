//! The PostgreSQL outbox fence: a unit of work written as one lone statement
//! (a new lead, its history and its event) still waits for it, and a unit of work
//! dropped while it waits to enter leaves its connection clean, holding nothing.
//! Held, it also makes lone writes queue, so they go to the database together
//! once it opens: each still lands, or fails, on its own.

use std::sync::Arc;
use std::time::Duration;

use djcrm_adapter_postgres::{OUTBOX_FENCE, PostgresStore};
use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::{ChangeListener, EventLog, LeadRepository, Store, UnitOfWork};
use djcrm_domain::{ActivityKind, CategoryId, Change, DomainError, Event, FeedQuery, Lead};
use sqlx::{Connection, PgConnection};

use crate::contract::fixtures::{
    Tenant, activity, assert_conflict_on, assert_not_found, created, lead, new_leads, now, tenant,
};
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

/// Creates `leads` at once while the fence is held for 300 ms: the first
/// writers wait at it, the rest queue behind them and go together once it opens.
async fn created_behind_the_fence(
    database: &TestDatabase,
    store: &PostgresStore,
    leads: &[(&Tenant, Lead)],
) -> Vec<Result<Event, DomainError>> {
    let reader = hold_the_fence(&database.url).await;
    let creations = leads.iter().map(|(t, lead)| created(store, t, lead));
    let opened = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        release_the_fence(reader).await;
    };
    let (results, ()) = tokio::join!(futures::future::join_all(creations), opened);
    results
}

#[tokio::test]
async fn creations_queued_at_the_fence_each_land_and_are_told() {
    let database = TestDatabase::create().await;
    let told = Arc::new(Told::default());
    let store = database.store(None).await.with_listener(told.clone());
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let tenants = [&acme, &globex];
    let leads = new_leads(&tenants, 24);

    let results = created_behind_the_fence(&database, &store, &leads).await;
    for ((t, lead), result) in leads.iter().zip(results) {
        let event = result.expect("created");
        assert_eq!(
            LeadRepository::get(store.leads(), t.org, lead.id)
                .await
                .expect("landed"),
            *lead
        );
        assert!(
            told.0.lock().is_ok_and(|told| told.contains(&event)),
            "the listener hears of {} before its commit returns",
            lead.first_name
        );
    }
    for t in tenants {
        let feed = store
            .events()
            .feed(t.org, &FeedQuery::default())
            .await
            .expect("a feed");
        assert_eq!(feed.events.len(), 12, "each tenant's own events, once each");
    }
    // Rows written by one statement (its own transaction) share their xmin.
    let mut conn = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    let statements: i64 = sqlx::query_scalar("SELECT count(DISTINCT xmin::text) FROM outbox")
        .fetch_one(&mut conn)
        .await
        .expect("counted");
    assert!(
        statements < 24,
        "creations queued together share statements ({statements} for 24)"
    );
}

#[tokio::test]
async fn a_creation_refused_among_those_queued_at_the_fence_fails_alone() {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    let acme = tenant(&store, "Acme").await;
    let mut leads = new_leads(&[&acme], 12);
    leads[11].1.category_id = Some(CategoryId::new());

    let results = created_behind_the_fence(&database, &store, &leads).await;
    for (i, ((_, lead), result)) in leads.iter().zip(results).enumerate() {
        if i == 11 {
            assert_conflict_on(result, "lead");
            assert_not_found(LeadRepository::get(store.leads(), acme.org, lead.id).await);
        } else {
            result.expect("created");
            assert_eq!(
                LeadRepository::get(store.leads(), acme.org, lead.id)
                    .await
                    .expect("landed"),
                *lead
            );
        }
    }
    let feed = store
        .events()
        .feed(acme.org, &FeedQuery::default())
        .await
        .expect("a feed");
    assert_eq!(feed.events.len(), 11, "no event of the refused creation");
}

#[tokio::test]
async fn creations_queued_past_the_acquire_timeout_are_told_busy_and_write_nothing() {
    let database = TestDatabase::create().await;
    // One connection, so one sender: the first creation takes it and waits at the
    // fence; the others queue behind it.
    let store = database
        .store_with(|options| {
            options.max_connections = 1;
            options.acquire_timeout = Duration::from_millis(500);
        })
        .await;
    let acme = tenant(&store, "Acme").await;
    let first = lead(acme.org, "First");
    let queued: Vec<Lead> = (0..5)
        .map(|i| lead(acme.org, &format!("Queued{i}")))
        .collect();

    let reader = hold_the_fence(&database.url).await;
    let later = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        futures::future::join_all(queued.iter().map(|lead| created(&store, &acme, lead))).await
    };
    // The fence stays shut three times as long as work may wait in the queue.
    let opened = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        release_the_fence(reader).await;
    };
    let (first_result, later_results, ()) =
        tokio::join!(created(&store, &acme, &first), later, opened);

    first_result.expect("the first creation waited at the fence, then landed");
    for (lead, result) in queued.iter().zip(later_results) {
        assert!(
            matches!(result, Err(DomainError::Busy { .. })),
            "expected Busy for {}, got {result:?}",
            lead.first_name
        );
        assert_not_found(LeadRepository::get(store.leads(), acme.org, lead.id).await);
    }
}

#[tokio::test]
async fn a_batch_that_times_out_fails_each_of_its_writes_without_sending_them_again() {
    let database = TestDatabase::create().await;
    let store = database
        .store_with(|options| options.statement_timeout = Duration::from_millis(250))
        .await;
    let acme = tenant(&store, "Acme").await;
    let leads = new_leads(&[&acme], 12);

    // The batch times out at the fence: no row's fault. Sent again one by one,
    // the later ones would land once the fence opens (after 300 ms).
    let results = created_behind_the_fence(&database, &store, &leads).await;
    for ((_, lead), result) in leads.iter().zip(results) {
        assert!(
            matches!(result, Err(DomainError::Storage { .. })),
            "expected the batch's failure for {}, got {result:?}",
            lead.first_name
        );
        assert_not_found(LeadRepository::get(store.leads(), acme.org, lead.id).await);
    }
}
