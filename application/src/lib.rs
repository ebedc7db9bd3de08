//! # DJ CRM application
//!
//! The use cases of DJ CRM, written against the ports of [`djcrm_domain`] and
//! nothing else. Embed it in any Rust program: pick a [`Store`] (the SQLite and
//! PostgreSQL adapters, or your own), a [`PasswordHasher`] and a [`Clock`], build a
//! [`Crm`], and call its methods.
//!
//! Every use case but signup, login and token authentication takes the calling
//! [`Actor`] first. Authorization is decided here, not by the caller:
//!
//! | area | organizer (and owner) | agent |
//! |---|---|---|
//! | organization, agents, stats | read and write | own performance only |
//! | categories | read and write | read |
//! | leads | everything | leads assigned to them: read, update, move status, notes; create (assigned to themselves); no delete, no assign |
//!
//! A lead that the caller may not see is reported as not found, so its existence does
//! not leak; a call that the role forbids outright is [`DomainError::Forbidden`].
//!
//! ```no_run
//! # async fn demo<S: djcrm_domain::ports::Store>(crm: djcrm_application::Crm<S>) -> Result<(), djcrm_domain::DomainError> {
//! use djcrm_application::{auth::SignupRequest, leads::CreateLeadRequest};
//!
//! let signed_up = crm
//!     .signup(SignupRequest {
//!         organization_name: "Acme".into(),
//!         email: "owner@acme.test".into(),
//!         password: "a long passphrase".into(),
//!         full_name: "Olive Owner".into(),
//!     })
//!     .await?;
//! let actor = crm.authenticate(&signed_up.token).await?;
//! let lead = crm
//!     .create_lead(&actor, CreateLeadRequest::named("Ada", "Lovelace"))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! [`Store`]: djcrm_domain::ports::Store
//! [`PasswordHasher`]: djcrm_domain::ports::PasswordHasher
//! [`Clock`]: djcrm_domain::ports::Clock
//! [`Actor`]: djcrm_domain::Actor
//! [`DomainError::Forbidden`]: djcrm_domain::DomainError::Forbidden

#![warn(missing_docs)]

mod account;
pub mod activities;
pub mod agents;
pub mod auth;
pub mod cache;
mod catalog;
pub mod categories;
pub mod clock;
pub mod dashboard;
pub mod events;
pub mod export;
mod fills;
pub mod idempotency;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod leads;
pub mod limits;
pub mod operator;
pub mod organization;
pub mod passwords;
pub mod patch;
mod policy;
mod sessions;
pub mod stats;
pub mod throttle;
pub mod tokens;
pub mod webhooks;

use std::sync::Arc;

use chrono::TimeDelta;
use djcrm_domain::ports::{Cache, Clock, JobQueue, PasswordHasher, RateLimiter, Store};
use djcrm_domain::{DomainError, Limit, PageRequest, ValidationErrors};

pub use clock::SystemClock;
pub use limits::Limits;
pub use patch::Patch;

/// Settings of the use cases themselves.
#[derive(Debug, Clone, Copy)]
pub struct CrmSettings {
    /// How long a token issued at signup or login stays valid.
    pub token_ttl: TimeDelta,
    /// The limits on logins, signups and password resets.
    pub limits: Limits,
    /// How long an invitation's token works.
    pub invitation_ttl: TimeDelta,
    /// How long a password reset's token works.
    pub reset_ttl: TimeDelta,
}

impl Default for CrmSettings {
    fn default() -> Self {
        Self {
            token_ttl: TimeDelta::days(30),
            limits: Limits::default(),
            invitation_ttl: TimeDelta::days(7),
            reset_ttl: TimeDelta::hours(1),
        }
    }
}

/// The ports other than the store.
pub struct Ports {
    /// Hashes and checks passwords.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
    /// Counts attempts against the limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Keeps what is read often (token lookups, statistics); give the store a
    /// [`cache::Invalidation`] over the same cache.
    pub cache: Arc<dyn Cache>,
}

/// The CRM: every use case, over one store and the cross-cutting ports.
pub struct Crm<S: Store> {
    store: S,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
    cache: Arc<dyn Cache>,
    fills: fills::Fills,
    settings: CrmSettings,
    queue: Option<Arc<dyn JobQueue>>,
}

impl<S: Store> Crm<S> {
    /// Assembles the CRM from its ports.
    pub fn new(store: S, ports: Ports, settings: CrmSettings) -> Self {
        Self {
            store,
            hasher: ports.hasher,
            clock: ports.clock,
            limiter: ports.limiter,
            cache: ports.cache,
            fills: fills::Fills::default(),
            settings,
            queue: None,
        }
    }

    /// The CRM, able to put failed jobs back on `queue` (without one, retrying a
    /// job answers [`DomainError::Busy`]).
    #[must_use]
    pub fn with_queue(mut self, queue: Arc<dyn JobQueue>) -> Self {
        self.queue = Some(queue);
        self
    }

    /// The store, for readiness probes and maintenance.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The time by the CRM's clock, for callers that show how a record stands now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Succeeds when the store answers.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when it does not.
    pub async fn ready(&self) -> Result<(), DomainError> {
        self.store.ping().await
    }

    /// Whether the cache answers. The CRM works without it (reads go to the store),
    /// so a failing cache makes the server degraded, not unready.
    pub async fn cache_answers(&self) -> bool {
        self.cache.ping().await.is_ok()
    }
}

/// Paging input as a client sends it: both optional and unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageParams {
    /// Page size; 25 when absent, at most 100.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// Validates the paging input.
    ///
    /// # Errors
    /// [`DomainError::Validation`] naming `limit` or `cursor`.
    pub fn parse(&self) -> Result<PageRequest, DomainError> {
        let mut errors = ValidationErrors::new();
        let page = self.parse_into(&mut errors);
        errors.into_result()?;
        Ok(page.unwrap_or_default())
    }

    /// Validates the paging input, recording failures into `errors`.
    pub fn parse_into(&self, errors: &mut ValidationErrors) -> Option<PageRequest> {
        let limit = self.limit.map_or(Ok(Limit::DEFAULT), Limit::new);
        let limit = errors.check("limit", limit);
        let after = errors.check_optional("cursor", self.cursor.as_deref().map(str::parse));
        Some(PageRequest {
            limit: limit?,
            after: after?,
        })
    }
}
