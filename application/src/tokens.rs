//! Bearer token secrets: generated here, shown to the user once, stored only as a hash.

use djcrm_domain::{DomainError, TokenHash};
use sha2::{Digest, Sha256};

/// The prefix of every token, so secret scanners and people can recognise one.
pub const TOKEN_PREFIX: &str = "djcrm_";

/// A fresh random secret: the prefix and 32 random bytes in hex (256 bits).
///
/// # Errors
/// [`DomainError::Internal`] when the operating system has no randomness to give.
pub fn generate_secret() -> Result<String, DomainError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::internal("drawing randomness", Some(e.to_string().into())))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

/// The stored form of a secret: its SHA-256, hex. A fast hash is right here: the
/// secret has 256 bits of entropy, so there is nothing to brute-force.
#[must_use]
pub fn hash_secret(secret: &str) -> TokenHash {
    TokenHash::from_hex(hex(&Sha256::digest(secret.as_bytes())))
}

/// `bytes` as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_long_and_distinct() -> Result<(), DomainError> {
        let (a, b) = (generate_secret()?, generate_secret()?);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        Ok(())
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
