//! What the binaries' tests share: a PostgreSQL database of their own, and a
//! stand-in for a service that receives reports (an OTLP or Sentry collector).

use std::sync::{Arc, Mutex};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Route, Server, post};
use sqlx::{Connection, PgConnection};

/// A database on `DATABASE_URL`'s server, dropped with this value.
#[allow(dead_code)]
pub struct Database {
    pub url: String,
    admin: String,
    name: String,
}

#[allow(dead_code)]
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

/// What a stand-in collector received: one body per request.
#[allow(dead_code)]
pub type Received = Arc<Mutex<Vec<Vec<u8>>>>;

/// A stand-in collector taking POSTs at `path` on an ephemeral port: its port,
/// and what it received.
#[allow(dead_code)]
pub async fn collector(path: &str) -> (u16, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let routes = Route::new().at(
        path,
        post(poem::endpoint::make(move |request: poem::Request| {
            let kept = kept.clone();
            async move {
                let bytes = request.into_body().into_vec().await.unwrap_or_default();
                kept.lock().map(|mut k| k.push(bytes)).ok();
                poem::Response::builder()
                    .status(poem::http::StatusCode::OK)
                    .finish()
            }
        })),
    );
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("a port");
    let port = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .expect("an address")
        .port();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(routes));
    (port, received)
}

/// A port nothing listens on now (freed at once, for a process to bind).
#[allow(dead_code)]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `djcrm serve` on `port` over `database_url`, its mail in `outbox`, reading no
/// configuration file: the test adds what it is about.
#[allow(dead_code)]
pub fn serve(port: u16, database_url: &str, outbox: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_djcrm"));
    command
        .arg("serve")
        .env("DJCRM_CONFIG", "/nonexistent/djcrm.toml")
        .env("DJCRM_HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("DJCRM_DATABASE__URL", database_url)
        .env("DJCRM_MAIL__OUTBOX_DIR", outbox);
    command
}

/// Whether `needle` occurs in `haystack`.
#[allow(dead_code)]
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
