//! Leads: prospective customers moving through the pipeline.

use chrono::{DateTime, Utc};

use crate::{AgentId, CategoryId, Description, DomainError, Email, LeadId, LeadStatus, OrgId};
use crate::{PersonName, PhoneNumber};

/// A prospective customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// Its id.
    pub id: LeadId,
    /// The organization.
    pub org_id: OrgId,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email, if known.
    pub email: Option<Email>,
    /// Phone, if known.
    pub phone: Option<PhoneNumber>,
    /// Free text about the lead.
    pub description: Option<Description>,
    /// Where it stands in the pipeline.
    pub status: LeadStatus,
    /// Its category, if any.
    pub category_id: Option<CategoryId>,
    /// The agent working it, if any.
    pub agent_id: Option<AgentId>,
    /// Bumped by every change; the HTTP `ETag` is built from it.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was first contacted, once it has been.
    pub first_contacted_at: Option<DateTime<Utc>>,
}

impl Lead {
    /// Moves the lead along the pipeline at `now`.
    ///
    /// # Errors
    /// [`DomainError::InvalidTransition`] when the pipeline does not allow the move.
    pub fn transition(
        &mut self,
        to: LeadStatus,
        now: DateTime<Utc>,
    ) -> Result<LeadStatus, DomainError> {
        let from = self.status;
        if !from.can_transition_to(to) {
            return Err(DomainError::InvalidTransition { from, to });
        }
        self.status = to;
        if to.has_been_contacted() && self.first_contacted_at.is_none() {
            self.first_contacted_at = Some(now);
        }
        self.touch(now);
        Ok(from)
    }

    /// Marks a change at `now`: bumps the version and the update time.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = now;
    }

    /// Seconds from creation to first contact, once contacted.
    #[must_use]
    pub fn seconds_to_first_contact(&self) -> Option<i64> {
        self.first_contacted_at
            .map(|at| (at - self.created_at).num_seconds().max(0))
    }
}

/// Which leads a listing returns. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    /// Only leads in this status.
    pub status: Option<LeadStatus>,
    /// Only leads in this category.
    pub category_id: Option<CategoryId>,
    /// Only leads assigned to this agent.
    pub agent_id: Option<AgentId>,
    /// Only leads whose first name, last name or email contains this text, ignoring case.
    pub query: Option<String>,
}

/// How many live leads an organization has in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineCounts {
    /// Status `new`.
    pub new: u64,
    /// Status `contacted`.
    pub contacted: u64,
    /// Status `qualified`.
    pub qualified: u64,
    /// Status `converted`.
    pub converted: u64,
    /// Status `lost`.
    pub lost: u64,
}

impl PipelineCounts {
    /// Adds `count` leads of `status`.
    pub fn add(&mut self, status: LeadStatus, count: u64) {
        let slot = match status {
            LeadStatus::New => &mut self.new,
            LeadStatus::Contacted => &mut self.contacted,
            LeadStatus::Qualified => &mut self.qualified,
            LeadStatus::Converted => &mut self.converted,
            LeadStatus::Lost => &mut self.lost,
        };
        *slot += count;
    }

    /// All live leads.
    #[must_use]
    pub const fn total(&self) -> u64 {
        self.new + self.contacted + self.qualified + self.converted + self.lost
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn lead(now: DateTime<Utc>) -> Lead {
        Lead {
            id: LeadId::new(),
            org_id: OrgId::new(),
            first_name: PersonName::parse("Ada").expect("valid"),
            last_name: PersonName::parse("Lovelace").expect("valid"),
            email: None,
            phone: None,
            description: None,
            status: LeadStatus::New,
            category_id: None,
            agent_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
            first_contacted_at: None,
        }
    }

    #[test]
    fn first_contact_is_recorded_once() {
        let created = Utc::now();
        let mut lead = lead(created);
        let contacted = created + TimeDelta::seconds(90);
        lead.transition(LeadStatus::Contacted, contacted)
            .expect("allowed");
        lead.transition(LeadStatus::Lost, contacted + TimeDelta::hours(1))
            .expect("allowed");
        lead.transition(LeadStatus::Contacted, contacted + TimeDelta::hours(2))
            .expect("allowed");
        assert_eq!(lead.first_contacted_at, Some(contacted));
        assert_eq!(lead.seconds_to_first_contact(), Some(90));
        assert_eq!(lead.version, 4);
    }

    #[test]
    fn an_illegal_move_changes_nothing() {
        let now = Utc::now();
        let mut lead = lead(now);
        let before = lead.clone();
        let err = lead
            .transition(LeadStatus::Converted, now)
            .expect_err("skips stages");
        assert!(matches!(
            err,
            DomainError::InvalidTransition {
                from: LeadStatus::New,
                to: LeadStatus::Converted
            }
        ));
        assert_eq!(lead, before);
    }

    #[test]
    fn pipeline_counts_add_up() {
        let mut counts = PipelineCounts::default();
        counts.add(LeadStatus::New, 3);
        counts.add(LeadStatus::Lost, 2);
        assert_eq!(counts.total(), 5);
        assert_eq!(counts.lost, 2);
    }
}
