//! Password hashing with argon2id (OWASP/RFC 9106 default parameters), run on
//! tokio's blocking pool so a login never stalls the async workers.
//!
//! Each hash takes about 19 MiB and a core for tens of milliseconds, so hashing is
//! bounded: at most `concurrency` at once, the rest wait up to `wait` for a slot
//! and are then refused ([`DomainError::Busy`], a 503 with `Retry-After`). A burst
//! of logins queues instead of taking a thread and 19 MiB each.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::{PasswordHasher as _, PasswordVerifier as _};
use djcrm_domain::ports::PasswordHasher;
use djcrm_domain::{DomainError, Password, PasswordHash as StoredHash};
use tokio::sync::Semaphore;

/// The argon2id [`PasswordHasher`].
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Default for Argon2Hasher {
    /// One hash per core at a time; a caller waits up to two seconds for a slot.
    fn default() -> Self {
        Self::new(0, Duration::from_secs(2))
    }
}

impl Argon2Hasher {
    /// At most `concurrency` hashes at once (0: one per core); a caller waits up to
    /// `wait` for a slot.
    #[must_use]
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let slots = if concurrency == 0 { cores } else { concurrency };
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a slot is free.
    async fn bounded<T: Send + 'static>(
        &self,
        doing: &'static str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let busy = || DomainError::Busy {
            what: "password hashing",
            retry_after_seconds: 1,
        };
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await
        .map_err(|e| DomainError::internal(doing, Some(Box::new(e))))
    }
}

#[async_trait::async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<StoredHash, DomainError> {
        let secret = password.expose().to_owned();
        self.bounded("running the password hasher", move || {
            Argon2::default()
                .hash_password(secret.as_bytes())
                .map(|hash| StoredHash::new(hash.to_string()))
                .map_err(|e| DomainError::internal("hashing a password", Some(Box::new(e))))
        })
        .await?
    }

    async fn verify(&self, password: &str, hash: &StoredHash) -> Result<bool, DomainError> {
        let (secret, hash) = (password.to_owned(), hash.as_str().to_owned());
        self.bounded("running the password check", move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() -> Result<(), DomainError> {
        let password = Password::parse("correct horse battery")
            .map_err(|e| DomainError::invalid("p", e.to_string()))?;
        let hash = Argon2Hasher::default().hash(&password).await?;
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(
            Argon2Hasher::default()
                .verify("correct horse battery", &hash)
                .await?
        );
        assert!(
            !Argon2Hasher::default()
                .verify("wrong horse battery", &hash)
                .await?
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_hash_is_a_mismatch_not_an_error() -> Result<(), DomainError> {
        let malformed = StoredHash::new("not a hash".to_owned());
        assert!(
            !Argon2Hasher::default()
                .verify("anything at all", &malformed)
                .await?
        );
        Ok(())
    }

    #[tokio::test]
    async fn past_its_wait_a_caller_is_told_to_retry_instead_of_queueing_forever()
    -> Result<(), DomainError> {
        let password = Password::parse("correct horse battery")
            .map_err(|e| DomainError::invalid("p", e.to_string()))?;
        let hasher = Argon2Hasher::new(1, Duration::from_millis(1));
        let (first, second, third) = tokio::join!(
            hasher.hash(&password),
            hasher.hash(&password),
            hasher.hash(&password)
        );
        assert!(first.is_ok());
        let busy = [second, third]
            .into_iter()
            .filter(|r| matches!(r, Err(DomainError::Busy { .. })))
            .count();
        assert!(
            busy >= 1,
            "with one slot and no wait, a concurrent hash is refused"
        );
        Ok(())
    }
}
