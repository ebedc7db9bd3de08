//! The store's kept read connections on PostgreSQL: they go back without sqlx's
//! check, so what a read cut short leaves behind must be dealt with before the
//! next read, and they are connections of their own beside the pool units of
//! work use.

use std::time::Duration;

use djcrm_domain::ports::{LeadRepository, OrganizationRepository, Store, UnitOfWork};
use djcrm_domain::{LeadFilter, LeadId};
use sqlx::{Connection, PgConnection};

use crate::contract::fixtures::{page, stored_lead, tenant};
use crate::pg::TestDatabase;

#[tokio::test]
async fn reads_cut_short_at_any_point_leave_their_connection_fit_for_the_next() {
    let database = TestDatabase::create().await;
    let store = database.store(Some(1)).await;
    let acme = tenant(&store, "Acme").await;
    let mut ids: Vec<LeadId> = Vec::new();
    for i in 0..20 {
        ids.push(stored_lead(&store, &acme, &format!("Lead{i:02}")).await.id);
    }
    ids.reverse();

    // Dropped after 0 to 600 µs: before sending, while the server answers, while
    // the answer is read, and inside the listing's transaction.
    for i in 0..300_u64 {
        let cut = Duration::from_micros((i * 37) % 600);
        if i % 3 == 0 {
            let filter = LeadFilter::default();
            let list = LeadRepository::list(store.leads(), acme.org, &filter, page(50));
            let _ = tokio::time::timeout(cut, list).await;
        } else {
            let id = ids[usize::try_from(i).unwrap_or(0) % ids.len()];
            let _ =
                tokio::time::timeout(cut, LeadRepository::get(store.leads(), acme.org, id)).await;
        }
    }

    let last = ids[0];
    let read = LeadRepository::get(store.leads(), acme.org, last)
        .await
        .expect("a lead");
    assert_eq!(read.id, last, "the answer to this read, not an earlier one");
    let listed = LeadRepository::list(store.leads(), acme.org, &LeadFilter::default(), page(50))
        .await
        .expect("a listing");
    let listed: Vec<LeadId> = listed.items.iter().map(|l| l.id).collect();
    assert_eq!(listed, ids, "every lead, newest first");
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = 'djcrm' AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(store.pool())
    .await
    .expect("the sessions");
    assert_eq!(open, 0, "no listing's transaction left open");
}

#[tokio::test]
async fn a_read_goes_on_while_a_unit_of_work_holds_the_pools_only_connection() {
    let database = TestDatabase::create().await;
    let store = database.store(Some(1)).await;
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    store.ping().await.expect("a reader is open");

    let mut uow = store.begin().await.expect("begin");
    uow.organization_for_update(acme.org)
        .await
        .expect("the pool's one connection, in a transaction");
    let read = tokio::time::timeout(
        Duration::from_secs(2),
        LeadRepository::get(store.leads(), acme.org, ada.id),
    )
    .await
    .expect("the read does not wait for the unit of work")
    .expect("a lead");
    assert_eq!(read.id, ada.id);
    let organization = OrganizationRepository::get(store.organizations(), acme.org)
        .await
        .expect("another read");
    assert_eq!(organization.id, acme.org);
    uow.commit().await.expect("commit");
}

#[tokio::test]
async fn closing_the_store_ends_its_sessions_readers_included() {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let reads = (0..4).map(|_| LeadRepository::get(store.leads(), acme.org, ada.id));
    for read in futures::future::join_all(reads).await {
        read.expect("a lead");
    }

    store.close().await;

    let mut admin = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    let mut open = -1_i64;
    // A session ends a moment after its client says goodbye.
    for _ in 0..40 {
        open = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'djcrm'",
        )
        .fetch_one(&mut admin)
        .await
        .expect("the sessions");
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(open, 0, "the store's sessions, its readers' among them");
}

#[tokio::test]
async fn read_connections_idle_past_the_idle_timeout_are_closed() {
    let database = TestDatabase::create().await;
    // Long enough that the burst's readers are still open when counted on a busy
    // machine; the sweep then checks every second.
    let store = database
        .store_with(|options| options.idle_timeout = Duration::from_secs(2))
        .await;
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    // Reads of one kind each (lead reads that arrive together share a statement).
    let reads = (0..4).map(|_| store.ping());
    for read in futures::future::join_all(reads).await {
        read.expect("a read");
    }
    let readers = |store: &djcrm_adapter_postgres::PostgresStore| {
        store
            .connections()
            .into_iter()
            .find(|(name, _, _)| *name == "read")
            .map_or(0, |(_, open, _)| open)
    };
    assert!(readers(&store) > 0, "the burst left readers open");

    let mut open = readers(&store);
    for _ in 0..100 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        open = readers(&store);
    }
    assert_eq!(open, 0, "every reader idle past the timeout is closed");
    let read = LeadRepository::get(store.leads(), acme.org, ada.id)
        .await
        .expect("a read opens a new reader");
    assert_eq!(read.id, ada.id);
}
