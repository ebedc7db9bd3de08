//! A user's role in their organization.

use std::fmt;
use std::str::FromStr;

/// What a user may do in their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the organization; an organizer who cannot be removed.
    Owner,
    /// Manages agents, categories and every lead.
    Organizer,
    /// Works the leads assigned to them.
    Agent,
}

impl Role {
    /// Every role, for listings and parsers.
    pub const ALL: [Self; 3] = [Self::Owner, Self::Organizer, Self::Agent];

    /// True for roles that manage the whole organization.
    #[must_use]
    pub const fn is_organizer(self) -> bool {
        matches!(self, Self::Owner | Self::Organizer)
    }

    /// The stable lower-case name used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Organizer => "organizer",
            Self::Agent => "agent",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Role`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of owner, organizer, agent")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or(UnknownRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("admin".parse::<Role>(), Err(UnknownRole));
    }

    #[test]
    fn owners_and_organizers_manage_agents_do_not() {
        assert!(Role::Owner.is_organizer());
        assert!(Role::Organizer.is_organizer());
        assert!(!Role::Agent.is_organizer());
    }
}
