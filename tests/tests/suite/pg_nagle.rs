//! The store's PostgreSQL connection settings: sent without waiting on Nagle's
//! algorithm (sqlx 0.9.0 leaves it on; see `djcrm_adapter_postgres::nagle`), and
//! without JIT compilation.

use djcrm_adapter_postgres::PostgresOptions;
use djcrm_adapter_postgres::nagle;
use sqlx::{Connection, PgConnection};

use crate::pg::TestDatabase;

#[tokio::test]
async fn the_stores_connections_have_nagle_off() {
    let database = TestDatabase::create().await;
    let store = djcrm_adapter_postgres::connect(&PostgresOptions::new(&database.url))
        .await
        .expect("a store");
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
    let store = djcrm_adapter_postgres::connect(&PostgresOptions::new(&database.url))
        .await
        .expect("a store");
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(store.pool())
        .await
        .expect("the jit setting");
    assert_eq!(jit, "off");
}
