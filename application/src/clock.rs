//! The real clock.

use chrono::{DateTime, SubsecRound, Utc};
use djcrm_domain::ports::Clock;

/// Reads the system clock, truncated to microseconds (see [`Clock::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
