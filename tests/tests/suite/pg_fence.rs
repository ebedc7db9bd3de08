//! The PostgreSQL outbox fence under cancellation: a unit of work that is dropped
//! while it waits to enter the fence leaves its connection clean, holding nothing.

use std::time::Duration;

use djcrm_adapter_postgres::{OUTBOX_FENCE, PostgresOptions};
use djcrm_domain::ports::{EventLog, Store, UnitOfWork};
use djcrm_domain::{Change, Event, FeedQuery};
use sqlx::{Connection, PgConnection};

use crate::contract::fixtures::{now, tenant};
use crate::pg::TestDatabase;

#[tokio::test]
async fn a_begin_cancelled_at_the_fence_leaves_the_connection_clean() {
    let database = TestDatabase::create().await;
    let mut options = PostgresOptions::new(&database.url);
    // One connection: whatever the cancelled begin left on it, the next use meets.
    options.max_connections = 1;
    let store = djcrm_adapter_postgres::connect(&options)
        .await
        .expect("a store");
    let acme = tenant(&store, "Acme").await;

    // A reader holding the fence exclusively makes writers wait to enter.
    let mut reader = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(OUTBOX_FENCE)
        .execute(&mut reader)
        .await
        .expect("the fence");
    let waited = tokio::time::timeout(Duration::from_millis(300), store.begin()).await;
    assert!(waited.is_err(), "begin must wait while the fence is held");
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(OUTBOX_FENCE)
        .execute(&mut reader)
        .await
        .expect("released");

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
