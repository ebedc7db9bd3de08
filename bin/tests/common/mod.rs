//! What the binaries' tests share: a PostgreSQL database of their own.

use sqlx::{Connection, PgConnection};

/// A database on `DATABASE_URL`'s server, dropped with this value.
pub struct Database {
    pub url: String,
    admin: String,
    name: String,
}

impl Database {
    pub async fn create() -> Self {
        let admin = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("djcrm_bin_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL (DATABASE_URL) is reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("a database");
        let _ = conn.close().await;
        let (server, _) = admin.rsplit_once('/').unwrap_or((&admin, ""));
        Self {
            url: format!("{server}/{name}"),
            admin,
            name,
        }
    }

    /// Drops the database (call at the end of the test).
    pub async fn drop_now(self) {
        if let Ok(mut conn) = PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
