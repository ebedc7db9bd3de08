//! Starting the server: a store that cannot be used stops it with a clear error.

use djcrm_bin::config::Settings;
use djcrm_bin::startup::{Application, StartError};
use sqlx::{Connection, PgConnection};

use crate::pg::TestDatabase;

async fn start(url: String) -> Result<Application, StartError> {
    let mut settings = Settings::default();
    settings.http.bind = ([127, 0, 0, 1], 0).into();
    settings.database.url = url;
    settings.database.acquire_timeout_ms = 1000;
    Application::build(&settings, std::future::pending()).await
}

#[tokio::test]
async fn an_unreachable_postgres_is_a_one_line_error() {
    let Err(error) = start("postgres://postgres@127.0.0.1:1/djcrm".into()).await else {
        panic!("nothing listens on port 1");
    };
    let message = error.to_string();
    assert!(
        message.starts_with("cannot connect to PostgreSQL"),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_refuses_to_start() {
    let database = TestDatabase::create().await;
    drop(
        start(database.url.clone())
            .await
            .expect("a fresh database migrates"),
    );
    let mut conn = PgConnection::connect(&database.url).await.expect("connect");
    sqlx::query(
        "INSERT INTO _crm_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(&mut conn)
    .await
    .expect("a future migration is recorded");
    let _ = conn.close().await;
    let Err(error) = start(database.url.clone()).await else {
        panic!("the schema is newer");
    };
    assert!(
        error.to_string().contains("newer than this binary"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused() {
    let Err(error) = start("mysql://root@127.0.0.1/djcrm".into()).await else {
        panic!("mysql is not supported");
    };
    assert!(
        error.to_string().contains("unsupported database URL"),
        "{error}"
    );
}
