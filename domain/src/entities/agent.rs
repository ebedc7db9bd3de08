//! Agents: the users who work leads.

use chrono::{DateTime, Utc};

use crate::{AgentId, Email, OrgId, PersonName, Role, User, UserId};

/// The agent profile of a user of role agent, with that user's name and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The profile's id; leads are assigned to it.
    pub id: AgentId,
    /// The organization.
    pub org_id: OrgId,
    /// The user behind the profile.
    pub user_id: UserId,
    /// The user's email.
    pub email: Email,
    /// The user's name.
    pub full_name: PersonName,
    /// False once deactivated: cannot log in or receive leads.
    pub active: bool,
    /// When the agent was added.
    pub created_at: DateTime<Utc>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}

impl Agent {
    /// The user account behind the profile (role agent).
    #[must_use]
    pub fn user(&self) -> User {
        User {
            id: self.user_id,
            org_id: self.org_id,
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            role: Role::Agent,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// How one agent is doing, over the leads currently assigned to them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentPerformance {
    /// The agent.
    pub agent_id: AgentId,
    /// Leads assigned to the agent.
    pub assigned: u64,
    /// Of those, leads that have been contacted at least once.
    pub contacted: u64,
    /// Of those, leads converted into customers.
    pub converted: u64,
    /// The mean time from a lead's creation to its first contact, in seconds, over
    /// the contacted leads; `None` when none has been contacted yet.
    pub avg_seconds_to_first_contact: Option<f64>,
}

impl AgentPerformance {
    /// Converted over assigned, 0 when nothing is assigned.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn conversion_rate(&self) -> f64 {
        if self.assigned == 0 {
            0.0
        } else {
            self.converted as f64 / self.assigned as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perf(assigned: u64, converted: u64) -> AgentPerformance {
        AgentPerformance {
            agent_id: AgentId::new(),
            assigned,
            contacted: assigned,
            converted,
            avg_seconds_to_first_contact: None,
        }
    }

    #[test]
    fn conversion_rate_is_converted_over_assigned() {
        assert!((perf(4, 1).conversion_rate() - 0.25).abs() < f64::EPSILON);
    }

    #[test]
    fn conversion_rate_of_an_idle_agent_is_zero() {
        assert!(perf(0, 0).conversion_rate().abs() < f64::EPSILON);
    }
}
