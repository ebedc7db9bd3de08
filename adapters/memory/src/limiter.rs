//! The in-process [`RateLimiter`]: the generic cell rate algorithm over a map of
//! keys, swept of keys that are back at their full limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use djcrm_domain::ports::{LimiterError, Quota, RateLimiter, Standing, Tat, gcra};

/// Sweep the map of idle keys every this many hits, so it stays as large as the
/// set of keys active in the last period.
const SWEEP_EVERY: u32 = 4096;

/// Rate limits counted in this process.
#[derive(Debug)]
pub struct MemoryRateLimiter {
    epoch: Instant,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<String, Tat>,
    hits_since_sweep: u32,
}

impl Default for MemoryRateLimiter {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            state: Mutex::new(State::default()),
        }
    }
}

impl MemoryRateLimiter {
    /// An empty limiter.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn decide(&self, key: &str, quota: Quota, hit: bool) -> Result<Standing, LimiterError> {
        let now = self.epoch.elapsed();
        let mut state = self.state.lock().map_err(|_| LimiterError {
            context: "the limiter's lock was poisoned by a panic".to_owned(),
            source: None,
        })?;
        let tat = state.keys.get(key).copied().unwrap_or_default();
        let (standing, next) = gcra(quota, tat, now, hit);
        if hit {
            if next != tat {
                state.keys.insert(key.to_owned(), next);
            }
            state.hits_since_sweep += 1;
            if state.hits_since_sweep >= SWEEP_EVERY {
                // A key whose arrival time has passed is at its full limit: the same
                // as absent.
                state.keys.retain(|_, tat| tat.0 > now);
                state.hits_since_sweep = 0;
            }
        }
        Ok(standing)
    }

    /// How many keys are tracked (for tests of the sweep).
    #[must_use]
    pub fn tracked_keys(&self) -> usize {
        self.state.lock().map_or(0, |state| state.keys.len())
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError> {
        self.decide(key, quota, true)
    }

    async fn peek(&self, key: &str, quota: Quota) -> Result<Standing, LimiterError> {
        self.decide(key, quota, false)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn keys_back_at_their_limit_are_swept() {
        let limiter = MemoryRateLimiter::new();
        let quota = Quota::new(1000, Duration::from_millis(1));
        for i in 0..SWEEP_EVERY {
            let _ = limiter.hit(&format!("k{i}"), quota).await;
        }
        std::thread::sleep(Duration::from_millis(5));
        for _ in 0..SWEEP_EVERY {
            let _ = limiter.hit("busy", quota).await;
        }
        assert!(limiter.tracked_keys() <= 1, "{}", limiter.tracked_keys());
    }
}
