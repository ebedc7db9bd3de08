//! The shared [`RateLimiter`]: the generic cell rate algorithm as one Lua script, so
//! each hit is one atomic operation however many instances share the key, timed by
//! Redis' own clock (instances' clocks may differ).

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::Script;
use djcrm_domain::ports::{LimiterError, Quota, RateLimiter, Standing};

use crate::{Redis, RedisError};

/// KEYS[1]: the key. ARGV: the interval and the burst in microseconds, whether to
/// count a hit (1) or only look (0). Returns allowed (1/0), remaining, the
/// microseconds until the key is full again, and until the next hit is allowed.
/// The same arithmetic as `djcrm_domain::ports::gcra`.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local after = tat + interval
local allowed_at = after - burst
local allowed = allowed_at <= now
local last = tat
if ARGV[3] == '1' and allowed then
  last = after
  redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000))
end
local used = last - now
local remaining = 0
if interval > 0 then remaining = math.floor((burst - used) / interval) end
local retry = 0
if not allowed then retry = allowed_at - now end
return {allowed and 1 or 0, remaining, used, retry}
",
    )
});

/// Rate limits counted in Redis.
#[derive(Debug, Clone)]
pub struct RedisRateLimiter {
    redis: Redis,
}

impl RedisRateLimiter {
    /// A limiter over `redis`; its keys are `<prefix>limit:<key>`.
    #[must_use]
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    async fn decide(&self, key: &str, quota: Quota, hit: bool) -> Result<Standing, LimiterError> {
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let interval = quota.interval();
        let burst = interval * quota.limit;
        let key = self.redis.key(&format!("limit:{key}"));
        let (allowed, remaining, used, retry): (i64, i64, i64, i64) = self
            .redis
            .run("counting a rate-limited hit", async |connection| {
                GCRA.key(&key)
                    .arg(micros(interval))
                    .arg(micros(burst))
                    .arg(u8::from(hit))
                    .invoke_async(connection)
                    .await
            })
            .await
            .map_err(unavailable)?;
        let duration = |micros: i64| Duration::from_micros(u64::try_from(micros).unwrap_or(0));
        Ok(Standing {
            allowed: allowed == 1,
            limit: quota.limit,
            remaining: u32::try_from(remaining.max(0))
                .unwrap_or(u32::MAX)
                .min(quota.limit),
            reset_after: duration(used),
            retry_after: duration(retry),
        })
    }
}

fn unavailable(error: RedisError) -> LimiterError {
    LimiterError {
        context: "asking Redis".to_owned(),
        source: Some(Box::new(error)),
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError> {
        self.decide(key, quota, true).await
    }

    async fn peek(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError> {
        self.decide(key, quota, false).await
    }
}
