//! The rate limits use cases apply themselves, because only they know what an
//! attempt was: failed logins per email, signups and password resets per email. (Limits per token and
//! per client address are the HTTP edge's.)

use std::time::Duration;

use djcrm_domain::DomainError;
use djcrm_domain::ports::{Quota, Standing, Store};

use crate::Crm;

/// The use cases' own limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failed logins one email may have per period; past it, logins for that email
    /// are refused (429) until the failures have aged out.
    pub login_failures: Quota,
    /// Signup attempts per email and period.
    pub signups_per_email: Quota,
    /// Password reset requests per email and period: each sends a mail.
    pub password_resets_per_email: Quota,
    /// Whether logins and signups go ahead when the limiter cannot answer (fail
    /// open) or are refused with 503 (fail closed, the default: a limiter that is
    /// down must not turn off brute-force protection).
    pub fail_open: bool,
}

impl Default for Limits {
    fn default() -> Self {
        let fifteen_minutes = Duration::from_secs(15 * 60);
        Self {
            login_failures: Quota::new(10, fifteen_minutes),
            signups_per_email: Quota::new(10, fifteen_minutes),
            password_resets_per_email: Quota::new(5, fifteen_minutes),
            fail_open: false,
        }
    }
}

/// The limiter key of a login or signup email: normalized so case and spaces do not
/// make a new key.
pub(crate) fn email_key(kind: &str, email: &str) -> String {
    format!("{kind}:{}", email.trim().to_lowercase())
}

impl<S: Store> Crm<S> {
    /// Refuses the attempt when `key` has used its `quota`; counts the attempt when
    /// `count`.
    pub(crate) async fn within_limit(
        &self,
        key: &str,
        quota: Quota,
        count: bool,
    ) -> Result<(), DomainError> {
        let standing = if count {
            self.limiter.hit(key, quota).await
        } else {
            self.limiter.peek(key, quota).await
        };
        match standing {
            Ok(Standing { allowed: true, .. }) => Ok(()),
            Ok(standing) => Err(DomainError::RateLimited {
                retry_after_seconds: whole_seconds(standing.retry_after),
            }),
            Err(error) if self.settings.limits.fail_open => {
                tracing::warn!(%error, "rate limiter unavailable; letting the attempt through");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "rate limiter unavailable; refusing the attempt");
                Err(DomainError::Busy {
                    what: "rate limiter",
                    retry_after_seconds: 5,
                })
            }
        }
    }

    /// Counts a failed attempt of `key`; a limiter failure here only loses a count.
    pub(crate) async fn count_failure(&self, key: &str, quota: Quota) {
        if let Err(error) = self.limiter.hit(key, quota).await {
            tracing::warn!(%error, "rate limiter unavailable; a failed attempt was not counted");
        }
    }
}

/// `duration` in whole seconds, rounded up, at least 1.
#[must_use]
pub fn whole_seconds(duration: Duration) -> u32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}
