//! Domain events: what happened, written to the outbox in the same transaction as
//! the change itself, so every reader (the change feed, later the cache, jobs and
//! webhooks) sees exactly the committed changes, each once.
//!
//! Events never carry secrets: no token, token hash or password hash. They name the
//! actor (`None` for an operator working through `djcrm-admin`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    ActivityId, Agent, AgentId, CategoryId, Duplicates, EventId, ImportCounts, ImportOrigin, Lead,
    LeadField, LeadStatus, Limit, OrgId, Role, TokenId, UserId,
};

/// Where an event sits in the outbox: a per-database sequence. Readers see
/// positions in increasing order and never one below a position already seen.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Position(i64);

impl Position {
    /// Before the first event.
    pub const START: Self = Self(0);

    /// The position numbered `n`.
    #[must_use]
    pub const fn new(n: i64) -> Self {
        Self(n)
    }

    /// Its number.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One change, as recorded in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its id (time-ordered).
    pub id: EventId,
    /// The organization whose feed it belongs to.
    pub org_id: OrgId,
    /// Who did it; `None` for an operator or the system.
    pub actor_id: Option<UserId>,
    /// The record it is about (a lead, agent, category, user, token, organization).
    pub subject_id: Uuid,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub change: Change,
}

impl Event {
    /// A new event about `subject` in `org`, by `actor`, at `now`.
    #[must_use]
    pub fn new(
        org_id: OrgId,
        actor_id: Option<UserId>,
        subject: impl Into<Uuid>,
        change: Change,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EventId::new(),
            org_id,
            actor_id,
            subject_id: subject.into(),
            occurred_at: now,
            change,
        }
    }

    /// Its type.
    #[must_use]
    pub const fn event_type(&self) -> EventType {
        self.change.event_type()
    }
}

/// An event with its position in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Where it sits.
    pub position: Position,
    /// The event.
    pub event: Event,
}

/// A lead as an event shows it (after the change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSnapshot {
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
    pub status: LeadStatus,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Assigned agent.
    pub agent_id: Option<AgentId>,
    /// Version after the change.
    pub version: i64,
}

impl From<&Lead> for LeadSnapshot {
    fn from(lead: &Lead) -> Self {
        Self {
            first_name: lead.first_name.as_str().to_owned(),
            last_name: lead.last_name.as_str().to_owned(),
            email: lead.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: lead.phone.as_ref().map(|p| p.as_str().to_owned()),
            description: lead.description.as_ref().map(|d| d.as_str().to_owned()),
            status: lead.status(),
            category_id: lead.category_id,
            agent_id: lead.agent_id,
            version: lead.version(),
        }
    }
}

/// An agent as an event shows it (after the change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    /// The user behind the profile.
    pub user_id: UserId,
    /// Email.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Whether the agent can log in and receive leads.
    pub active: bool,
}

impl From<&Agent> for AgentSnapshot {
    fn from(agent: &Agent) -> Self {
        Self {
            user_id: agent.user_id,
            email: agent.email.as_str().to_owned(),
            full_name: agent.full_name.as_str().to_owned(),
            active: agent.active,
        }
    }
}

/// A field of an agent that can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentField {
    /// `full_name`.
    FullName,
    /// `active` (reactivation; deactivation has its own event).
    Active,
}

/// Why a login failed. An unknown email records nothing: it names no organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// The password did not match.
    WrongPassword,
    /// The account is deactivated.
    Deactivated,
}

/// Why a token stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// Its holder logged out.
    Logout,
    /// Its user was deactivated.
    Deactivated,
    /// Its user set a new password through a reset.
    PasswordReset,
    /// An operator revoked it, or set its user's password or deactivated them.
    Operator,
}

macro_rules! changes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }
    )*) => {
        /// What happened, with the data a reader needs (never a secret). Serialized
        /// with its type name in `type`, as stored in the outbox and served by the feed.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum Change {
            $(
                $(#[$doc])*
                #[serde(rename = $name)]
                $variant { $($(#[$fdoc])* $field: $ty),* },
            )*
        }

        /// The type of an event, as named in the feed (`lead.created`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType {
            $(
                $(#[$doc])*
                $variant,
            )*
        }

        impl EventType {
            /// Every event type.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// Its name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }

        impl Change {
            /// Its type.
            #[must_use]
            pub const fn event_type(&self) -> EventType {
                match self {
                    $(Self::$variant { .. } => EventType::$variant,)*
                }
            }
        }
    };
}

changes! {
    /// A lead was created.
    LeadCreated = "lead.created" {
        /// The new lead.
        lead: LeadSnapshot,
    }
    /// Some of a lead's details changed.
    LeadUpdated = "lead.updated" {
        /// The fields that changed.
        fields: Vec<LeadField>,
        /// The lead after the change.
        lead: LeadSnapshot,
    }
    /// A lead was given to an agent.
    LeadAssigned = "lead.assigned" {
        /// The agent it was given to.
        agent_id: AgentId,
        /// The agent it was taken from, if any.
        previous_agent_id: Option<AgentId>,
        /// The lead's version after the change.
        version: i64,
    }
    /// A lead was taken back from its agent.
    LeadUnassigned = "lead.unassigned" {
        /// The agent it was taken from.
        previous_agent_id: AgentId,
        /// The lead's version after the change.
        version: i64,
    }
    /// A lead moved in the pipeline.
    LeadStatusChanged = "lead.status_changed" {
        /// The status before.
        from: LeadStatus,
        /// The status after.
        to: LeadStatus,
        /// Why, if the actor said.
        note: Option<String>,
        /// The lead's version after the change.
        version: i64,
    }
    /// A lead was deleted (its history is kept).
    LeadDeleted = "lead.deleted" {
        /// The lead's last version.
        version: i64,
    }
    /// Someone wrote a note on a lead.
    NoteAdded = "lead.note_added" {
        /// The history entry holding the note.
        activity_id: ActivityId,
        /// The note.
        body: String,
    }
    /// An agent was added.
    AgentCreated = "agent.created" {
        /// The new agent.
        agent: AgentSnapshot,
    }
    /// An agent was renamed or reactivated.
    AgentUpdated = "agent.updated" {
        /// What changed.
        fields: Vec<AgentField>,
        /// The agent after the change.
        agent: AgentSnapshot,
    }
    /// An agent was deactivated: signed out everywhere, can no longer log in.
    AgentDeactivated = "agent.deactivated" {
        /// The agent after the change.
        agent: AgentSnapshot,
    }
    /// An agent was deleted: signed out, its leads unassigned (each with its own
    /// `lead.unassigned`), gone from the API; the history still names it.
    AgentDeleted = "agent.deleted" {
        /// The agent as it was.
        agent: AgentSnapshot,
    }
    /// A category was created.
    CategoryCreated = "category.created" {
        /// Its name.
        name: String,
    }
    /// A category was renamed.
    CategoryRenamed = "category.renamed" {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    }
    /// A category was deleted; its leads became uncategorised (each has its own
    /// `lead.updated`).
    CategoryDeleted = "category.deleted" {
        /// Its name.
        name: String,
        /// How many live leads it had.
        leads_uncategorised: u64,
    }
    /// The organization's settings changed.
    OrganizationUpdated = "organization.updated" {
        /// The old name.
        previous_name: String,
        /// The new name.
        name: String,
    }
    /// An organization was created with its owner.
    UserSignedUp = "user.signed_up" {
        /// The organization's name.
        organization_name: String,
        /// The owner's email.
        email: String,
        /// The owner's name.
        full_name: String,
    }
    /// An operator added a user.
    UserCreated = "user.created" {
        /// Email.
        email: String,
        /// Name.
        full_name: String,
        /// Role.
        role: Role,
    }
    /// A user logged in (and got the token of the `token.issued` beside it).
    UserLoggedIn = "user.logged_in" {
        /// The token issued.
        token_id: TokenId,
    }
    /// A user logged out.
    UserLoggedOut = "user.logged_out" {
        /// The token revoked.
        token_id: TokenId,
    }
    /// A login with this user's email failed.
    UserLoginFailed = "user.login_failed" {
        /// Why.
        reason: LoginFailure,
    }
    /// A token was issued (its secret is never recorded).
    TokenIssued = "token.issued" {
        /// Whose.
        user_id: UserId,
        /// Until when it works.
        expires_at: DateTime<Utc>,
    }
    /// A token was revoked.
    TokenRevoked = "token.revoked" {
        /// Whose.
        user_id: UserId,
        /// Why.
        reason: Revocation,
    }
    /// An invitation to join as an agent was mailed (again, when `resent`); its
    /// token goes only into the mail.
    InvitationSent = "invitation.sent" {
        /// Whom to.
        email: String,
        /// Their name.
        full_name: String,
        /// Until when its token works.
        expires_at: DateTime<Utc>,
        /// Whether this renews an earlier mail.
        resent: bool,
    }
    /// An invitation was withdrawn.
    InvitationRevoked = "invitation.revoked" {
        /// Whom it was sent to.
        email: String,
    }
    /// An invitee joined; the agent has its own `agent.created`.
    InvitationAccepted = "invitation.accepted" {
        /// Who joined.
        email: String,
        /// Their agent profile.
        agent_id: AgentId,
    }
    /// Someone asked to reset this user's password; the token goes only into the mail.
    PasswordResetRequested = "user.password_reset_requested" {
        /// Until when its token works.
        expires_at: DateTime<Utc>,
    }
    /// A user set a new password through a reset; their tokens were revoked (each
    /// with its own `token.revoked`).
    PasswordChanged = "user.password_changed" {
        /// How many tokens were revoked.
        tokens_revoked: u64,
    }
    /// An operator changed a user's role.
    UserRoleChanged = "user.role_changed" {
        /// The role before.
        from: Role,
        /// The role after.
        to: Role,
    }
    /// An operator deactivated a user: signed out everywhere (each token with its
    /// own `token.revoked`), unable to log in.
    UserDeactivated = "user.deactivated" {
        /// Their role.
        role: Role,
    }
    /// A webhook was registered (its secret is never recorded).
    WebhookCreated = "webhook.created" {
        /// Where deliveries go.
        url: String,
        /// The event types it receives (`["*"]`: all).
        events: Vec<String>,
    }
    /// A webhook was changed, or turned off or on by an organizer.
    WebhookUpdated = "webhook.updated" {
        /// Where deliveries go.
        url: String,
        /// The event types it receives.
        events: Vec<String>,
        /// Whether deliveries go out.
        active: bool,
    }
    /// A webhook was removed.
    WebhookDeleted = "webhook.deleted" {
        /// Where deliveries went.
        url: String,
    }
    /// A webhook was turned off after failing repeatedly.
    WebhookDisabled = "webhook.disabled" {
        /// Why.
        reason: String,
    }
    /// An import of leads from a file was registered (uploaded, or started by an
    /// operator). Its rows have no events of their own: the batch has
    /// `import.completed` (or `import.failed`) when it ends.
    ImportCreated = "import.created" {
        /// The file's name.
        file_name: String,
        /// Who reads it.
        origin: ImportOrigin,
        /// What happens to duplicates.
        duplicates: Duplicates,
        /// The file's size in bytes.
        size_bytes: u64,
    }
    /// Every row of an import was read.
    ImportCompleted = "import.completed" {
        /// What became of its rows.
        counts: ImportCounts,
    }
    /// An import stopped before its last row; the rows committed before stay
    /// until it is reverted.
    ImportFailed = "import.failed" {
        /// Why.
        reason: String,
        /// What became of the rows read before.
        counts: ImportCounts,
    }
    /// The leads an import created were deleted (each keeps its history).
    ImportReverted = "import.reverted" {
        /// How many live leads were deleted.
        leads_deleted: u64,
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

/// Which events of one organization a feed read returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedQuery {
    /// Only events after this position.
    pub after: Position,
    /// At most this many.
    pub limit: Limit,
    /// Only these types; empty for all.
    pub types: Vec<EventType>,
}

/// One read of a feed, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The events.
    pub events: Vec<RecordedEvent>,
    /// Whether more events were already there to read.
    pub has_more: bool,
}

impl Feed {
    /// Where the next read starts: the last event's position, or `after` when empty.
    #[must_use]
    pub fn next_after(&self, after: Position) -> Position {
        self.events.last().map_or(after, |e| e.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_name_parses_back() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(*t));
        }
        assert!("lead.exploded".parse::<EventType>().is_err());
    }

    #[test]
    fn the_serialized_tag_is_the_type_name() {
        let change = Change::LeadDeleted { version: 3 };
        let json = serde_json::to_value(&change).expect("serializes");
        assert_eq!(json["type"], "lead.deleted");
        assert_eq!(json["version"], 3);
        let back: Change = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, change);
    }
}
