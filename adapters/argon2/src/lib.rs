//! Password hashing with argon2id, on threads of its own so a login never stalls the
//! async workers. New hashes use OWASP's low-memory equivalent of its default
//! (7 MiB, 5 passes, 1 lane, as strong as 19 MiB with 2 passes), so a server under a
//! burst of logins holds less; stored hashes keep the parameters they name.
//!
//! Each hash takes its memory and a core for tens of milliseconds, so hashing is
//! bounded: `concurrency` threads hash, one password each at a time; a caller
//! waits up to `wait` for one and is then refused ([`DomainError::Busy`], a 503
//! with `Retry-After`). The threads are fixed, not tokio's blocking pool: the
//! allocator keeps a hash's memory in the arena of the thread that freed it, so
//! memory stays bounded by `concurrency` after a burst instead of growing with every
//! thread that ever hashed (measured: 128 concurrent logins left 2.4 GiB resident on
//! the blocking pool).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use argon2::{PasswordHasher as _, PasswordVerifier as _};
use djcrm_domain::ports::PasswordHasher;
use djcrm_domain::{DomainError, Password, PasswordHash as StoredHash};
use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// The parameters of new hashes: OWASP's "m=7168 (7 MiB), t=5, p=1".
pub const MEMORY_KIB: u32 = 7 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 5;

/// The hasher of new passwords.
fn argon2() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None)
        .map_err(|e| DomainError::internal("setting the argon2 parameters", Some(Box::new(e))))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The argon2id [`PasswordHasher`].
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    wait: Duration,
}

impl Default for Argon2Hasher {
    /// One hashing thread per core; a caller waits up to two seconds for one.
    fn default() -> Self {
        Self::new(0, Duration::from_secs(2))
    }
}

impl Argon2Hasher {
    /// `concurrency` hashing threads (0: one per core); a caller waits up to `wait`
    /// for one. The threads end when the last clone of the hasher is dropped.
    #[must_use]
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let threads = if concurrency == 0 { cores } else { concurrency };
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self {
            slots: Arc::new(Semaphore::new(threads)),
            jobs,
            wait,
        }
    }

    /// Runs `work` on a hashing thread once one is free.
    async fn bounded<T: Send + 'static>(
        &self,
        doing: &'static str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let busy = || DomainError::Busy {
            what: "password hashing",
            retry_after_seconds: 1,
        };
        let queued = std::time::Instant::now();
        let slot = tokio::time::timeout(self.wait, self.slots.acquire()).await;
        metrics::histogram!("djcrm_password_hash_wait_seconds")
            .record(queued.elapsed().as_secs_f64());
        let _slot = slot
            .map_err(|_| {
                metrics::counter!("djcrm_password_hash_refused_total").increment(1);
                busy()
            })?
            .map_err(|_| busy())?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| DomainError::internal(doing, None))?;
        result
            .await
            .map_err(|e| DomainError::internal(doing, Some(Box::new(e))))
    }
}

#[async_trait::async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<StoredHash, DomainError> {
        let secret = password.expose().to_owned();
        self.bounded("running the password hasher", move || {
            argon2()?
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
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=7168,t=5,p=1$"),
            "{}",
            hash.as_str()
        );
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
