//! Leads, their pipeline moves and their history.

use chrono::{DateTime, Utc};
use djcrm_application::leads;
use djcrm_domain::{ActivityKind, HistoryEntry, Lead, PersonName};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

use super::LeadStatusDto;

/// A lead.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct LeadBody {
    /// Its id.
    pub id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Pipeline stage.
    pub status: LeadStatusDto,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Assigned agent.
    pub agent_id: Option<Uuid>,
    /// Bumped by every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// When first contacted.
    pub first_contacted_at: Option<DateTime<Utc>>,
}

impl From<Lead> for LeadBody {
    fn from(lead: Lead) -> Self {
        let (status, version) = (lead.status(), lead.version());
        let (updated_at, first_contacted_at) = (lead.updated_at(), lead.first_contacted_at());
        Self {
            id: lead.id.as_uuid(),
            first_name: lead.first_name.into_inner(),
            last_name: lead.last_name.into_inner(),
            email: lead.email.map(|e| e.as_str().to_owned()),
            phone: lead.phone.map(|p| p.as_str().to_owned()),
            description: lead.description.map(|d| d.into_inner()),
            status: status.into(),
            category_id: lead.category_id.map(|c| c.as_uuid()),
            agent_id: lead.agent_id.map(|a| a.as_uuid()),
            version,
            created_at: lead.created_at,
            updated_at,
            first_contacted_at,
        }
    }
}

/// A new lead.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none, example)]
pub struct CreateLeadBody {
    /// First name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub first_name: String,
    /// Last name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub last_name: String,
    /// Email.
    #[oai(
        nullable,
        validator(
            max_length = 254,
            pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$"
        )
    )]
    pub email: Option<String>,
    /// Phone (7 to 15 digits; spaces, `+`, `-`, `.`, parentheses allowed).
    #[oai(
        nullable,
        validator(pattern = "^\\s*\\+?[ ().-]*([0-9][ ().-]*){7,15}\\s*$")
    )]
    pub phone: Option<String>,
    /// Free text, up to 10,000 characters.
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 10000,
            pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"
        )
    )]
    pub description: Option<String>,
    /// A category of the organization.
    #[oai(nullable)]
    pub category_id: Option<Uuid>,
    /// An active agent of the organization (organizers only).
    #[oai(nullable)]
    pub agent_id: Option<Uuid>,
}

impl From<CreateLeadBody> for leads::CreateLeadRequest {
    fn from(body: CreateLeadBody) -> Self {
        Self {
            first_name: body.first_name,
            last_name: body.last_name,
            email: body.email,
            phone: body.phone,
            description: body.description,
            category_id: body.category_id.map(Into::into),
            agent_id: body.agent_id.map(Into::into),
        }
    }
}

/// Lead changes: omit a field to keep it, send null to clear it.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateLeadBody {
    /// First name.
    #[serde(default)]
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub first_name: MaybeUndefined<String>,
    /// Last name.
    #[serde(default)]
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub last_name: MaybeUndefined<String>,
    /// Email.
    #[serde(default)]
    #[oai(validator(
        max_length = 254,
        pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$"
    ))]
    pub email: MaybeUndefined<String>,
    /// Phone.
    #[serde(default)]
    #[oai(validator(pattern = "^\\s*\\+?[ ().-]*([0-9][ ().-]*){7,15}\\s*$"))]
    pub phone: MaybeUndefined<String>,
    /// Free text.
    #[serde(default)]
    #[oai(validator(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"
    ))]
    pub description: MaybeUndefined<String>,
    /// Category.
    #[serde(default)]
    pub category_id: MaybeUndefined<Uuid>,
}

fn patch<T>(value: MaybeUndefined<T>) -> djcrm_application::Patch<T> {
    match value {
        MaybeUndefined::Undefined => djcrm_application::Patch::Keep,
        MaybeUndefined::Null => djcrm_application::Patch::Clear,
        MaybeUndefined::Value(value) => djcrm_application::Patch::Set(value),
    }
}

impl UpdateLeadBody {
    /// The application request; a null name is reported as a validation error.
    pub fn into_request(self) -> Result<leads::UpdateLeadRequest, crate::problem::ApiError> {
        let required = |field: &str, value: MaybeUndefined<String>| match value {
            MaybeUndefined::Null => Err(crate::problem::ApiError::invalid_field(
                field,
                "must not be null",
            )),
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Value(v) => Ok(Some(v)),
        };
        Ok(leads::UpdateLeadRequest {
            first_name: required("first_name", self.first_name)?,
            last_name: required("last_name", self.last_name)?,
            email: patch(self.email),
            phone: patch(self.phone),
            description: patch(self.description),
            category_id: patch(self.category_id).map(Into::into),
        })
    }
}

/// A page of leads.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct LeadPage {
    /// The leads, newest first.
    pub items: Vec<LeadBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Assignment: an agent, or null to unassign.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AssignBody {
    /// An active agent of the organization, or null.
    #[oai(nullable)]
    pub agent_id: Option<Uuid>,
}

/// A move in the pipeline.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct StatusChangeBody {
    /// The new status.
    pub status: LeadStatusDto,
    /// Why (optional).
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 10000,
            pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"
        )
    )]
    pub note: Option<String>,
}

/// A note.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NoteBody {
    /// The note, up to 10,000 characters.
    #[oai(validator(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"
    ))]
    pub body: String,
}

/// What kind of event an activity records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ActivityKindDto {
    /// The lead was created.
    Created,
    /// Details changed (`fields`).
    Updated,
    /// Assigned (`agent_id`) or unassigned (`agent_id` null).
    Assigned,
    /// Moved in the pipeline (`from_status`, `to_status`, `body` = note).
    StatusChanged,
    /// A note (`body`).
    Note,
    /// The lead was deleted.
    Deleted,
}

/// One entry of a lead's history.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ActivityBody {
    /// Its id.
    pub id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// What happened.
    pub kind: ActivityKindDto,
    /// Who did it; absent when an operator did, through `djcrm-admin`.
    pub actor_id: Option<Uuid>,
    /// Their name, as they are named now (also for agents deleted since); absent
    /// when an operator did it.
    pub actor_name: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// For `status_changed`: the status before.
    pub from_status: Option<LeadStatusDto>,
    /// For `status_changed`: the status after.
    pub to_status: Option<LeadStatusDto>,
    /// For `assigned`: the new agent (absent when unassigned).
    pub agent_id: Option<Uuid>,
    /// For `note`: the note; for `status_changed`: its note.
    pub body: Option<String>,
    /// For `updated`: the changed fields.
    pub fields: Option<Vec<String>>,
}

impl From<HistoryEntry> for ActivityBody {
    fn from(entry: HistoryEntry) -> Self {
        let activity = entry.activity;
        let mut body = Self {
            id: activity.id.as_uuid(),
            lead_id: activity.lead_id.as_uuid(),
            kind: ActivityKindDto::Created,
            actor_id: activity.actor_id.map(|id| id.as_uuid()),
            actor_name: entry.actor_name.map(PersonName::into_inner),
            created_at: activity.created_at,
            from_status: None,
            to_status: None,
            agent_id: None,
            body: None,
            fields: None,
        };
        match activity.kind {
            ActivityKind::Created => {}
            ActivityKind::Deleted => body.kind = ActivityKindDto::Deleted,
            ActivityKind::Updated { fields } => {
                body.kind = ActivityKindDto::Updated;
                body.fields = Some(fields.iter().map(|f| f.as_str().to_owned()).collect());
            }
            ActivityKind::Assigned { agent_id } => {
                body.kind = ActivityKindDto::Assigned;
                body.agent_id = agent_id.map(|a| a.as_uuid());
            }
            ActivityKind::StatusChanged { from, to, note } => {
                body.kind = ActivityKindDto::StatusChanged;
                body.from_status = Some(from.into());
                body.to_status = Some(to.into());
                body.body = note.map(|n| n.into_inner());
            }
            ActivityKind::Note { body: note } => {
                body.kind = ActivityKindDto::Note;
                body.body = Some(note.into_inner());
            }
        }
        body
    }
}

/// A page of history.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ActivityPage {
    /// Activities, newest first.
    pub items: Vec<ActivityBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
