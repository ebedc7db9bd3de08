//! Password hashing with argon2id (OWASP/RFC 9106 default parameters), run on
//! tokio's blocking pool so a login never stalls the async workers.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::{PasswordHasher as _, PasswordVerifier as _};
use djcrm_domain::ports::PasswordHasher;
use djcrm_domain::{DomainError, Password, PasswordHash as StoredHash};

/// The argon2id [`PasswordHasher`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Argon2Hasher;

#[async_trait::async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<StoredHash, DomainError> {
        let secret = password.expose().to_owned();
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(secret.as_bytes())
                .map(|hash| StoredHash::new(hash.to_string()))
                .map_err(|e| DomainError::internal("hashing a password", Some(Box::new(e))))
        })
        .await
        .map_err(|e| DomainError::internal("running the password hasher", Some(Box::new(e))))?
    }

    async fn verify(&self, password: &str, hash: &StoredHash) -> Result<bool, DomainError> {
        let (secret, hash) = (password.to_owned(), hash.as_str().to_owned());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .map_err(|e| DomainError::internal("running the password check", Some(Box::new(e))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() -> Result<(), DomainError> {
        let password = Password::parse("correct horse battery")
            .map_err(|e| DomainError::invalid("p", e.to_string()))?;
        let hash = Argon2Hasher.hash(&password).await?;
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(Argon2Hasher.verify("correct horse battery", &hash).await?);
        assert!(!Argon2Hasher.verify("wrong horse battery", &hash).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_hash_is_a_mismatch_not_an_error() -> Result<(), DomainError> {
        let malformed = StoredHash::new("not a hash".to_owned());
        assert!(!Argon2Hasher.verify("anything at all", &malformed).await?);
        Ok(())
    }
}
