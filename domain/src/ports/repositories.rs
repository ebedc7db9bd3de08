//! Read ports: every query the use cases make outside a unit of work.
//!
//! Every method takes the [`OrgId`] of the caller (or a key that names one) and MUST
//! confine itself to that organization: a record of another tenant is reported as
//! [`DomainError::NotFound`], exactly like a record that does not exist.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::{
    Agent, AgentId, AgentPerformance, ApiToken, Category, CategoryId, Census, Credentials, Digest,
    DomainError, Email, EventId, Feed, FeedQuery, HistoryEntry, IdempotencyKey, Invitation,
    InvitationId, Lead, LeadFilter, LeadId, Limit, OrgId, Organization, Page, PageRequest,
    PipelineCounts, PipelineFlow, Position, RecentActivity, RecordedEvent, RecordedResponse,
    Reservation, Session, TokenHash, User, UserId,
};

/// Organizations.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait OrganizationRepository: Send + Sync + 'static {
    /// The organization with this id.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when there is none.
    fn get(&self, id: OrgId) -> impl Future<Output = Result<Organization, DomainError>> + Send;

    /// Every organization, newest first (operators).
    fn list(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Organization>, DomainError>> + Send;

    /// The installation in numbers (operators).
    fn census(&self) -> impl Future<Output = Result<Census, DomainError>> + Send;
}

/// Users (accounts that log in).
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait UserRepository: Send + Sync + 'static {
    /// The user `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(&self, org: OrgId, id: UserId)
    -> impl Future<Output = Result<User, DomainError>> + Send;

    /// The users of `org`, newest first.
    fn list(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<User>, DomainError>> + Send;

    /// Active owners and organizers of every organization, by id, after `after`, at
    /// most `limit`: whom digests go to.
    fn organizers(
        &self,
        after: Option<UserId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<User>, DomainError>> + Send;

    /// The user who logs in with `email`, with their password hash; `None` if nobody does.
    fn credentials_by_email(
        &self,
        email: &Email,
    ) -> impl Future<Output = Result<Option<Credentials>, DomainError>> + Send;
}

/// Bearer tokens.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait TokenRepository: Send + Sync + 'static {
    /// Who the token with this hash authenticates at `now`, and until when: `None`
    /// when it is unknown, revoked or expired, or its user is deactivated.
    fn session_for(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Session>, DomainError>> + Send;

    /// The tokens of `user` of `org` that have not been revoked (expired ones
    /// included), newest first.
    fn list(
        &self,
        org: OrgId,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<ApiToken>, DomainError>> + Send;
}

/// Agents: users of role agent and their profiles.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait AgentRepository: Send + Sync + 'static {
    /// The agent `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another
    ///   organization.
    fn get(
        &self,
        org: OrgId,
        id: AgentId,
    ) -> impl Future<Output = Result<Agent, DomainError>> + Send;

    /// The organization's agents (not deleted ones), newest first.
    fn list(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Agent>, DomainError>> + Send;
}

/// Lead categories.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait CategoryRepository: Send + Sync + 'static {
    /// The category `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: CategoryId,
    ) -> impl Future<Output = Result<Category, DomainError>> + Send;

    /// The organization's categories, newest first.
    fn list(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Category>, DomainError>> + Send;
}

/// Leads, their listing and their statistics.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait LeadRepository: Send + Sync + 'static {
    /// The live (not deleted) lead `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another organization.
    fn get(&self, org: OrgId, id: LeadId)
    -> impl Future<Output = Result<Lead, DomainError>> + Send;

    /// Live leads matching `filter`, newest first.
    fn list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Lead>, DomainError>> + Send;

    /// The organization's day for its digest: leads created and converted in
    /// `[from, to)`, and open leads unchanged since `untouched_before`.
    fn digest(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        untouched_before: DateTime<Utc>,
    ) -> impl Future<Output = Result<Digest, DomainError>> + Send;

    /// Live leads per status.
    fn pipeline_counts(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<PipelineCounts, DomainError>> + Send;

    /// The moves between stages since `since`, summed per UTC day: leads created
    /// (`from` empty, `to` the stage they were created in), moved (both) and
    /// deleted (`to` empty, `from` the stage they were in).
    fn pipeline_flows(
        &self,
        org: OrgId,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<PipelineFlow>, DomainError>> + Send;

    /// Performance of every agent of the organization (one agent when `agent` is
    /// given), agents without leads included, deleted agents not, ordered by agent id.
    fn agent_performance(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
    ) -> impl Future<Output = Result<Vec<AgentPerformance>, DomainError>> + Send;
}

/// The history of leads.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait ActivityRepository: Send + Sync + 'static {
    /// The history of lead `lead`, newest first, each entry with its actor's name.
    fn list_for_lead(
        &self,
        org: OrgId,
        lead: LeadId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<HistoryEntry>, DomainError>> + Send;

    /// The newest `limit` history entries of the organization's leads, newest
    /// first; only those of `agent`'s leads when given.
    fn recent(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
        limit: Limit,
    ) -> impl Future<Output = Result<Vec<RecentActivity>, DomainError>> + Send;
}

/// Idempotency records: one per (scope, key), kept 24 hours. Not domain changes
/// (they record answers, not facts), so they are written outside units of work.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait IdempotencyRepository: Send + Sync + 'static {
    /// Claims `key` in `scope` for the request with this `fingerprint` at `now`, or
    /// says what an earlier claim found. A record older than `expires_before` no
    /// longer counts.
    fn reserve(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: DateTime<Utc>,
        expires_before: DateTime<Utc>,
    ) -> impl Future<Output = Result<Reservation, DomainError>> + Send;

    /// Records the answer to a reserved key.
    fn complete(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        response: &RecordedResponse,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Gives a reserved key up (the request failed in a way worth retrying).
    fn release(
        &self,
        scope: &str,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Invitations of agents.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait InvitationRepository: Send + Sync + 'static {
    /// The invitation `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: InvitationId,
    ) -> impl Future<Output = Result<Invitation, DomainError>> + Send;

    /// The invitation whose current token has this hash, in any organization; `None`
    /// when there is none.
    fn by_token(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<Invitation>, DomainError>> + Send;

    /// The organization's open invitations (neither accepted nor revoked, expired
    /// or not), newest first.
    fn list_open(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Invitation>, DomainError>> + Send;
}

/// The outbox, read: the committed events in position order.
///
/// A reader that tails by position MUST never skip an event: a read returns only
/// positions below which every transaction has ended, so an event that commits later
/// always gets a position above everything already returned.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait EventLog: Send + Sync + 'static {
    /// The organization's events after `query.after`, oldest first.
    fn feed(
        &self,
        org: OrgId,
        query: &FeedQuery,
    ) -> impl Future<Output = Result<Feed, DomainError>> + Send;

    /// The event `id` of `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: EventId,
    ) -> impl Future<Output = Result<RecordedEvent, DomainError>> + Send;

    /// Every organization's events after `after`, oldest first, at most `limit`: for
    /// relays that serve all tenants.
    fn tail(
        &self,
        after: Position,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, DomainError>> + Send;
}
