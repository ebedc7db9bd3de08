//! Redis adapters (deadpool-redis): rate limits and cache shared by every instance
//! of DJ CRM that points at the same Redis. Every key starts with the configured
//! prefix, so one Redis can serve several deployments (and tests run side by side).
//! Every call is bounded by a timeout: a slow Redis is a failed call, which the
//! callers treat as "unavailable" (fail open or closed), never as a hung request.
//! After a failure, calls fail at once for a second (then one is tried again), so
//! a Redis that is down costs requests nothing while it stays down, and is used
//! again as soon as it answers.

mod cache;
mod limiter;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deadpool_redis::redis::{self, FromRedisValue};
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};

pub use cache::RedisCache;
pub use limiter::RedisRateLimiter;

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://host:port/db` (or `rediss://` for TLS).
    pub url: String,
    /// Prepended to every key (`djcrm:` by default).
    pub prefix: String,
    /// The most a call may take, connecting included.
    pub timeout: Duration,
    /// Connections kept open.
    pub max_connections: usize,
}

/// Why Redis could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The URL or settings are unusable.
    #[error("the Redis settings are invalid: {0}")]
    Settings(String),
    /// No connection could be had, or a command failed.
    #[error("Redis failed while {context}")]
    Failed {
        /// What was being done.
        context: &'static str,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A call failed less than a second ago; not tried again yet.
    #[error("Redis failed moments ago; not asked again yet")]
    Resting,
    /// The call took longer than the timeout.
    #[error("Redis did not answer within {timeout:?} while {context}")]
    Timeout {
        /// What was being done.
        context: &'static str,
        /// The limit.
        timeout: Duration,
    },
}

/// A pool of connections to one Redis, with the key prefix and the timeout.
#[derive(Clone)]
pub struct Redis {
    pool: Pool,
    prefix: String,
    timeout: Duration,
    /// Milliseconds since the epoch until which calls fail at once.
    resting_until: Arc<AtomicU64>,
}

/// How long calls fail at once after a failure.
const REST: Duration = Duration::from_secs(1);

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A pool for `settings`. Connects lazily: a Redis that is down now is used as
    /// soon as it is back, without a restart.
    ///
    /// # Errors
    /// [`RedisError::Settings`] when the URL cannot be used.
    pub fn new(settings: &RedisSettings) -> Result<Self, RedisError> {
        let mut config = Config::from_url(settings.url.clone());
        config.pool = Some(PoolConfig {
            max_size: settings.max_connections.max(1),
            timeouts: Timeouts {
                wait: Some(settings.timeout),
                create: Some(settings.timeout),
                recycle: Some(settings.timeout),
            },
            ..PoolConfig::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| RedisError::Settings(e.to_string()))?;
        Ok(Self {
            pool,
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
            resting_until: Arc::new(AtomicU64::new(0)),
        })
    }

    /// `key` with the prefix.
    #[must_use]
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Runs `command` on a pooled connection within the timeout.
    async fn run<T: FromRedisValue>(
        &self,
        context: &'static str,
        command: impl AsyncFnOnce(&mut deadpool_redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, RedisError> {
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| RedisError::Failed {
            context,
            source,
        };
        let call = async {
            let mut connection = self.pool.get().await.map_err(|e| failed(Box::new(e)))?;
            command(&mut connection)
                .await
                .map_err(|e| failed(Box::new(e)))
        };
        if now_millis() < self.resting_until.load(Ordering::Relaxed) {
            return Err(RedisError::Resting);
        }
        let result = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| RedisError::Timeout {
                context,
                timeout: self.timeout,
            })
            .and_then(|answer| answer);
        if result.is_err() {
            let rest = u64::try_from(REST.as_millis()).unwrap_or(1000);
            self.resting_until
                .store(now_millis() + rest, Ordering::Relaxed);
        }
        result
    }

    /// Succeeds when Redis answers `PING`.
    ///
    /// # Errors
    /// [`RedisError`] when it does not, in time.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let _: String = self
            .run("pinging", async |connection| {
                redis::cmd("PING").query_async(connection).await
            })
            .await?;
        Ok(())
    }
}
