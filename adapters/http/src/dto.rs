//! The JSON shapes of the API, and their conversion from domain records. Request
//! bodies derive serde's `Deserialize` (for [`crate::body::JsonBody`]) and poem's
//! `Object` (for the OpenAPI schema); validation itself is the application's job.

use chrono::{DateTime, Utc};
use djcrm_application::{auth, leads};
use djcrm_domain::{
    Activity, ActivityKind, Agent, AgentPerformance, Category, Lead, LeadStatus, Organization,
    PipelineCounts, Role, User,
};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

/// A user's role.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Created the organization.
    Owner,
    /// Manages the organization.
    Organizer,
    /// Works assigned leads.
    Agent,
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Organizer => Self::Organizer,
            Role::Agent => Self::Agent,
        }
    }
}

/// A stage of the pipeline.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum LeadStatusDto {
    /// Not yet contacted.
    New,
    /// First contact made.
    Contacted,
    /// A real opportunity.
    Qualified,
    /// A customer now.
    Converted,
    /// Will not buy.
    Lost,
}

impl From<LeadStatus> for LeadStatusDto {
    fn from(status: LeadStatus) -> Self {
        match status {
            LeadStatus::New => Self::New,
            LeadStatus::Contacted => Self::Contacted,
            LeadStatus::Qualified => Self::Qualified,
            LeadStatus::Converted => Self::Converted,
            LeadStatus::Lost => Self::Lost,
        }
    }
}

impl From<LeadStatusDto> for LeadStatus {
    fn from(status: LeadStatusDto) -> Self {
        match status {
            LeadStatusDto::New => Self::New,
            LeadStatusDto::Contacted => Self::Contacted,
            LeadStatusDto::Qualified => Self::Qualified,
            LeadStatusDto::Converted => Self::Converted,
            LeadStatusDto::Lost => Self::Lost,
        }
    }
}

/// An organization.
#[derive(Object, Debug, Clone)]
pub struct OrganizationBody {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it signed up.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationBody {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id.as_uuid(),
            name: org.name.into_inner(),
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// A user.
#[derive(Object, Debug, Clone)]
pub struct UserBody {
    /// Their id.
    pub id: Uuid,
    /// Their organization.
    pub organization_id: Uuid,
    /// Their email (login).
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// Their role.
    pub role: RoleDto,
    /// False once deactivated.
    pub active: bool,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_uuid(),
            organization_id: user.org_id.as_uuid(),
            email: user.email.as_str().to_owned(),
            full_name: user.full_name.into_inner(),
            role: user.role.into(),
            active: user.active,
        }
    }
}

/// Signup: a new organization and its owner.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct SignupBody {
    /// The organization's name.
    pub organization_name: String,
    /// The owner's email, their login.
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    /// The owner's name.
    pub full_name: String,
}

impl From<SignupBody> for auth::SignupRequest {
    fn from(body: SignupBody) -> Self {
        Self {
            organization_name: body.organization_name,
            email: body.email,
            password: body.password,
            full_name: body.full_name,
        }
    }
}

/// The new organization, its owner, and the owner's token (shown once).
#[derive(Object, Debug, Clone)]
pub struct SignupResponseBody {
    /// Bearer token; store it, it is not shown again.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// The owner.
    pub user: UserBody,
    /// The organization.
    pub organization: OrganizationBody,
}

/// Login credentials.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct LoginBody {
    /// The login email.
    pub email: String,
    /// The password.
    pub password: String,
}

/// A new token (shown once).
#[derive(Object, Debug, Clone)]
pub struct LoginResponseBody {
    /// Bearer token; store it, it is not shown again.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub user: UserBody,
}

/// The caller.
#[derive(Object, Debug, Clone)]
pub struct MeBody {
    /// The user.
    pub user: UserBody,
    /// Their role (also in `user`).
    pub role: RoleDto,
    /// Their organization.
    pub organization: OrganizationBody,
    /// Their agent profile, for agents.
    pub agent_id: Option<Uuid>,
}

/// Organization changes.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct UpdateOrganizationBody {
    /// A new name.
    pub name: Option<String>,
}

/// An agent.
#[derive(Object, Debug, Clone)]
pub struct AgentBody {
    /// The agent profile's id (leads are assigned to it).
    pub id: Uuid,
    /// The user behind it.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// False once deactivated.
    pub active: bool,
    /// When added.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Agent> for AgentBody {
    fn from(agent: Agent) -> Self {
        Self {
            id: agent.id.as_uuid(),
            user_id: agent.user_id.as_uuid(),
            email: agent.email.as_str().to_owned(),
            full_name: agent.full_name.into_inner(),
            active: agent.active,
            created_at: agent.created_at,
            updated_at: agent.updated_at,
        }
    }
}

/// A new agent.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct CreateAgentBody {
    /// Their email, their login.
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// Their initial password, at least 10 characters.
    pub password: String,
}

/// Agent changes.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct UpdateAgentBody {
    /// A new name.
    pub full_name: Option<String>,
    /// Deactivate (false) or reactivate (true).
    pub active: Option<bool>,
}

/// A page of agents.
#[derive(Object, Debug, Clone)]
pub struct AgentPage {
    /// The agents, newest first.
    pub items: Vec<AgentBody>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A category.
#[derive(Object, Debug, Clone)]
pub struct CategoryBody {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last renamed.
    pub updated_at: DateTime<Utc>,
}

impl From<Category> for CategoryBody {
    fn from(category: Category) -> Self {
        Self {
            id: category.id.as_uuid(),
            name: category.name.into_inner(),
            created_at: category.created_at,
            updated_at: category.updated_at,
        }
    }
}

/// A category name.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct CategoryNameBody {
    /// 1 to 100 characters, unique in the organization ignoring case.
    pub name: String,
}

/// A page of categories.
#[derive(Object, Debug, Clone)]
pub struct CategoryPage {
    /// The categories, newest first.
    pub items: Vec<CategoryBody>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A lead.
#[derive(Object, Debug, Clone)]
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
pub struct CreateLeadBody {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone (7 to 15 digits; spaces, `+`, `-`, `.`, parentheses allowed).
    pub phone: Option<String>,
    /// Free text, up to 10,000 characters.
    pub description: Option<String>,
    /// A category of the organization.
    pub category_id: Option<Uuid>,
    /// An active agent of the organization (organizers only).
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
pub struct UpdateLeadBody {
    /// First name.
    #[serde(default)]
    pub first_name: MaybeUndefined<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: MaybeUndefined<String>,
    /// Email.
    #[serde(default)]
    pub email: MaybeUndefined<String>,
    /// Phone.
    #[serde(default)]
    pub phone: MaybeUndefined<String>,
    /// Free text.
    #[serde(default)]
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
pub struct LeadPage {
    /// The leads, newest first.
    pub items: Vec<LeadBody>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Assignment: an agent, or null to unassign.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct AssignBody {
    /// An active agent of the organization, or null.
    pub agent_id: Option<Uuid>,
}

/// A move in the pipeline.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct StatusChangeBody {
    /// The new status.
    pub status: LeadStatusDto,
    /// Why (optional).
    pub note: Option<String>,
}

/// A note.
#[derive(Object, Debug, Clone, Deserialize)]
pub struct NoteBody {
    /// The note, up to 10,000 characters.
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
pub struct ActivityBody {
    /// Its id.
    pub id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// What happened.
    pub kind: ActivityKindDto,
    /// Who did it.
    pub actor_id: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// For `status_changed`: the status before.
    pub from_status: Option<LeadStatusDto>,
    /// For `status_changed`: the status after.
    pub to_status: Option<LeadStatusDto>,
    /// For `assigned`: the new agent (null when unassigned).
    pub agent_id: Option<Uuid>,
    /// For `note`: the note; for `status_changed`: its note.
    pub body: Option<String>,
    /// For `updated`: the changed fields.
    pub fields: Option<Vec<String>>,
}

impl From<Activity> for ActivityBody {
    fn from(activity: Activity) -> Self {
        let mut body = Self {
            id: activity.id.as_uuid(),
            lead_id: activity.lead_id.as_uuid(),
            kind: ActivityKindDto::Created,
            actor_id: activity.actor_id.as_uuid(),
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
pub struct ActivityPage {
    /// Activities, newest first.
    pub items: Vec<ActivityBody>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Live leads per status.
#[derive(Object, Debug, Clone)]
pub struct StatusCounts {
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

/// The pipeline at a glance.
#[derive(Object, Debug, Clone)]
pub struct PipelineStatsBody {
    /// All live leads.
    pub total: u64,
    /// Per status.
    pub by_status: StatusCounts,
}

impl From<PipelineCounts> for PipelineStatsBody {
    fn from(counts: PipelineCounts) -> Self {
        Self {
            total: counts.total(),
            by_status: StatusCounts {
                new: counts.new,
                contacted: counts.contacted,
                qualified: counts.qualified,
                converted: counts.converted,
                lost: counts.lost,
            },
        }
    }
}

/// One agent's performance over the leads assigned to them.
#[derive(Object, Debug, Clone)]
pub struct AgentStatsBody {
    /// The agent.
    pub agent_id: Uuid,
    /// Leads assigned.
    pub assigned: u64,
    /// Of those, contacted at least once.
    pub contacted: u64,
    /// Of those, converted.
    pub converted: u64,
    /// converted / assigned (0 when nothing is assigned).
    pub conversion_rate: f64,
    /// Mean seconds from creation to first contact, over contacted leads.
    pub avg_seconds_to_first_contact: Option<f64>,
}

impl From<AgentPerformance> for AgentStatsBody {
    fn from(perf: AgentPerformance) -> Self {
        Self {
            agent_id: perf.agent_id.as_uuid(),
            conversion_rate: perf.conversion_rate(),
            assigned: perf.assigned,
            contacted: perf.contacted,
            converted: perf.converted,
            avg_seconds_to_first_contact: perf.avg_seconds_to_first_contact,
        }
    }
}

/// Every agent's performance.
#[derive(Object, Debug, Clone)]
pub struct AgentStatsList {
    /// One entry per agent.
    pub items: Vec<AgentStatsBody>,
}
