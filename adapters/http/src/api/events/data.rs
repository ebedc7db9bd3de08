//! The data of each event type, as typed schemas: a generated client gets one class
//! per event type, told apart by `type`.

use chrono::{DateTime, Utc};
use djcrm_domain::LeadField;
use djcrm_domain::events::{AgentSnapshot, LeadSnapshot};
use poem_openapi::{Enum, Object, Union};
use uuid::Uuid;

use crate::dto::{DuplicatesDto, ImportCountsBody, ImportOriginDto, LeadStatusDto, RoleDto};

/// A lead as an event shows it, after the change.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadSnapshotBody {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Pipeline status.
    pub status: LeadStatusDto,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Assigned agent.
    pub agent_id: Option<Uuid>,
    /// Version after the change (the lead's `ETag`).
    pub version: i64,
}

impl From<LeadSnapshot> for LeadSnapshotBody {
    fn from(lead: LeadSnapshot) -> Self {
        Self {
            first_name: lead.first_name,
            last_name: lead.last_name,
            email: lead.email,
            phone: lead.phone,
            description: lead.description,
            status: lead.status.into(),
            category_id: lead.category_id.map(|c| c.as_uuid()),
            agent_id: lead.agent_id.map(|a| a.as_uuid()),
            version: lead.version,
        }
    }
}

/// An agent as an event shows it, after the change.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
pub struct AgentSnapshotBody {
    /// The user behind the agent profile.
    pub user_id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Whether the agent can log in and receive leads.
    pub active: bool,
}

impl From<AgentSnapshot> for AgentSnapshotBody {
    fn from(agent: AgentSnapshot) -> Self {
        Self {
            user_id: agent.user_id.as_uuid(),
            email: agent.email,
            full_name: agent.full_name,
            active: agent.active,
        }
    }
}

/// A lead field an edit changed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum LeadFieldDto {
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

impl From<LeadField> for LeadFieldDto {
    fn from(field: LeadField) -> Self {
        match field {
            LeadField::FirstName => Self::FirstName,
            LeadField::LastName => Self::LastName,
            LeadField::Email => Self::Email,
            LeadField::Phone => Self::Phone,
            LeadField::Description => Self::Description,
            LeadField::CategoryId => Self::CategoryId,
        }
    }
}

/// An agent field a change touched.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum AgentFieldDto {
    /// The name.
    FullName,
    /// Reactivation.
    Active,
}

/// Why a login failed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum LoginFailureDto {
    /// The password did not match.
    WrongPassword,
    /// The account is deactivated.
    Deactivated,
}

/// Why a token stopped working.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum RevocationDto {
    /// Its holder logged out.
    Logout,
    /// Its user was deactivated.
    Deactivated,
    /// Its user set a new password through a reset.
    PasswordReset,
    /// An operator revoked it, or set its user's password or deactivated them.
    Operator,
}

macro_rules! event_data {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal as $body:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
            pub struct $body {
                $($(#[$fdoc])* pub $field: $ty,)*
            }
        )*

        /// What happened, typed by `type`.
        #[derive(Union, Debug, Clone)]
        #[oai(discriminator_name = "type", one_of)]
        pub enum EventData {
            $(
                $(#[$doc])*
                #[oai(mapping = $name)]
                $variant($body),
            )*
        }
    };
}

event_data! {
    /// `lead.created`: a lead was created.
    LeadCreated = "lead.created" as LeadCreatedData {
        /// The new lead.
        lead: LeadSnapshotBody,
    }
    /// `lead.updated`: some of a lead's details changed.
    LeadUpdated = "lead.updated" as LeadUpdatedData {
        /// The fields that changed.
        fields: Vec<LeadFieldDto>,
        /// The lead after the change.
        lead: LeadSnapshotBody,
    }
    /// `lead.assigned`: a lead was given to an agent.
    LeadAssigned = "lead.assigned" as LeadAssignedData {
        /// The agent it was given to.
        agent_id: Uuid,
        /// The agent it was taken from, if any.
        previous_agent_id: Option<Uuid>,
        /// The lead's version after the change.
        version: i64,
    }
    /// `lead.unassigned`: a lead was taken back from its agent.
    LeadUnassigned = "lead.unassigned" as LeadUnassignedData {
        /// The agent it was taken from.
        previous_agent_id: Uuid,
        /// The lead's version after the change.
        version: i64,
    }
    /// `lead.status_changed`: a lead moved in the pipeline.
    LeadStatusChanged = "lead.status_changed" as LeadStatusChangedData {
        /// The status before.
        from: LeadStatusDto,
        /// The status after.
        to: LeadStatusDto,
        /// Why, if the actor said.
        note: Option<String>,
        /// The lead's version after the change.
        version: i64,
    }
    /// `lead.deleted`: a lead was deleted (its history is kept).
    LeadDeleted = "lead.deleted" as LeadDeletedData {
        /// The lead's last version.
        version: i64,
    }
    /// `lead.note_added`: someone wrote a note on a lead.
    NoteAdded = "lead.note_added" as NoteAddedData {
        /// The history entry holding the note.
        activity_id: Uuid,
        /// The note.
        body: String,
    }
    /// `agent.created`: an agent was added.
    AgentCreated = "agent.created" as AgentCreatedData {
        /// The new agent.
        agent: AgentSnapshotBody,
    }
    /// `agent.updated`: an agent was renamed or reactivated.
    AgentUpdated = "agent.updated" as AgentUpdatedData {
        /// What changed.
        fields: Vec<AgentFieldDto>,
        /// The agent after the change.
        agent: AgentSnapshotBody,
    }
    /// `agent.deactivated`: an agent was deactivated and signed out everywhere.
    AgentDeactivated = "agent.deactivated" as AgentDeactivatedData {
        /// The agent after the change.
        agent: AgentSnapshotBody,
    }
    /// `agent.deleted`: an agent was deleted, its leads unassigned; the history
    /// still names it.
    AgentDeleted = "agent.deleted" as AgentDeletedData {
        /// The agent as it was.
        agent: AgentSnapshotBody,
    }
    /// `category.created`: a category was created.
    CategoryCreated = "category.created" as CategoryCreatedData {
        /// Its name.
        name: String,
    }
    /// `category.renamed`: a category was renamed.
    CategoryRenamed = "category.renamed" as CategoryRenamedData {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    }
    /// `category.deleted`: a category was deleted; each of its leads has its own
    /// `lead.updated`.
    CategoryDeleted = "category.deleted" as CategoryDeletedData {
        /// Its name.
        name: String,
        /// How many live leads it had.
        leads_uncategorised: u64,
    }
    /// `organization.updated`: the organization's settings changed.
    OrganizationUpdated = "organization.updated" as OrganizationUpdatedData {
        /// The old name.
        previous_name: String,
        /// The new name.
        name: String,
    }
    /// `user.signed_up`: the organization was created with its owner.
    UserSignedUp = "user.signed_up" as UserSignedUpData {
        /// The organization's name.
        organization_name: String,
        /// The owner's email.
        email: String,
        /// The owner's name.
        full_name: String,
    }
    /// `user.created`: an operator added a user.
    UserCreated = "user.created" as UserCreatedData {
        /// Email.
        email: String,
        /// Name.
        full_name: String,
        /// Role.
        role: RoleDto,
    }
    /// `user.logged_in`: a user logged in.
    UserLoggedIn = "user.logged_in" as UserLoggedInData {
        /// The token issued (see the `token.issued` beside it).
        token_id: Uuid,
    }
    /// `user.logged_out`: a user logged out.
    UserLoggedOut = "user.logged_out" as UserLoggedOutData {
        /// The token revoked.
        token_id: Uuid,
    }
    /// `user.login_failed`: a login with this user's email failed.
    UserLoginFailed = "user.login_failed" as UserLoginFailedData {
        /// Why.
        reason: LoginFailureDto,
    }
    /// `token.issued`: a token was issued (its secret is never recorded).
    TokenIssued = "token.issued" as TokenIssuedData {
        /// Whose.
        user_id: Uuid,
        /// Until when it works.
        expires_at: DateTime<Utc>,
    }
    /// `token.revoked`: a token was revoked.
    TokenRevoked = "token.revoked" as TokenRevokedData {
        /// Whose.
        user_id: Uuid,
        /// Why.
        reason: RevocationDto,
    }
    /// `invitation.sent`: an invitation was mailed (again, when `resent`).
    InvitationSent = "invitation.sent" as InvitationSentData {
        /// Whom to.
        email: String,
        /// Their name.
        full_name: String,
        /// Until when its token works.
        expires_at: DateTime<Utc>,
        /// Whether this renews an earlier mail.
        resent: bool,
    }
    /// `invitation.revoked`: an invitation was withdrawn.
    InvitationRevoked = "invitation.revoked" as InvitationRevokedData {
        /// Whom it was sent to.
        email: String,
    }
    /// `invitation.accepted`: an invitee joined as an agent.
    InvitationAccepted = "invitation.accepted" as InvitationAcceptedData {
        /// Who joined.
        email: String,
        /// Their agent profile.
        agent_id: Uuid,
    }
    /// `user.password_reset_requested`: a password reset was mailed.
    PasswordResetRequested = "user.password_reset_requested" as PasswordResetRequestedData {
        /// Until when its token works.
        expires_at: DateTime<Utc>,
    }
    /// `user.password_changed`: a user set a new password through a reset.
    PasswordChanged = "user.password_changed" as PasswordChangedData {
        /// How many of their tokens were revoked.
        tokens_revoked: u64,
    }
    /// `user.role_changed`: an operator changed a user's role.
    UserRoleChanged = "user.role_changed" as UserRoleChangedData {
        /// The role before.
        from: RoleDto,
        /// The role after.
        to: RoleDto,
    }
    /// `user.deactivated`: an operator deactivated a user.
    UserDeactivated = "user.deactivated" as UserDeactivatedData {
        /// Their role.
        role: RoleDto,
    }
    /// `webhook.created`: a webhook was registered.
    WebhookCreated = "webhook.created" as WebhookCreatedData {
        /// Where deliveries go.
        url: String,
        /// The event types it receives (`["*"]`: all).
        events: Vec<String>,
    }
    /// `webhook.updated`: a webhook was changed, or turned off or on.
    WebhookUpdated = "webhook.updated" as WebhookUpdatedData {
        /// Where deliveries go.
        url: String,
        /// The event types it receives.
        events: Vec<String>,
        /// Whether deliveries go out.
        active: bool,
    }
    /// `webhook.deleted`: a webhook was removed.
    WebhookDeleted = "webhook.deleted" as WebhookDeletedData {
        /// Where deliveries went.
        url: String,
    }
    /// `webhook.disabled`: a webhook was turned off after failing repeatedly.
    WebhookDisabled = "webhook.disabled" as WebhookDisabledData {
        /// Why.
        reason: String,
    }
    /// `import.created`: a CSV file of leads was uploaded, or an operator started
    /// importing one. Its rows have no events of their own.
    ImportCreated = "import.created" as ImportCreatedData {
        /// The file's name.
        file_name: String,
        /// Who reads it.
        origin: ImportOriginDto,
        /// What happens to duplicates.
        duplicates: DuplicatesDto,
        /// The file's size in bytes.
        size_bytes: u64,
    }
    /// `import.completed`: every row of an import was read.
    ImportCompleted = "import.completed" as ImportCompletedData {
        /// What became of its rows.
        counts: ImportCountsBody,
    }
    /// `import.failed`: an import stopped before its last row.
    ImportFailed = "import.failed" as ImportFailedData {
        /// Why.
        reason: String,
        /// What became of the rows read before.
        counts: ImportCountsBody,
    }
    /// `import.reverted`: the leads an import created were deleted.
    ImportReverted = "import.reverted" as ImportRevertedData {
        /// How many live leads were deleted.
        leads_deleted: u64,
    }
}
