//! Ports: what the core needs from the outside world, as traits.
//!
//! Reads go through the repositories of a [`Store`]; writes go through a
//! [`UnitOfWork`] opened by [`Store::begin`], one per use case, which also appends
//! the use case's domain events to the outbox. Store ports are generic-friendly
//! (`impl Future + Send`); the cross-cutting ones (hasher, clock) are object safe.
//!
//! The `# Errors` sections are contracts: the shared contract suite checks every
//! backend against them.

mod cache;
mod imports;
mod jobs;
mod limits;
mod mail;
mod repositories;
mod retention;
mod unit_of_work;
mod webhooks;

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::{DomainError, Password, PasswordHash};

#[cfg(feature = "mocks")]
pub use cache::MockCache;
pub use cache::{Cache, CacheError, ChangeListener, Generation};
pub use imports::ImportRepository;
#[cfg(feature = "mocks")]
pub use imports::MockImportRepository;
pub use jobs::{JobLog, JobQueue, QueueError};
#[cfg(feature = "mocks")]
pub use jobs::{MockJobLog, MockJobQueue};
#[cfg(feature = "mocks")]
pub use limits::MockRateLimiter;
pub use limits::{LimiterError, Quota, RateLimiter, Standing, Tat, gcra};
#[cfg(feature = "mocks")]
pub use mail::MockMailer;
pub use mail::{Mail, MailError, Mailer};
pub use repositories::{
    ActivityRepository, AgentRepository, CategoryRepository, EventLog, IdempotencyRepository,
    InvitationRepository, LeadRepository, OrganizationRepository, TokenRepository, UserRepository,
};
#[cfg(feature = "mocks")]
pub use repositories::{
    MockActivityRepository, MockAgentRepository, MockCategoryRepository, MockEventLog,
    MockIdempotencyRepository, MockInvitationRepository, MockLeadRepository,
    MockOrganizationRepository, MockTokenRepository, MockUserRepository,
};
#[cfg(feature = "mocks")]
pub use retention::MockRetention;
pub use retention::{Cutoffs, Purged, Retention};
#[cfg(feature = "mocks")]
pub use unit_of_work::MockUnitOfWork;
pub use unit_of_work::UnitOfWork;
#[cfg(feature = "mocks")]
pub use webhooks::{MockWebhookRepository, MockWebhookSender};
pub use webhooks::{WebhookAnswer, WebhookRepository, WebhookSendError, WebhookSender};

/// A storage backend: every read repository, the outbox reader, and units of work.
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
    /// Its outbox reader.
    type Events: EventLog;
    /// Its idempotency records.
    type Idempotency: IdempotencyRepository;
    /// Its invitations.
    type Invitations: InvitationRepository;
    /// Its bookkeeping of background jobs.
    type Jobs: JobLog;
    /// Its webhooks.
    type Webhooks: WebhookRepository;
    /// Its imports.
    type Imports: ImportRepository;
    /// Its retention.
    type Retention: Retention;
    /// Its write transactions.
    type UnitOfWork: UnitOfWork;

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
    /// The outbox.
    fn events(&self) -> &Self::Events;
    /// Idempotency records.
    fn idempotency(&self) -> &Self::Idempotency;
    /// Invitations.
    fn invitations(&self) -> &Self::Invitations;
    /// Background job bookkeeping.
    fn jobs(&self) -> &Self::Jobs;
    /// Webhooks.
    fn webhooks(&self) -> &Self::Webhooks;
    /// Imports.
    fn imports(&self) -> &Self::Imports;
    /// Retention.
    fn retention(&self) -> &Self::Retention;

    /// Starts a unit of work. Its transaction may open only at its first
    /// statement; on SQLite that takes the write lock before anything else, so
    /// concurrent writers queue instead of failing halfway.
    fn begin(&self) -> impl Future<Output = Result<Self::UnitOfWork, DomainError>> + Send;

    /// Succeeds when the store answers queries.
    fn ping(&self) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Refreshes the planner's statistics, after bulk writes.
    fn refresh_statistics(&self) -> impl Future<Output = Result<(), DomainError>> + Send;
}

/// Turns passwords into slow, salted hashes and checks them.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A PHC-format hash of `password`.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DomainError>;

    /// Whether `password` matches `hash`. A malformed hash is `false`, not an error.
    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, DomainError>;
}

/// The time, so tests can fix it.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant, with at most microsecond precision: that is what every
    /// store keeps, so a record reads back exactly as it was written.
    fn now(&self) -> DateTime<Utc>;
}
