//! People who log in.

use chrono::{DateTime, Utc};

use crate::{Email, OrgId, PasswordHash, PersonName, Role, UserId};

/// Someone who can log in: the owner, an organizer or an agent of one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// The organization they belong to.
    pub org_id: OrgId,
    /// Their login; unique across all of DJ CRM.
    pub email: Email,
    /// How they are addressed.
    pub full_name: PersonName,
    /// What they may do.
    pub role: Role,
    /// False once deactivated: they can no longer log in.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

/// A user with their stored password hash, for login only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Their password hash (PHC string).
    pub password_hash: PasswordHash,
}
