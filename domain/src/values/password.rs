//! Passwords, before hashing.

use std::fmt;

/// Why a string is not an acceptable [`Password`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`Password::MIN_CHARS`].
    #[error("must be at least 10 characters")]
    TooShort,
    /// Longer than [`Password::MAX_CHARS`] (bounds the hashing cost).
    #[error("must be at most 1024 characters")]
    TooLong,
}

/// A new password: at least 10 and at most 1024 characters, with no composition
/// rules (NIST SP 800-63B). Never printed: `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest accepted password, in characters.
    pub const MIN_CHARS: usize = 10;
    /// The longest accepted password, in characters.
    pub const MAX_CHARS: usize = 1024;

    /// Checks `raw` against the policy. Whitespace is kept: it is part of the secret.
    ///
    /// # Errors
    /// [`PasswordError`] when `raw` is too short or too long.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    /// The secret itself, for the hasher.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A stored password hash (PHC string). Never printed, never put in an event.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a hasher or read from storage.
    #[must_use]
    pub const fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for the hasher and the store.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_characters_of_anything_is_enough() {
        assert!(Password::parse("aaaaaaaaaa").is_ok());
        assert_eq!(Password::parse("aaaaaaaaa"), Err(PasswordError::TooShort));
    }

    #[test]
    fn the_secret_is_never_printed() {
        let password = Password::parse("correct horse battery").expect("valid");
        assert_eq!(format!("{password:?} {password}"), "Password(***) ***");
    }
}
