//! Rate limits: how often one key (a token, a client address, an email) may do
//! something, counted in-process or in Redis, where every instance shares them.

use std::time::Duration;

/// How many hits a key may make per period. Hits are spread evenly (the generic
/// cell rate algorithm): a key may spend its whole `limit` at once, then earns one
/// hit back every `period / limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Hits allowed per period, at least 1.
    pub limit: u32,
    /// The period.
    pub period: Duration,
}

impl Quota {
    /// `limit` hits per `period` (a `limit` of 0 is taken as 1).
    #[must_use]
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit: limit.max(1),
            period,
        }
    }

    /// `limit` hits per minute.
    #[must_use]
    pub fn per_minute(limit: u32) -> Self {
        Self::new(limit, Duration::from_secs(60))
    }

    /// The time one hit takes to be earned back.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.period / self.limit
    }
}

/// Where a key stands against its quota, after a hit or a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Whether the hit was allowed (for a look: whether one would be).
    pub allowed: bool,
    /// The quota's limit.
    pub limit: u32,
    /// Hits left right now.
    pub remaining: u32,
    /// Until the key is back at its full limit.
    pub reset_after: Duration,
    /// Until the next hit is allowed; zero when one is allowed now.
    pub retry_after: Duration,
}

/// The state of a key: its theoretical arrival time, as a duration since an epoch
/// the limiter chose (so memory and Redis can share the arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tat(pub Duration);

/// The generic cell rate algorithm: where a key with state `tat` stands at `now`,
/// and its state after a hit if `hit` and the hit is allowed. The Redis limiter runs
/// the same arithmetic in a script.
#[must_use]
pub fn gcra(quota: Quota, tat: Tat, now: Duration, hit: bool) -> (Standing, Tat) {
    let interval = quota.interval();
    let burst = interval * quota.limit;
    let tat = tat.0.max(now);
    let after_hit = tat + interval;
    let allowed_at = after_hit.saturating_sub(burst);
    let allowed = allowed_at <= now;
    let (new_tat, last) = if hit && allowed {
        (after_hit, after_hit)
    } else {
        (tat, tat)
    };
    let used = last.saturating_sub(now);
    let remaining = if interval.is_zero() {
        quota.limit
    } else {
        let free = burst.saturating_sub(used);
        u32::try_from(free.as_nanos() / interval.as_nanos()).unwrap_or(u32::MAX)
    };
    let standing = Standing {
        allowed,
        limit: quota.limit,
        remaining: remaining.min(quota.limit),
        reset_after: used,
        retry_after: if allowed {
            Duration::ZERO
        } else {
            allowed_at - now
        },
    };
    (standing, Tat(new_tat))
}

/// Why a limiter could not answer.
#[derive(Debug, thiserror::Error)]
#[error("the rate limiter is unavailable: {context}")]
pub struct LimiterError {
    /// What it was doing.
    pub context: String,
    /// Why it failed.
    #[source]
    pub source: Option<crate::BoxError>,
}

/// Counts hits per key against quotas.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts a hit of `key` against `quota` if it is allowed, and says where the key
    /// stands.
    async fn hit(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError>;

    /// Where `key` stands against `quota`, without counting a hit.
    async fn peek(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn run(quota: Quota, hits: &[u64]) -> Vec<bool> {
        let mut tat = Tat::default();
        hits.iter()
            .map(|&at| {
                let (standing, next) = gcra(
                    quota,
                    tat,
                    SECOND * 1000 + SECOND * u32::try_from(at).unwrap_or(0),
                    true,
                );
                tat = next;
                standing.allowed
            })
            .collect()
    }

    #[test]
    fn a_key_may_spend_its_limit_at_once_then_waits_an_interval() {
        let quota = Quota::new(3, SECOND * 60);
        assert_eq!(
            run(quota, &[0, 0, 0, 0, 19, 20, 20]),
            [true, true, true, false, false, true, false]
        );
    }

    #[test]
    fn remaining_counts_down_and_reset_is_when_the_key_is_full_again() {
        let quota = Quota::new(3, SECOND * 60);
        let now = SECOND * 1000;
        let (first, tat) = gcra(quota, Tat::default(), now, true);
        assert_eq!((first.remaining, first.reset_after), (2, SECOND * 20));
        let (looked, same) = gcra(quota, tat, now, false);
        assert_eq!((looked.remaining, same), (2, tat));
        let (_, tat) = gcra(quota, tat, now, true);
        let (third, tat) = gcra(quota, tat, now, true);
        assert_eq!(
            (third.allowed, third.remaining, third.reset_after),
            (true, 0, SECOND * 60)
        );
        let (refused, _) = gcra(quota, tat, now, true);
        assert_eq!((refused.allowed, refused.retry_after), (false, SECOND * 20));
    }
}
