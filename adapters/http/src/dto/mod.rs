//! The JSON shapes of the API, and their conversion from domain records. Request
//! bodies derive serde's `Deserialize` (for [`crate::body::JsonBody`]) and poem's
//! `Object` (for the OpenAPI schema); validation itself is the application's job.

mod examples;
mod imports;
mod invitations;
mod leads;
mod stats;
mod webhooks;

use chrono::{DateTime, Utc};
use djcrm_application::auth;
use djcrm_domain::{Agent, Category, LeadStatus, Organization, Role, User};
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

pub use imports::*;
pub use invitations::*;
pub use leads::*;
pub use stats::*;
pub use webhooks::*;

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
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none, example)]
pub struct SignupBody {
    /// The organization's name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub organization_name: String,
    /// The owner's email, their login.
    #[oai(validator(
        max_length = 254,
        pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$"
    ))]
    pub email: String,
    /// At least 10 characters.
    #[oai(validator(min_length = 10, max_length = 1024))]
    pub password: String,
    /// The owner's name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
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
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none, example)]
pub struct LoginBody {
    /// The login email.
    pub email: String,
    /// The password.
    pub password: String,
}

/// A new token (shown once).
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none)]
pub struct UpdateOrganizationBody {
    /// A new name.
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 200,
            pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
        )
    )]
    pub name: Option<String>,
}

/// An agent.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none, example)]
pub struct CreateAgentBody {
    /// Their email, their login.
    #[oai(validator(
        max_length = 254,
        pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$"
    ))]
    pub email: String,
    /// Their name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub full_name: String,
    /// Their initial password, at least 10 characters.
    #[oai(validator(min_length = 10, max_length = 1024))]
    pub password: String,
}

/// Agent changes.
#[derive(Object, Debug, Clone, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateAgentBody {
    /// A new name.
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
        )
    )]
    pub full_name: Option<String>,
    /// Deactivate (false) or reactivate (true).
    #[oai(nullable)]
    pub active: Option<bool>,
}

/// A page of agents.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AgentPage {
    /// The agents, newest first.
    pub items: Vec<AgentBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A category.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
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
#[oai(skip_serializing_if_is_none)]
pub struct CategoryNameBody {
    /// 1 to 100 characters, unique in the organization ignoring case.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*[^\\s\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}][^\\x00-\\x1F\\x7F-\\x9F\u{202A}-\u{202E}\u{2066}-\u{2069}]*$"
    ))]
    pub name: String,
}

/// A page of categories.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct CategoryPage {
    /// The categories, newest first.
    pub items: Vec<CategoryBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
