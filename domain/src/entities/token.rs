//! API tokens.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::{OrgId, TokenId, UserId};

/// The SHA-256 of a bearer token, in lower-case hex. Only this is stored: a leaked
/// database does not leak usable tokens.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hash computed elsewhere (the application hashes; storage reads back).
    #[must_use]
    pub const fn from_hex(hex: String) -> Self {
        Self(hex)
    }

    /// The hex digest.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to tell tokens apart in logs.
        write!(f, "TokenHash({}…)", self.0.get(..8).unwrap_or(""))
    }
}

/// A bearer token issued to a user at signup or login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id.
    pub id: TokenId,
    /// The organization of its user.
    pub org_id: OrgId,
    /// Whom it authenticates.
    pub user_id: UserId,
    /// The hash of the secret.
    pub hash: TokenHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// After this instant it no longer authenticates.
    pub expires_at: DateTime<Utc>,
}
