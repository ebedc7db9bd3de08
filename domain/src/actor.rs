//! Who is asking. Every use case takes an [`Actor`] first; it carries the tenant,
//! so no use case can forget which organization it works in.

use chrono::{DateTime, Utc};

use crate::{AgentId, OrgId, Role, UserId};

/// The authenticated caller of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The calling user.
    pub user_id: UserId,
    /// The organization the user belongs to: the only tenant they can touch.
    pub org_id: OrgId,
    /// What the user may do.
    pub role: Role,
    /// The agent profile, for users of role agent.
    pub agent_id: Option<AgentId>,
}

impl Actor {
    /// True for owners and organizers, who manage the whole organization.
    #[must_use]
    pub const fn is_organizer(&self) -> bool {
        self.role.is_organizer()
    }
}

/// What a live bearer token stands for: its caller, until it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// Who the token authenticates.
    pub actor: Actor,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}
