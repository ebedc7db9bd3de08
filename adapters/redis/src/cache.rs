//! The shared [`Cache`]: each namespace has a generation counter
//! (`<prefix>gen:<namespace>`) and its values live under
//! `<prefix>v:<namespace>:<generation>:<key>`; invalidating increments the counter,
//! which orphans the old values (they expire by their time to live). Reads and
//! conditional writes are one script each, so they see a consistent generation.
//! (The value keys are built inside the scripts: fine on one Redis, not on a
//! Redis Cluster.)

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::{self, Script};
use djcrm_domain::ports::{Cache, CacheError, Generation};

use crate::{Redis, RedisError};

static GET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local generation = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])
",
    )
});

static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local generation = redis.call('GET', KEYS[1]) or '0'
if generation ~= ARGV[1] then return 0 end
redis.call('SET', ARGV[2] .. generation .. ':' .. ARGV[3], ARGV[4], 'PX', ARGV[5])
return 1
",
    )
});

/// Values cached in Redis.
#[derive(Debug, Clone)]
pub struct RedisCache {
    redis: Redis,
}

impl RedisCache {
    /// A cache over `redis`.
    #[must_use]
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    fn generation_key(&self, namespace: &str) -> String {
        self.redis.key(&format!("gen:{namespace}"))
    }

    fn value_prefix(&self, namespace: &str) -> String {
        self.redis.key(&format!("v:{namespace}:"))
    }
}

fn unavailable(error: RedisError) -> CacheError {
    CacheError {
        context: "asking Redis".to_owned(),
        source: Some(Box::new(error)),
    }
}

#[async_trait::async_trait]
impl Cache for RedisCache {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let (generation, prefix) = (self.generation_key(namespace), self.value_prefix(namespace));
        self.redis
            .run("reading a cached value", async |connection| {
                GET.key(&generation)
                    .arg(&prefix)
                    .arg(key)
                    .invoke_async(connection)
                    .await
            })
            .await
            .map_err(unavailable)
    }

    async fn generation(&self, namespace: &str) -> Result<Generation, CacheError> {
        let key = self.generation_key(namespace);
        let current: Option<u64> = self
            .redis
            .run("reading a cache generation", async |connection| {
                redis::cmd("GET").arg(&key).query_async(connection).await
            })
            .await
            .map_err(unavailable)?;
        Ok(Generation(current.unwrap_or(0)))
    }

    async fn put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Duration,
        generation: Generation,
    ) -> Result<bool, CacheError> {
        let (counter, prefix) = (self.generation_key(namespace), self.value_prefix(namespace));
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stored: i64 = self
            .redis
            .run("caching a value", async |connection| {
                PUT.key(&counter)
                    .arg(generation.0)
                    .arg(&prefix)
                    .arg(key)
                    .arg(value)
                    .arg(millis)
                    .invoke_async(connection)
                    .await
            })
            .await
            .map_err(unavailable)?;
        Ok(stored == 1)
    }

    async fn invalidate(&self, namespace: &str) -> Result<(), CacheError> {
        let key = self.generation_key(namespace);
        let _: i64 = self
            .redis
            .run("invalidating a cache namespace", async |connection| {
                redis::cmd("INCR").arg(&key).query_async(connection).await
            })
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.redis.ping().await.map_err(unavailable)
    }
}
