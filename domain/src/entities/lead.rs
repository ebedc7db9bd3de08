//! Leads: prospective customers moving through the pipeline.

use chrono::{DateTime, Utc};

use crate::{AgentId, CategoryId, Description, DomainError, Email, LeadId, LeadStatus, OrgId};
use crate::{PersonName, PhoneNumber, SearchQuery};

/// A prospective customer.
///
/// Its status, version and first-contact time change only through its methods, so
/// every change bumps the version exactly once and the pipeline rules always hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Its category, if any.
    pub category_id: Option<CategoryId>,
    /// The agent working it, if any.
    pub agent_id: Option<AgentId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    status: LeadStatus,
    version: i64,
    updated_at: DateTime<Utc>,
    first_contacted_at: Option<DateTime<Utc>>,
}

/// A lead as a store keeps it, for [`Lead::restore`].
#[derive(Debug, Clone)]
pub struct StoredLead {
    /// The details a lead is created with.
    pub lead: Lead,
    /// Its stored status.
    pub status: LeadStatus,
    /// Its stored version.
    pub version: i64,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was first contacted.
    pub first_contacted_at: Option<DateTime<Utc>>,
}

/// A field of a lead that an edit can change, named as in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadField {
    /// `first_name`.
    FirstName,
    /// `last_name`.
    LastName,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `description`.
    Description,
    /// `category_id`.
    CategoryId,
}

impl LeadField {
    /// The field's name, as in the API and in storage.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Description => "description",
            Self::CategoryId => "category_id",
        }
    }

    /// The field named `name`, if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::FirstName,
            Self::LastName,
            Self::Email,
            Self::Phone,
            Self::Description,
            Self::CategoryId,
        ]
        .into_iter()
        .find(|field| field.as_str() == name)
    }
}

/// Changes to a lead's details: `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadEdit {
    /// A new first name.
    pub first_name: Option<PersonName>,
    /// A new last name.
    pub last_name: Option<PersonName>,
    /// Email: keep, clear or set.
    pub email: Option<Option<Email>>,
    /// Phone: keep, clear or set.
    pub phone: Option<Option<PhoneNumber>>,
    /// Description: keep, clear or set.
    pub description: Option<Option<Description>>,
    /// Category: keep, clear or set.
    pub category_id: Option<Option<CategoryId>>,
}

impl Lead {
    /// A new lead in status `new`, version 1, created at `now`.
    #[must_use]
    pub fn new(
        id: LeadId,
        org_id: OrgId,
        first_name: PersonName,
        last_name: PersonName,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            org_id,
            first_name,
            last_name,
            email: None,
            phone: None,
            description: None,
            category_id: None,
            agent_id: None,
            created_at: now,
            status: LeadStatus::New,
            version: 1,
            updated_at: now,
            first_contacted_at: None,
        }
    }

    /// A lead read back from a store, exactly as it was written.
    #[must_use]
    pub fn restore(stored: StoredLead) -> Self {
        Self {
            status: stored.status,
            version: stored.version,
            updated_at: stored.updated_at,
            first_contacted_at: stored.first_contacted_at,
            ..stored.lead
        }
    }

    /// A lead brought in from another system already at `status`: an import
    /// records where a lead stands, it does not walk the pipeline. When it was
    /// first contacted is unknown, so it counts in no time-to-first-contact figure.
    #[must_use]
    pub const fn with_imported_status(mut self, status: LeadStatus) -> Self {
        self.status = status;
        self
    }

    /// Where it stands in the pipeline.
    #[must_use]
    pub const fn status(&self) -> LeadStatus {
        self.status
    }

    /// Bumped by every change; the HTTP `ETag` is built from it.
    #[must_use]
    pub const fn version(&self) -> i64 {
        self.version
    }

    /// When it last changed.
    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// When it was first contacted, once it has been.
    #[must_use]
    pub const fn first_contacted_at(&self) -> Option<DateTime<Utc>> {
        self.first_contacted_at
    }

    /// Moves the lead along the pipeline at `now`; returns the status it left.
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

    /// Applies `edit` at `now`; returns the fields that really changed (the version
    /// bumps only when one did).
    pub fn edit(&mut self, edit: LeadEdit, now: DateTime<Utc>) -> Vec<LeadField> {
        let mut changed = Vec::new();
        set(
            &mut self.first_name,
            edit.first_name,
            LeadField::FirstName,
            &mut changed,
        );
        set(
            &mut self.last_name,
            edit.last_name,
            LeadField::LastName,
            &mut changed,
        );
        set(&mut self.email, edit.email, LeadField::Email, &mut changed);
        set(&mut self.phone, edit.phone, LeadField::Phone, &mut changed);
        set(
            &mut self.description,
            edit.description,
            LeadField::Description,
            &mut changed,
        );
        set(
            &mut self.category_id,
            edit.category_id,
            LeadField::CategoryId,
            &mut changed,
        );
        if !changed.is_empty() {
            self.touch(now);
        }
        changed
    }

    /// Gives the lead to `agent` (or takes it back with `None`) at `now`; returns the
    /// previous agent when the assignment changed, `None` when it was already so.
    pub fn assign(
        &mut self,
        agent: Option<AgentId>,
        now: DateTime<Utc>,
    ) -> Option<Option<AgentId>> {
        if self.agent_id == agent {
            return None;
        }
        let previous = std::mem::replace(&mut self.agent_id, agent);
        self.touch(now);
        Some(previous)
    }

    /// Marks the lead's deletion at `now` (the store hides it from then on).
    pub fn delete(&mut self, now: DateTime<Utc>) {
        self.touch(now);
    }

    fn touch(&mut self, now: DateTime<Utc>) {
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

fn set<T: PartialEq>(slot: &mut T, new: Option<T>, field: LeadField, changed: &mut Vec<LeadField>) {
    if let Some(new) = new.filter(|new| new != slot) {
        *slot = new;
        changed.push(field);
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
    pub query: Option<SearchQuery>,
}

/// How many live leads an organization has in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        *self.slot(status) += count;
    }

    const fn slot(&mut self, status: LeadStatus) -> &mut u64 {
        match status {
            LeadStatus::New => &mut self.new,
            LeadStatus::Contacted => &mut self.contacted,
            LeadStatus::Qualified => &mut self.qualified,
            LeadStatus::Converted => &mut self.converted,
            LeadStatus::Lost => &mut self.lost,
        }
    }

    /// The leads in `status`.
    #[must_use]
    pub const fn of(&self, status: LeadStatus) -> u64 {
        match status {
            LeadStatus::New => self.new,
            LeadStatus::Contacted => self.contacted,
            LeadStatus::Qualified => self.qualified,
            LeadStatus::Converted => self.converted,
            LeadStatus::Lost => self.lost,
        }
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
        Lead::new(
            LeadId::new(),
            OrgId::new(),
            PersonName::parse("Ada").expect("valid"),
            PersonName::parse("Lovelace").expect("valid"),
            now,
        )
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
        assert_eq!(lead.first_contacted_at(), Some(contacted));
        assert_eq!(lead.seconds_to_first_contact(), Some(90));
        assert_eq!(lead.version(), 4);
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
    fn an_edit_names_only_what_changed_and_bumps_once() {
        let now = Utc::now();
        let mut lead = lead(now);
        let edit = LeadEdit {
            first_name: Some(PersonName::parse("Ada").expect("valid")),
            last_name: Some(PersonName::parse("Byron").expect("valid")),
            phone: Some(None),
            ..LeadEdit::default()
        };
        assert_eq!(lead.edit(edit, now), vec![LeadField::LastName]);
        assert_eq!(lead.version(), 2);
        assert!(lead.edit(LeadEdit::default(), now).is_empty());
        assert_eq!(lead.version(), 2);
    }

    #[test]
    fn assigning_to_the_same_agent_changes_nothing() {
        let now = Utc::now();
        let mut lead = lead(now);
        let agent = AgentId::new();
        assert_eq!(lead.assign(Some(agent), now), Some(None));
        assert_eq!(lead.assign(Some(agent), now), None);
        assert_eq!(lead.version(), 2);
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
