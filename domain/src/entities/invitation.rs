//! Invitations: an organizer asks someone by mail to join as an agent.

use chrono::{DateTime, Utc};

use crate::{Email, InvitationId, OrgId, PersonName, TokenHash, UserId};

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Sent and waiting for the invitee.
    Pending,
    /// The invitee joined.
    Accepted,
    /// An organizer withdrew it.
    Revoked,
    /// Nobody accepted it in time.
    Expired,
}

/// An invitation to join an organization as an agent. Its token is single-use and
/// expires; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The organization the invitee would join.
    pub org_id: OrgId,
    /// Whom it was sent to.
    pub email: Email,
    /// How to address them; their name as an agent.
    pub full_name: PersonName,
    /// Who invited (`None`: an operator).
    pub invited_by: Option<UserId>,
    /// The hash of the current token (a resend replaces it).
    pub token_hash: TokenHash,
    /// When it was first sent.
    pub created_at: DateTime<Utc>,
    /// When it was last sent.
    pub sent_at: DateTime<Utc>,
    /// After this instant its token no longer works.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Invitation {
    /// Where it stands at `now`.
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// Whether it can still be resent, revoked or accepted: neither accepted nor
    /// revoked (an expired one can be resent, which renews it).
    #[must_use]
    pub const fn is_open(&self) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none()
    }
}

/// A request to reset a forgotten password: a single-use token that expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// Its id.
    pub id: crate::ResetId,
    /// The organization of the user.
    pub org_id: OrgId,
    /// Whose password it resets.
    pub user_id: UserId,
    /// The hash of its token.
    pub token_hash: TokenHash,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// After this instant its token no longer works.
    pub expires_at: DateTime<Utc>,
    /// When it was used; a used request cannot be used again.
    pub used_at: Option<DateTime<Utc>>,
}

impl PasswordReset {
    /// Whether its token still works at `now`.
    #[must_use]
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn invitation(now: DateTime<Utc>) -> Invitation {
        Invitation {
            id: InvitationId::new(),
            org_id: OrgId::new(),
            email: Email::parse("ivy@example.test").expect("an email"),
            full_name: PersonName::parse("Ivy").expect("a name"),
            invited_by: None,
            token_hash: TokenHash::from_hex("00".into()),
            created_at: now,
            sent_at: now,
            expires_at: now + TimeDelta::days(7),
            accepted_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn an_invitation_is_pending_until_it_expires() {
        let now = Utc::now();
        let invitation = invitation(now);
        assert_eq!(invitation.state(now), InvitationState::Pending);
        assert_eq!(
            invitation.state(now + TimeDelta::days(7)),
            InvitationState::Expired
        );
        assert!(invitation.is_open());
    }

    #[test]
    fn acceptance_and_revocation_close_it() {
        let now = Utc::now();
        let mut accepted = invitation(now);
        accepted.accepted_at = Some(now);
        assert_eq!(accepted.state(now), InvitationState::Accepted);
        assert!(!accepted.is_open());
        let mut revoked = invitation(now);
        revoked.revoked_at = Some(now);
        assert_eq!(revoked.state(now), InvitationState::Revoked);
        assert!(!revoked.is_open());
    }
}
