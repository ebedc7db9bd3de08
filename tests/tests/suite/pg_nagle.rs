//! The store's PostgreSQL connection settings: sent without waiting on Nagle's
//! algorithm (sqlx 0.9.0 leaves it on; see `djcrm_adapter_postgres::nagle`),
//! without JIT compilation, and checked again before use only after sitting idle.

use djcrm_adapter_postgres::nagle;
use djcrm_domain::ports::Store;
use sqlx::{Connection, PgConnection};

use crate::pg::TestDatabase;

#[tokio::test]
async fn the_stores_connections_have_nagle_off() {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    let mut conn = store.pool().acquire().await.expect("a pooled connection");
    let off = nagle::is_off(&mut conn)
        .await
        .expect("the socket's options");
    assert_eq!(
        off,
        Some(true),
        "TCP_NODELAY on the pooled connection (DATABASE_URL must name a TCP server)"
    );
}

#[tokio::test]
async fn a_plain_sqlx_connection_keeps_nagle_on() {
    // The check above could pass by reading the wrong socket; sqlx's own default
    // tells the two apart.
    let database = TestDatabase::create().await;
    let mut conn = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    let off = nagle::is_off(&mut conn)
        .await
        .expect("the socket's options");
    assert_eq!(off, Some(false), "sqlx 0.9.0 leaves Nagle on");
}

#[tokio::test]
async fn the_stores_connections_run_without_jit() {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(store.pool())
        .await
        .expect("the jit setting");
    assert_eq!(jit, "off");
}

#[tokio::test]
async fn a_connection_the_server_dropped_while_idle_is_not_handed_out() {
    let database = TestDatabase::create().await;
    let store = database.store(Some(1)).await;
    store.ping().await.expect("the store answers");

    // The server (a restart, an idle timeout, an operator) ends the idle session.
    let mut admin = PgConnection::connect(&database.url)
        .await
        .expect("a connection");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'djcrm'",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminated");
    assert_eq!(ended, vec![true], "the store's one session");
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;

    store
        .ping()
        .await
        .expect("a fresh connection, not the dead one");
}
