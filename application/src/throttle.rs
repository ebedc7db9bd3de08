//! Warnings about an outage, at most one per interval: a dependency that is down
//! fails every request, and one line every 30 seconds says as much as thousands.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::Utc;

/// Lets one event through per interval.
#[derive(Debug)]
pub struct Throttle {
    seconds: i64,
    last: AtomicI64,
}

impl Throttle {
    /// At most one event every `seconds`.
    #[must_use]
    pub const fn every(seconds: i64) -> Self {
        Self {
            seconds,
            last: AtomicI64::new(0),
        }
    }

    /// Whether this event may be logged: the first of its interval.
    pub fn allow(&self) -> bool {
        let now = Utc::now().timestamp();
        let last = self.last.load(Ordering::Relaxed);
        now >= last + self.seconds
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_interval_gets_through() {
        let throttle = Throttle::every(3600);
        assert!(throttle.allow());
        assert!(!throttle.allow());
    }
}
