//! The history of a lead.

use chrono::{DateTime, Utc};

use crate::{
    ActivityId, AgentId, Description, LeadField, LeadId, LeadStatus, OrgId, PersonName, UserId,
};

/// What happened to a lead.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ActivityKind {
    /// The lead was created.
    Created,
    /// Some of its details changed.
    Updated {
        /// The fields that changed.
        fields: Vec<LeadField>,
    },
    /// It was given to an agent, or taken back (`None`).
    Assigned {
        /// The new agent, `None` when unassigned.
        agent_id: Option<AgentId>,
    },
    /// It moved in the pipeline.
    StatusChanged {
        /// The status before.
        from: LeadStatus,
        /// The status after.
        to: LeadStatus,
        /// Why, if the actor said.
        note: Option<Description>,
    },
    /// Someone wrote a note.
    Note {
        /// The note.
        body: Description,
    },
    /// The lead was deleted.
    Deleted,
}

impl ActivityKind {
    /// The stable name of the kind, as stored and served.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated { .. } => "updated",
            Self::Assigned { .. } => "assigned",
            Self::StatusChanged { .. } => "status_changed",
            Self::Note { .. } => "note",
            Self::Deleted => "deleted",
        }
    }
}

/// One entry of a lead's history. Written in the same transaction as the change it
/// records, never alone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    /// Its id (time-ordered: the history sorts by it).
    pub id: ActivityId,
    /// The organization.
    pub org_id: OrgId,
    /// The lead it is about.
    pub lead_id: LeadId,
    /// Who did it; `None` for an operator working through `djcrm-admin`.
    pub actor_id: Option<UserId>,
    /// What happened.
    pub kind: ActivityKind,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An activity as the history shows it: with the name of whoever acted, as that
/// person is named now (the name of an agent deleted since included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    /// What happened.
    pub activity: Activity,
    /// Who did it, by name; `None` for an operator.
    pub actor_name: Option<PersonName>,
}

/// An entry of the organization's recent activity: a history entry and the lead
/// it is about, by name (deleted leads included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecentActivity {
    /// The history entry.
    pub entry: HistoryEntry,
    /// The lead's first and last name.
    pub lead_name: String,
}
