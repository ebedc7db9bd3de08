//! # DJ CRM domain
//!
//! The pure core of DJ CRM: what an organization, a user, an agent, a lead, a
//! category and an activity *are*, the rules they obey (the sales pipeline, the
//! shape of a valid email or name) and the **ports** through which the rest of the
//! system reaches storage, password hashing and the clock.
//!
//! This crate does no I/O. Value objects validate on construction, so an invalid
//! [`Email`] or [`PersonName`] cannot exist; the pipeline graph lives on
//! [`LeadStatus::can_transition_to`]; every record carries the [`OrgId`] of the
//! organization it belongs to.
//!
//! Ports are in [`ports`]. Store ports use native `async fn` in traits with `Send`
//! futures (generic use), the cross-cutting ones (`PasswordHasher`, `Clock`) are
//! object safe so they can be shared as `Arc<dyn ...>`. With the `mocks` feature
//! every port gets a [`mockall`](https://docs.rs/mockall) mock named `Mock<Port>`.

#![warn(missing_docs)]

pub mod actor;
pub mod entities;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod jobs;
pub mod pagination;
pub mod ports;
pub mod values;

pub use actor::{Actor, Session};
pub use entities::{
    activity::{Activity, ActivityKind, HistoryEntry, RecentActivity},
    agent::{Agent, AgentPerformance},
    category::Category,
    digest::{Digest, UntouchedLead},
    import::{
        Duplicates, Import, ImportColumn, ImportCounts, ImportOrigin, ImportState, Problem,
        Rejection,
    },
    invitation::{Invitation, InvitationState, PasswordReset},
    lead::{Lead, LeadEdit, LeadField, LeadFilter, PipelineCounts, StoredLead},
    organization::{Census, Organization},
    pipeline::{PipelineFlow, PipelineSnapshot, pipeline_history},
    token::{ApiToken, TokenHash},
    user::{Credentials, User},
    webhook::{Delivery, EventFilter, Webhook, WebhookUrl, WebhookUrlError},
};
pub use error::{BoxError, DomainError, FieldError, ValidationErrors, chain};
pub use events::{Change, Event, EventType, Feed, FeedQuery, Position, RecordedEvent};
pub use idempotency::{IdempotencyKey, RecordedResponse, Reservation};
pub use ids::{
    ActivityId, AgentId, CategoryId, DeliveryId, EventId, ImportId, InvitationId, LeadId, OrgId,
    ResetId, TokenId, UserId, WebhookId,
};
pub use pagination::{Cursor, Limit, Page, PageRequest};
pub use values::{
    category_name::CategoryName,
    description::Description,
    email::Email,
    lead_status::LeadStatus,
    org_name::OrganizationName,
    password::{Password, PasswordHash},
    person_name::PersonName,
    phone::PhoneNumber,
    role::Role,
    search_query::SearchQuery,
};
