//! A fresh PostgreSQL database per test, made from `DATABASE_URL` (default: the
//! local server, `postgres://postgres@127.0.0.1:5432/postgres`) and dropped when
//! the test ends, so tests run in parallel and again without cleanup. There is no
//! skipping: a run that cannot reach PostgreSQL fails, loudly.

use djcrm_adapter_postgres::{PostgresOptions, PostgresStore};
use sqlx::{Connection, PgConnection};

/// The server to make test databases on.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').unwrap_or((base, ""));
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let name = format!("djcrm_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for these tests (DATABASE_URL={admin}): {e}")
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("a test database can be created");
        let _ = conn.close().await;
        Self {
            url: with_database(&admin, &name),
            name,
        }
    }
}

impl TestDatabase {
    /// A store on this database, migrated, with at most `connections` pooled
    /// connections (the default when `None`).
    pub async fn store(&self, connections: Option<u32>) -> PostgresStore {
        self.store_with(|options| {
            if let Some(connections) = connections {
                options.max_connections = connections;
            }
        })
        .await
    }

    /// A store on this database, migrated, with the default options as `adjust`
    /// leaves them.
    pub async fn store_with(&self, adjust: impl FnOnce(&mut PostgresOptions)) -> PostgresStore {
        let mut options = PostgresOptions::new(&self.url);
        adjust(&mut options);
        djcrm_adapter_postgres::connect(&options)
            .await
            .expect("a PostgreSQL store")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime can block.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin_url()).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "t1"),
        "postgres://u@h/t1?sslmode=disable"
    );
}
