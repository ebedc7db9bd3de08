//! Redis for the tests: the server in `REDIS_URL` (default the local one), a fresh
//! key prefix per test, so tests run in parallel and again without cleanup. There
//! is no skipping: a run that cannot reach Redis fails.

use std::time::Duration;

use djcrm_adapter_redis::{Redis, RedisSettings};

/// The server the tests use.
pub fn url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Settings with a prefix of their own.
pub fn settings() -> RedisSettings {
    RedisSettings {
        url: url(),
        prefix: format!("djcrm-test:{}:", uuid::Uuid::new_v4().simple()),
        timeout: Duration::from_secs(2),
        max_connections: 8,
    }
}

/// A pool on the test server under a fresh prefix; fails the test when Redis is down.
pub async fn connect() -> Redis {
    let redis = Redis::new(&settings()).expect("valid Redis settings");
    redis.ping().await.unwrap_or_else(|e| {
        panic!(
            "Redis is required for these tests (REDIS_URL={}): {e}",
            url()
        )
    });
    redis
}

/// Runs each named test, an `async fn((Arc<Port>, Arc<Port>))` given two handles on
/// one store of the port, against the in-process adapter (the same instance twice)
/// and against Redis (two adapters on one prefix, as two servers would have).
#[macro_export]
macro_rules! on_memory_and_redis {
    ($port:ty, $memory:expr, $redis:path; $($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    let adapter: std::sync::Arc<$port> = std::sync::Arc::new($memory);
                    super::$test((adapter.clone(), adapter)).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $test() {
                    let one = $crate::redis::connect().await;
                    let other = one.clone();
                    super::$test((
                        std::sync::Arc::new($redis(one)),
                        std::sync::Arc::new($redis(other)),
                    ))
                    .await;
                }
            )*
        }
    };
}
