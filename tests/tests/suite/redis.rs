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
