//! Ports: what the core needs from the outside world, as traits.
//!
//! Store ports are generic-friendly (`impl Future + Send`); a backend implements all
//! of them and exposes them through [`Store`]. Every store method takes the
//! [`OrgId`] of the caller (or a record that carries it) and MUST confine itself to
//! that organization: a record of another tenant is reported as
//! [`DomainError::NotFound`], exactly like a record that does not exist.
//!
//! The `# Errors` sections are contracts: the shared contract suite checks every
//! backend against them.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::{
    Activity, Actor, Agent, AgentId, AgentPerformance, ApiToken, Category, CategoryId, Credentials,
    DomainError, Email, Lead, LeadFilter, LeadId, OrgId, Organization, Page, PageRequest, Password,
    PipelineCounts, TokenHash, User, UserId,
};

/// Organizations, and the signup that creates one.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait OrganizationRepository: Send + Sync + 'static {
    /// Stores a new organization, its owner (with `password_hash`) and the owner's
    /// first token, all or nothing.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `email` when the owner's
    ///   email belongs to any user; nothing is written then.
    fn create_with_owner(
        &self,
        org: &Organization,
        owner: &User,
        password_hash: &str,
        token: &ApiToken,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The organization with this id.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when there is none.
    fn get(&self, id: OrgId) -> impl Future<Output = Result<Organization, DomainError>> + Send;

    /// Saves the organization's settings (its name).
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when there is none.
    fn update(&self, org: &Organization) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Users (accounts that log in).
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new owner or organizer. Agents are created through
    /// [`AgentRepository::create`], which also writes their profile.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `email` when the email is taken.
    /// - MUST return [`DomainError::NotFound`] when the organization does not exist.
    fn create(
        &self,
        user: &User,
        password_hash: &str,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The user `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(&self, org: OrgId, id: UserId)
    -> impl Future<Output = Result<User, DomainError>> + Send;

    /// The user who logs in with `email`, with their password hash; `None` if nobody does.
    fn credentials_by_email(
        &self,
        email: &Email,
    ) -> impl Future<Output = Result<Option<Credentials>, DomainError>> + Send;
}

/// Bearer tokens.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait TokenRepository: Send + Sync + 'static {
    /// Stores a newly issued token.
    fn insert(&self, token: &ApiToken) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Who the token with this hash authenticates at `now`: `None` when it is
    /// unknown, revoked or expired, or its user is deactivated.
    fn actor_for(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Actor>, DomainError>> + Send;

    /// Revokes the token with this hash if it belongs to `user`; revoking an
    /// unknown token is not an error (logout is idempotent).
    fn revoke(
        &self,
        user: UserId,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Agents: users of role agent and their profiles.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait AgentRepository: Send + Sync + 'static {
    /// Stores the agent's user (role agent, with `password_hash`) and profile, all or
    /// nothing.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `email` when the email is taken.
    fn create(
        &self,
        agent: &Agent,
        password_hash: &str,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The agent `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: AgentId,
    ) -> impl Future<Output = Result<Agent, DomainError>> + Send;

    /// The organization's agents, newest first.
    fn list(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Agent>, DomainError>> + Send;

    /// Saves the name and the active flag (on profile and user). Deactivating MUST
    /// also revoke every token of the agent's user, in the same transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn update(&self, agent: &Agent) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Lead categories.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait CategoryRepository: Send + Sync + 'static {
    /// Stores a new category.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `name` when the organization
    ///   has a category of that name, ignoring case.
    fn create(&self, category: &Category) -> impl Future<Output = Result<(), DomainError>> + Send;

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

    /// Renames a category.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    /// - MUST return [`DomainError::Conflict`] on field `name` for a taken name.
    fn update(&self, category: &Category) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Deletes a category; its leads become uncategorised (their version bumps).
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn delete(
        &self,
        org: OrgId,
        id: CategoryId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Leads, and the activity rows that record their changes.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait LeadRepository: Send + Sync + 'static {
    /// Stores a new lead and its `created` activity in one transaction.
    fn create(
        &self,
        lead: &Lead,
        activity: &Activity,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The live (not deleted) lead `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another organization.
    fn get(&self, org: OrgId, id: LeadId)
    -> impl Future<Output = Result<Lead, DomainError>> + Send;

    /// Saves `lead` (already at its new version) and `activity` in one transaction,
    /// only if the stored version is still `expected_version`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another organization.
    /// - MUST return [`DomainError::PreconditionFailed`] when the stored version
    ///   differs; nothing is written then.
    fn update(
        &self,
        lead: &Lead,
        expected_version: i64,
        activity: &Activity,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Marks the lead deleted and records `activity`, in one transaction. A deleted
    /// lead disappears from reads, lists and stats; its history is kept.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, already deleted or in
    ///   another organization.
    fn delete(
        &self,
        org: OrgId,
        id: LeadId,
        activity: &Activity,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Live leads matching `filter`, newest first.
    fn list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Lead>, DomainError>> + Send;

    /// Live leads per status.
    fn pipeline_counts(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<PipelineCounts, DomainError>> + Send;

    /// Performance of every agent of the organization (one agent when `agent` is
    /// given), agents without leads included, ordered by agent id.
    fn agent_performance(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
    ) -> impl Future<Output = Result<Vec<AgentPerformance>, DomainError>> + Send;
}

/// The history of leads.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait ActivityRepository: Send + Sync + 'static {
    /// Appends an activity that changes nothing else (a note).
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when its lead is absent, deleted or in
    ///   another organization.
    fn append(&self, activity: &Activity) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The history of lead `lead`, newest first.
    fn list_for_lead(
        &self,
        org: OrgId,
        lead: LeadId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Activity>, DomainError>> + Send;
}

/// A storage backend: every repository, plus a readiness probe.
pub trait Store: Send + Sync + 'static {
    /// Its organization repository.
    type Organizations: OrganizationRepository;
    /// Its user repository.
    type Users: UserRepository;
    /// Its token repository.
    type Tokens: TokenRepository;
    /// Its agent repository.
    type Agents: AgentRepository;
    /// Its category repository.
    type Categories: CategoryRepository;
    /// Its lead repository.
    type Leads: LeadRepository;
    /// Its activity repository.
    type Activities: ActivityRepository;

    /// Organizations.
    fn organizations(&self) -> &Self::Organizations;
    /// Users.
    fn users(&self) -> &Self::Users;
    /// Tokens.
    fn tokens(&self) -> &Self::Tokens;
    /// Agents.
    fn agents(&self) -> &Self::Agents;
    /// Categories.
    fn categories(&self) -> &Self::Categories;
    /// Leads.
    fn leads(&self) -> &Self::Leads;
    /// Activities.
    fn activities(&self) -> &Self::Activities;

    /// Succeeds when the store answers queries.
    fn ping(&self) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Turns passwords into slow, salted hashes and checks them.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A PHC-format hash of `password`.
    async fn hash(&self, password: &Password) -> Result<String, DomainError>;

    /// Whether `password` matches `hash`. A malformed hash is `false`, not an error.
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError>;
}

/// The time, so tests can fix it.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant, with at most microsecond precision: that is what every
    /// store keeps, so a record reads back exactly as it was written.
    fn now(&self) -> DateTime<Utc>;
}
