//! Safe retries of requests that create: the first answer to a key is kept for a
//! day and replayed to the same request sent again with the same key.

use chrono::TimeDelta;
use djcrm_domain::ports::{IdempotencyRepository, Store};
use djcrm_domain::{DomainError, IdempotencyKey, RecordedResponse, Reservation};
use sha2::{Digest, Sha256};

use crate::Crm;

/// How long an answer is replayed.
pub const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// A reserved key, to record the answer under or to release.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    scope: String,
    key: IdempotencyKey,
}

impl<S: Store> Crm<S> {
    /// Claims `key` for the request `method path body` in `scope` (an
    /// organization, or a client address for signup), or says what an earlier
    /// request with that key found.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `Idempotency-Key` when the key is malformed.
    /// - [`DomainError::Storage`] when the store fails.
    pub async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(IdempotencyClaim, Reservation), DomainError> {
        let key = IdempotencyKey::parse(key)
            .map_err(|e| DomainError::invalid("Idempotency-Key", e.to_string()))?;
        let mut digest = Sha256::new();
        for part in [method.as_bytes(), b" ", path.as_bytes(), b"\n", body] {
            digest.update(part);
        }
        let fingerprint = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let now = self.clock.now();
        let reservation = self
            .store
            .idempotency()
            .reserve(scope, &key, &fingerprint, now, now - IDEMPOTENCY_WINDOW)
            .await?;
        let claim = IdempotencyClaim {
            scope: scope.to_owned(),
            key,
        };
        Ok((claim, reservation))
    }

    /// Records the answer to a claimed key, for its retries.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn record_idempotent_answer(
        &self,
        claim: &IdempotencyClaim,
        response: &RecordedResponse,
    ) -> Result<(), DomainError> {
        self.store
            .idempotency()
            .complete(&claim.scope, &claim.key, response)
            .await
    }

    /// Gives a claimed key up, so a retry is served afresh (the first attempt failed
    /// on the server's side).
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn release_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<(), DomainError> {
        self.store
            .idempotency()
            .release(&claim.scope, &claim.key)
            .await
    }
}
