//! Invitations of agents and password resets.

use chrono::{DateTime, TimeZone, Utc};
use djcrm_domain::{Invitation, InvitationState};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

/// Where an invitation stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum InvitationStateDto {
    /// Sent and waiting for the invitee.
    Pending,
    /// The invitee joined.
    Accepted,
    /// Withdrawn.
    Revoked,
    /// Nobody accepted it in time; resend it to renew it.
    Expired,
}

impl From<InvitationState> for InvitationStateDto {
    fn from(state: InvitationState) -> Self {
        match state {
            InvitationState::Pending => Self::Pending,
            InvitationState::Accepted => Self::Accepted,
            InvitationState::Revoked => Self::Revoked,
            InvitationState::Expired => Self::Expired,
        }
    }
}

/// Whom to invite as an agent.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(example)]
pub struct InviteBody {
    /// Where the invitation goes; the agent's login once they join.
    #[oai(validator(
        max_length = 254,
        pattern = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
    ))]
    pub email: String,
    /// The agent's name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub full_name: String,
}

/// An invitation (its token is only ever in the mail).
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct InvitationBody {
    /// Its id.
    pub id: Uuid,
    /// Whom it was sent to.
    pub email: String,
    /// Their name as an agent.
    pub full_name: String,
    /// Where it stands.
    pub state: InvitationStateDto,
    /// Who invited.
    pub invited_by: Option<Uuid>,
    /// When it was first sent.
    pub created_at: DateTime<Utc>,
    /// When it was last sent.
    pub sent_at: DateTime<Utc>,
    /// When its token stops working.
    pub expires_at: DateTime<Utc>,
}

impl InvitationBody {
    /// The invitation as it stands at `now`.
    #[must_use]
    pub fn at(invitation: Invitation, now: DateTime<Utc>) -> Self {
        Self {
            id: invitation.id.as_uuid(),
            state: invitation.state(now).into(),
            email: invitation.email.as_str().to_owned(),
            full_name: invitation.full_name.into_inner(),
            invited_by: invitation.invited_by.map(|u| u.as_uuid()),
            created_at: invitation.created_at,
            sent_at: invitation.sent_at,
            expires_at: invitation.expires_at,
        }
    }
}

/// A page of invitations.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct InvitationPage {
    /// The invitations, newest first.
    pub items: Vec<InvitationBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An invitee's answer.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(example)]
pub struct AcceptInvitationBody {
    /// The token from the invitation mail.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub token: String,
    /// The password to log in with, at least 10 characters.
    #[oai(validator(min_length = 10, max_length = 1024))]
    pub password: String,
}

/// Whose password to reset.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(example)]
pub struct PasswordResetBody {
    /// The account's email.
    #[oai(validator(
        max_length = 254,
        pattern = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
    ))]
    pub email: String,
}

/// A new password, with the token from the reset mail.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(example)]
pub struct ConfirmPasswordResetBody {
    /// The token from the reset mail.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub token: String,
    /// The new password, at least 10 characters.
    #[oai(validator(min_length = 10, max_length = 1024))]
    pub password: String,
}

const INVITATION: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c08);
const OWNER: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c02);
const TOKEN: &str = "djcrm_9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a";

fn sent_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

impl Example for InviteBody {
    fn example() -> Self {
        Self {
            email: "grace@acme.example".to_owned(),
            full_name: "Grace Hopper".to_owned(),
        }
    }
}

impl Example for InvitationBody {
    fn example() -> Self {
        Self {
            id: INVITATION,
            email: "grace@acme.example".to_owned(),
            full_name: "Grace Hopper".to_owned(),
            state: InvitationStateDto::Pending,
            invited_by: Some(OWNER),
            created_at: sent_at(),
            sent_at: sent_at(),
            expires_at: sent_at() + chrono::Duration::days(7),
        }
    }
}

impl Example for AcceptInvitationBody {
    fn example() -> Self {
        Self {
            token: TOKEN.to_owned(),
            password: "correct horse battery".to_owned(),
        }
    }
}

impl Example for PasswordResetBody {
    fn example() -> Self {
        Self {
            email: "ada@acme.example".to_owned(),
        }
    }
}

impl Example for ConfirmPasswordResetBody {
    fn example() -> Self {
        Self {
            token: TOKEN.to_owned(),
            password: "a new long passphrase".to_owned(),
        }
    }
}

impl Example for InvitationPage {
    fn example() -> Self {
        Self {
            items: vec![InvitationBody::example()],
            next_cursor: None,
        }
    }
}
