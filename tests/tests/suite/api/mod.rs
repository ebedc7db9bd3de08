//! The server over HTTP, on an ephemeral port and a temporary SQLite file.

mod bad_input;
mod cache;
mod document;
mod edge;
mod events;
mod export;
mod idempotency;
mod imports;
mod isolation;
mod jobs;
mod journey;
mod leads;
mod limits;
mod mail;
mod rest;
mod roles;
mod service;
mod webhooks;

/// Runs each named test, an `async fn(TestApp)`, once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::TestApp::spawn().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::TestApp::spawn_postgres().await).await;
                }
            )*
        }
    };
}
