//! Safe retries of requests that create: the first answer to a key is kept for a
//! day and replayed to the same request sent again with the same key.
//!
//! The store never holds what a retry needs in clear: a key is kept as its SHA-256,
//! and the recorded body (which, for signup, carries a bearer token) is sealed with
//! ChaCha20-Poly1305 under a key derived from the client's key. Only a client that
//! knows the key can have the answer replayed, and a copy of the store reveals no
//! token.

use chrono::TimeDelta;
use djcrm_domain::ports::{IdempotencyRepository, Store};
use djcrm_domain::{DomainError, IdempotencyKey, RecordedResponse, Reservation};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

use crate::Crm;
use crate::tokens::hex;

/// How long an answer is replayed.
pub const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// Whose keys these are and who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope {
    /// The namespace of keys: an organization, or a client address for signup.
    pub owner: String,
    /// Who sent the request (a user, or empty for signup): the same key and body
    /// from another member of the organization is another request, never a replay
    /// of an answer meant for someone else.
    pub caller: String,
}

/// A reserved key, to record the answer under or to release.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    owner: String,
    /// The key as stored: the SHA-256 of the client's key.
    stored: IdempotencyKey,
    /// The key that seals the recorded body, derived from the client's key.
    seal: [u8; 32],
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    hex(&digest.finalize())
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn sealing_key(seal: &[u8; 32]) -> Result<LessSafeKey, DomainError> {
    UnboundKey::new(&CHACHA20_POLY1305, seal)
        .map(LessSafeKey::new)
        .map_err(|_| DomainError::internal("deriving the idempotency sealing key", None))
}

/// `body` sealed under the claim's key, as hex of nonce then ciphertext and tag.
fn seal(claim: &IdempotencyClaim, body: &str) -> Result<String, DomainError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce)
        .map_err(|_| DomainError::internal("drawing a nonce for an idempotent answer", None))?;
    let mut sealed = body.as_bytes().to_vec();
    sealing_key(&claim.seal)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(claim.owner.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| DomainError::internal("sealing an idempotent answer", None))?;
    Ok(hex(&[nonce.as_slice(), &sealed].concat()))
}

/// The body `seal` sealed, or `None` if it was not sealed under this claim's key.
fn open(claim: &IdempotencyClaim, sealed: &str) -> Option<String> {
    let bytes = hex_decode(sealed)?;
    let (nonce, ciphertext) = bytes.split_at_checked(NONCE_LEN)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut in_out = ciphertext.to_vec();
    let plain = sealing_key(&claim.seal)
        .ok()?
        .open_in_place(nonce, Aad::from(claim.owner.as_bytes()), &mut in_out)
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

impl<S: Store> Crm<S> {
    /// Claims `key` for the request `method path body` in `scope`, or says what an
    /// earlier request with that key found.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `Idempotency-Key` when the key is malformed.
    /// - [`DomainError::Storage`] when the store fails.
    pub async fn claim_idempotency_key(
        &self,
        scope: &IdempotencyScope,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(IdempotencyClaim, Reservation), DomainError> {
        let key = IdempotencyKey::parse(key)
            .map_err(|e| DomainError::invalid("Idempotency-Key", e.to_string()))?;
        let stored = IdempotencyKey::parse(&sha256_hex(&[b"key\n", key.as_str().as_bytes()]))
            .map_err(|_| DomainError::internal("hashing an idempotency key", None))?;
        let mut seal = [0u8; 32];
        seal.copy_from_slice(&Sha256::digest(
            [b"seal\n".as_slice(), key.as_str().as_bytes()].concat(),
        ));
        let fingerprint = sha256_hex(&[
            scope.caller.as_bytes(),
            b"\n",
            method.as_bytes(),
            b" ",
            path.as_bytes(),
            b"\n",
            body,
        ]);
        let now = self.clock.now();
        let claim = IdempotencyClaim {
            owner: scope.owner.clone(),
            stored,
            seal,
        };
        let reservation = self
            .store
            .idempotency()
            .reserve(
                &claim.owner,
                &claim.stored,
                &fingerprint,
                now,
                now - IDEMPOTENCY_WINDOW,
            )
            .await?;
        let reservation = match reservation {
            Reservation::Replay(recorded) => {
                let body = open(&claim, &recorded.body).ok_or_else(|| {
                    DomainError::internal("opening a recorded idempotent answer", None)
                })?;
                Reservation::Replay(RecordedResponse { body, ..recorded })
            }
            other => other,
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
        let sealed = RecordedResponse {
            body: seal(claim, &response.body)?,
            ..response.clone()
        };
        self.store
            .idempotency()
            .complete(&claim.owner, &claim.stored, &sealed)
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
            .release(&claim.owner, &claim.stored)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(owner: &str, key: &[u8]) -> IdempotencyClaim {
        let mut seal = [0u8; 32];
        seal.copy_from_slice(&Sha256::digest(key));
        IdempotencyClaim {
            owner: owner.to_owned(),
            stored: IdempotencyKey::parse("k").unwrap_or_else(|_| unreachable!()),
            seal,
        }
    }

    #[test]
    fn a_sealed_answer_opens_with_its_key_only() {
        let sealed = seal(&claim("org:1", b"a"), r#"{"token":"secret"}"#).unwrap_or_default();
        assert!(!sealed.contains("secret"));
        assert_eq!(
            open(&claim("org:1", b"a"), &sealed).as_deref(),
            Some(r#"{"token":"secret"}"#)
        );
        assert_eq!(open(&claim("org:1", b"b"), &sealed), None);
        assert_eq!(
            open(&claim("org:2", b"a"), &sealed),
            None,
            "bound to its owner"
        );
    }
}
