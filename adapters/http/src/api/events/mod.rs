//! The organization's change feed, `GET /events`.

mod convert;
mod data;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use djcrm_application::Crm;
use djcrm_application::events::FeedParams;
use djcrm_domain::ports::Store;
use djcrm_domain::{EventType, Feed, Position, RecordedEvent};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::dto::{LeadBody, UserBody};
use crate::problem::{AUTHENTICATED, FORBIDDEN, QUERY};
pub use data::EventData;

/// The type of an event; `data` holds the fields named here.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTypeDto {
    /// A lead was created. Data: `lead`.
    #[oai(rename = "lead.created")]
    LeadCreated,
    /// Some of a lead's details changed. Data: `fields`, `lead`.
    #[oai(rename = "lead.updated")]
    LeadUpdated,
    /// A lead was given to an agent. Data: `agent_id`, `previous_agent_id`, `version`.
    #[oai(rename = "lead.assigned")]
    LeadAssigned,
    /// A lead was taken back from its agent. Data: `previous_agent_id`, `version`.
    #[oai(rename = "lead.unassigned")]
    LeadUnassigned,
    /// A lead moved in the pipeline. Data: `from`, `to`, `note`, `version`.
    #[oai(rename = "lead.status_changed")]
    LeadStatusChanged,
    /// A lead was deleted (its history is kept). Data: `version`.
    #[oai(rename = "lead.deleted")]
    LeadDeleted,
    /// Someone wrote a note on a lead. Data: `activity_id`, `body`.
    #[oai(rename = "lead.note_added")]
    NoteAdded,
    /// An agent was added. Data: `agent`.
    #[oai(rename = "agent.created")]
    AgentCreated,
    /// An agent was renamed or reactivated. Data: `fields`, `agent`.
    #[oai(rename = "agent.updated")]
    AgentUpdated,
    /// An agent was deactivated: signed out everywhere, can no longer log in. Data: `agent`.
    #[oai(rename = "agent.deactivated")]
    AgentDeactivated,
    /// An agent was deleted: signed out, its leads unassigned (each with its own
    /// `lead.unassigned`), gone from the API; the history still names it. Data: `agent`.
    #[oai(rename = "agent.deleted")]
    AgentDeleted,
    /// A category was created. Data: `name`.
    #[oai(rename = "category.created")]
    CategoryCreated,
    /// A category was renamed. Data: `from`, `to`.
    #[oai(rename = "category.renamed")]
    CategoryRenamed,
    /// A category was deleted; its leads became uncategorised (each has its own `lead.updated`). Data: `name`, `leads_uncategorised`.
    #[oai(rename = "category.deleted")]
    CategoryDeleted,
    /// The organization's settings changed. Data: `previous_name`, `name`.
    #[oai(rename = "organization.updated")]
    OrganizationUpdated,
    /// An organization was created with its owner. Data: `organization_name`, `email`, `full_name`.
    #[oai(rename = "user.signed_up")]
    UserSignedUp,
    /// An operator added a user. Data: `email`, `full_name`, `role`.
    #[oai(rename = "user.created")]
    UserCreated,
    /// A user logged in (and got the token of the `token.issued` beside it). Data: `token_id`.
    #[oai(rename = "user.logged_in")]
    UserLoggedIn,
    /// A user logged out. Data: `token_id`.
    #[oai(rename = "user.logged_out")]
    UserLoggedOut,
    /// A login with this user's email failed. Data: `reason`.
    #[oai(rename = "user.login_failed")]
    UserLoginFailed,
    /// A token was issued (its secret is never recorded). Data: `user_id`, `expires_at`.
    #[oai(rename = "token.issued")]
    TokenIssued,
    /// A token was revoked. Data: `user_id`, `reason`.
    #[oai(rename = "token.revoked")]
    TokenRevoked,
    /// An invitation was mailed. Data: `email`, `full_name`, `expires_at`, `resent`.
    #[oai(rename = "invitation.sent")]
    InvitationSent,
    /// An invitation was withdrawn. Data: `email`.
    #[oai(rename = "invitation.revoked")]
    InvitationRevoked,
    /// An invitee joined as an agent. Data: `email`, `agent_id`.
    #[oai(rename = "invitation.accepted")]
    InvitationAccepted,
    /// A password reset was mailed. Data: `expires_at`.
    #[oai(rename = "user.password_reset_requested")]
    PasswordResetRequested,
    /// A user set a new password through a reset. Data: `tokens_revoked`.
    #[oai(rename = "user.password_changed")]
    PasswordChanged,
    /// An operator changed a user's role. Data: `from`, `to`.
    #[oai(rename = "user.role_changed")]
    UserRoleChanged,
    /// An operator deactivated a user. Data: `role`.
    #[oai(rename = "user.deactivated")]
    UserDeactivated,
    /// A webhook was registered. Data: `url`, `events`.
    #[oai(rename = "webhook.created")]
    WebhookCreated,
    /// A webhook was changed. Data: `url`, `events`, `active`.
    #[oai(rename = "webhook.updated")]
    WebhookUpdated,
    /// A webhook was removed. Data: `url`.
    #[oai(rename = "webhook.deleted")]
    WebhookDeleted,
    /// A webhook was turned off after failing repeatedly. Data: `reason`.
    #[oai(rename = "webhook.disabled")]
    WebhookDisabled,
    /// A CSV file of leads was uploaded or started. Data: `file_name`, `origin`,
    /// `duplicates`, `size_bytes`.
    #[oai(rename = "import.created")]
    ImportCreated,
    /// Every row of an import was read. Data: `counts`.
    #[oai(rename = "import.completed")]
    ImportCompleted,
    /// An import stopped before its last row. Data: `reason`, `counts`.
    #[oai(rename = "import.failed")]
    ImportFailed,
    /// The leads an import created were deleted. Data: `leads_deleted`.
    #[oai(rename = "import.reverted")]
    ImportReverted,
}

impl From<EventType> for EventTypeDto {
    fn from(event_type: EventType) -> Self {
        match event_type {
            EventType::LeadCreated => Self::LeadCreated,
            EventType::LeadUpdated => Self::LeadUpdated,
            EventType::LeadAssigned => Self::LeadAssigned,
            EventType::LeadUnassigned => Self::LeadUnassigned,
            EventType::LeadStatusChanged => Self::LeadStatusChanged,
            EventType::LeadDeleted => Self::LeadDeleted,
            EventType::NoteAdded => Self::NoteAdded,
            EventType::AgentCreated => Self::AgentCreated,
            EventType::AgentUpdated => Self::AgentUpdated,
            EventType::AgentDeactivated => Self::AgentDeactivated,
            EventType::AgentDeleted => Self::AgentDeleted,
            EventType::CategoryCreated => Self::CategoryCreated,
            EventType::CategoryRenamed => Self::CategoryRenamed,
            EventType::CategoryDeleted => Self::CategoryDeleted,
            EventType::OrganizationUpdated => Self::OrganizationUpdated,
            EventType::UserSignedUp => Self::UserSignedUp,
            EventType::UserCreated => Self::UserCreated,
            EventType::UserLoggedIn => Self::UserLoggedIn,
            EventType::UserLoggedOut => Self::UserLoggedOut,
            EventType::UserLoginFailed => Self::UserLoginFailed,
            EventType::TokenIssued => Self::TokenIssued,
            EventType::TokenRevoked => Self::TokenRevoked,
            EventType::InvitationSent => Self::InvitationSent,
            EventType::InvitationRevoked => Self::InvitationRevoked,
            EventType::InvitationAccepted => Self::InvitationAccepted,
            EventType::PasswordResetRequested => Self::PasswordResetRequested,
            EventType::PasswordChanged => Self::PasswordChanged,
            EventType::UserRoleChanged => Self::UserRoleChanged,
            EventType::UserDeactivated => Self::UserDeactivated,
            EventType::WebhookCreated => Self::WebhookCreated,
            EventType::WebhookUpdated => Self::WebhookUpdated,
            EventType::WebhookDeleted => Self::WebhookDeleted,
            EventType::WebhookDisabled => Self::WebhookDisabled,
            EventType::ImportCreated => Self::ImportCreated,
            EventType::ImportCompleted => Self::ImportCompleted,
            EventType::ImportFailed => Self::ImportFailed,
            EventType::ImportReverted => Self::ImportReverted,
        }
    }
}

/// One change of the organization.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
pub struct EventBody {
    /// Its position in the feed: pass the last one you processed as `after`.
    pub position: i64,
    /// Its id (stable across reads: use it to deduplicate if you must).
    pub id: Uuid,
    /// What happened.
    #[oai(rename = "type")]
    pub event_type: EventTypeDto,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who did it; absent for an operator (`djcrm-admin`).
    pub actor_id: Option<Uuid>,
    /// The record it is about: the lead, agent, category, user, token or organization.
    pub subject_id: Uuid,
    /// The event's data, one schema per type, told apart by its own `type`. Never
    /// holds a secret.
    pub data: EventData,
}

impl From<RecordedEvent> for EventBody {
    fn from(recorded: RecordedEvent) -> Self {
        let event = recorded.event;
        Self {
            position: recorded.position.get(),
            id: event.id.as_uuid(),
            event_type: event.event_type().into(),
            occurred_at: event.occurred_at,
            actor_id: event.actor_id.map(|a| a.as_uuid()),
            subject_id: event.subject_id,
            data: event.change.into(),
        }
    }
}

/// A page of the feed, oldest first.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct EventPage {
    /// The events.
    pub items: Vec<EventBody>,
    /// Where to continue: the last item's position, or the `after` you sent when
    /// there was nothing new. Always present, so a poller never loses its place.
    pub next_after: i64,
    /// Whether more events are already waiting (read again at once).
    pub has_more: bool,
}

impl Example for EventPage {
    fn example() -> Self {
        let lead = LeadBody::example();
        let snapshot = data::LeadSnapshotBody {
            first_name: lead.first_name,
            last_name: lead.last_name,
            email: lead.email,
            phone: lead.phone,
            description: lead.description,
            status: crate::dto::LeadStatusDto::New,
            category_id: lead.category_id,
            agent_id: lead.agent_id,
            version: 1,
        };
        Self {
            items: vec![EventBody {
                position: 42,
                id: Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c08),
                event_type: EventTypeDto::LeadCreated,
                occurred_at: lead.created_at,
                actor_id: Some(UserBody::example().id),
                subject_id: lead.id,
                data: EventData::LeadCreated(data::LeadCreatedData { lead: snapshot }),
            }],
            next_after: 42,
            has_more: false,
        }
    }
}

/// The change feed endpoint.
pub struct EventsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Events")]
impl<S: Store> EventsApi<S> {
    /// The organization's change feed, oldest first (organizers).
    ///
    /// Poll it with the last `next_after`: every committed change appears exactly
    /// once, in order, and nothing that was rolled back ever appears. Each event's
    /// `data` has one schema per `type`.
    #[oai(path = "/events", method = "get", operation_id = "listEvents")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only events after this position (default 0: from the start).
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// Only these types (repeat the parameter for several; none: every type).
        #[oai(name = "type", default)]
        types: Query<Vec<EventTypeDto>>,
    ) -> ApiResult<Json<EventPage>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let params = FeedParams {
            after: after.0,
            limit: limit.0,
            types: types
                .0
                .into_iter()
                .filter_map(|wanted| {
                    EventType::ALL
                        .iter()
                        .find(|t| EventTypeDto::from(**t) == wanted)
                        .map(|t| t.as_str().to_owned())
                })
                .collect(),
        };
        let feed: Feed = self.crm.events(&auth.0.actor, &params).await?;
        let next_after = feed
            .next_after(Position::new(params.after.unwrap_or(0)))
            .get();
        let items = feed.events.into_iter().map(EventBody::from).collect();
        Ok(Json(EventPage {
            items,
            next_after,
            has_more: feed.has_more,
        }))
    }
}
