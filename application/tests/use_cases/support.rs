//! The store of mocks and the fixtures every use-case test shares.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use djcrm_adapter_memory::MemoryRateLimiter;
use djcrm_application::{Crm, CrmSettings, Ports};
use djcrm_domain::ports::{
    Generation, MockActivityRepository, MockAgentRepository, MockCache, MockCategoryRepository,
    MockClock, MockEventLog, MockIdempotencyRepository, MockImportRepository,
    MockInvitationRepository, MockJobLog, MockLeadRepository, MockOrganizationRepository,
    MockPasswordHasher, MockRetention, MockTokenRepository, MockUnitOfWork, MockUserRepository,
    MockWebhookRepository, Store,
};
use djcrm_domain::{
    Activity, Actor, Agent, AgentId, DomainError, Email, Event, Lead, LeadId, LeadStatus, OrgId,
    PersonName, Role, StoredLead, User, UserId,
};

/// A store of mocks. `begin` hands out the units of work queued with
/// [`TestStore::expect_unit_of_work`], in order, and panics when none is left; a
/// queued unit of work that is never opened fails the test when the store is dropped.
#[derive(Default)]
pub struct TestStore {
    pub organizations: MockOrganizationRepository,
    pub users: MockUserRepository,
    pub tokens: MockTokenRepository,
    pub agents: MockAgentRepository,
    pub categories: MockCategoryRepository,
    pub leads: MockLeadRepository,
    pub activities: MockActivityRepository,
    pub events: MockEventLog,
    pub idempotency: MockIdempotencyRepository,
    pub invitations: MockInvitationRepository,
    pub jobs: MockJobLog,
    pub webhooks: MockWebhookRepository,
    pub imports: MockImportRepository,
    pub retention: MockRetention,
    units: Mutex<VecDeque<MockUnitOfWork>>,
}

impl TestStore {
    /// The store names the caller (whoever adds a note), as Ada.
    pub fn knows_the_author(&mut self) {
        self.users
            .expect_get()
            .returning(|org, _| done(Ok(user(org, true))));
    }

    /// Queues the next unit of work a use case will open.
    pub fn expect_unit_of_work(&mut self, uow: MockUnitOfWork) {
        self.units
            .get_mut()
            .expect("unit-of-work queue")
            .push_back(uow);
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let unopened = self.units.get_mut().map_or(0, |units| units.len());
        assert_eq!(
            unopened, 0,
            "the test queued {unopened} unit(s) of work that the use case never opened"
        );
    }
}

impl Store for TestStore {
    type Organizations = MockOrganizationRepository;
    type Users = MockUserRepository;
    type Tokens = MockTokenRepository;
    type Agents = MockAgentRepository;
    type Categories = MockCategoryRepository;
    type Leads = MockLeadRepository;
    type Activities = MockActivityRepository;
    type Events = MockEventLog;
    type Idempotency = MockIdempotencyRepository;
    type Invitations = MockInvitationRepository;
    type Jobs = MockJobLog;
    type Webhooks = MockWebhookRepository;
    type Imports = MockImportRepository;
    type Retention = MockRetention;
    type UnitOfWork = MockUnitOfWork;

    fn organizations(&self) -> &Self::Organizations {
        &self.organizations
    }
    fn users(&self) -> &Self::Users {
        &self.users
    }
    fn tokens(&self) -> &Self::Tokens {
        &self.tokens
    }
    fn agents(&self) -> &Self::Agents {
        &self.agents
    }
    fn categories(&self) -> &Self::Categories {
        &self.categories
    }
    fn leads(&self) -> &Self::Leads {
        &self.leads
    }
    fn activities(&self) -> &Self::Activities {
        &self.activities
    }
    fn events(&self) -> &Self::Events {
        &self.events
    }
    fn idempotency(&self) -> &Self::Idempotency {
        &self.idempotency
    }
    fn invitations(&self) -> &Self::Invitations {
        &self.invitations
    }
    fn jobs(&self) -> &Self::Jobs {
        &self.jobs
    }
    fn webhooks(&self) -> &Self::Webhooks {
        &self.webhooks
    }
    fn imports(&self) -> &Self::Imports {
        &self.imports
    }
    fn retention(&self) -> &Self::Retention {
        &self.retention
    }

    fn begin(&self) -> impl Future<Output = Result<MockUnitOfWork, DomainError>> + Send {
        let next = self.units.lock().expect("unit-of-work queue").pop_front();
        let uow = next.expect(
            "the use case opened a unit of work the test did not expect: \
             it must not write anything here",
        );
        async move { Ok(uow) }
    }

    async fn ping(&self) -> Result<(), DomainError> {
        Ok(())
    }

    async fn refresh_statistics(&self) -> Result<(), DomainError> {
        Ok(())
    }
}

/// What every mocked store method returns.
pub type Fut<T> = Pin<Box<dyn Future<Output = Result<T, DomainError>> + Send>>;

/// A mocked store answer.
pub fn done<T: Send + 'static>(result: Result<T, DomainError>) -> Fut<T> {
    Box::pin(async move { result })
}

/// A mocked write that succeeds.
pub fn ok() -> Fut<()> {
    done(Ok(()))
}

/// Values a mock was called with, in call order.
pub type Captured<T> = Arc<Mutex<Vec<T>>>;

/// An empty capture.
pub fn captured<T>() -> Captured<T> {
    Arc::new(Mutex::new(Vec::new()))
}

/// Records one call.
pub fn push<T>(captured: &Captured<T>, item: T) {
    captured.lock().expect("capture lock").push(item);
}

/// Every recorded call.
pub fn all<T: Clone>(captured: &Captured<T>) -> Vec<T> {
    captured.lock().expect("capture lock").clone()
}

/// The one recorded call; fails unless there was exactly one.
pub fn only<T: Clone>(captured: &Captured<T>) -> T {
    let items = captured.lock().expect("capture lock");
    assert_eq!(items.len(), 1, "expected exactly one call");
    items[0].clone()
}

/// Accepts and records every `append_event` of `uow`.
pub fn record_events(uow: &mut MockUnitOfWork) -> Captured<Event> {
    let events = captured();
    let sink = Arc::clone(&events);
    uow.expect_append_event().returning(move |event| {
        push(&sink, event.clone());
        ok()
    });
    events
}

/// Accepts and records every `append_activity` of `uow`.
pub fn record_activities(uow: &mut MockUnitOfWork) -> Captured<Activity> {
    let activities = captured();
    let sink = Arc::clone(&activities);
    uow.expect_append_activity().returning(move |activity| {
        push(&sink, activity.clone());
        ok()
    });
    activities
}

/// Expects `uow` to be committed exactly once.
pub fn commits_once(uow: &mut MockUnitOfWork) {
    uow.expect_commit().times(1).returning(ok);
}

/// A unit of work that locks `lead` (of its organization, by its id) once and is told
/// nothing else: any save, activity, event or commit on it panics.
pub fn locking(lead: Lead) -> MockUnitOfWork {
    let mut uow = MockUnitOfWork::new();
    let (org, id) = (lead.org_id, lead.id);
    uow.expect_lead_for_update()
        .times(1)
        .withf(move |o: &OrgId, i: &LeadId| *o == org && *i == id)
        .returning(move |_, _| done(Ok(lead.clone())));
    uow
}

/// The type names of `events`, in order.
pub fn type_names(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .map(|event| event.event_type().as_str())
        .collect()
}

/// The whole event as JSON, as an outbox reader would see it.
pub fn event_json(event: &Event) -> String {
    serde_json::json!({
        "id": event.id,
        "org_id": event.org_id,
        "actor_id": event.actor_id,
        "subject_id": event.subject_id,
        "occurred_at": event.occurred_at,
        "change": event.change,
    })
    .to_string()
}

/// The fields a validation error names; fails on anything else.
pub fn invalid_fields<T>(result: Result<T, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(errors)) => {
            errors.errors().iter().map(|e| e.field.clone()).collect()
        }
        Err(other) => panic!("expected a validation error, got {other:?}"),
        Ok(_) => panic!("expected a validation error, got a success"),
    }
}

/// Fails unless `result` is [`DomainError::Forbidden`].
pub fn assert_forbidden<T>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::Forbidden(_))),
        "expected Forbidden, got {:?}",
        result.err()
    );
}

/// Fails unless `result` is [`DomainError::NotFound`].
pub fn assert_not_found<T>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::NotFound { .. })),
        "expected NotFound, got {:?}",
        result.err()
    );
}

/// The instant the mocked clock always tells.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Before [`now`], for records that already exist.
pub fn earlier() -> DateTime<Utc> {
    now() - TimeDelta::days(3)
}

/// The CRM over `store`, with `hasher` and a clock fixed at [`now`].
pub fn crm_with(store: TestStore, hasher: MockPasswordHasher) -> Crm<TestStore> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    let ports = Ports {
        hasher: Arc::new(hasher),
        clock: Arc::new(clock),
        limiter: Arc::new(MemoryRateLimiter::new()),
        cache: Arc::new(no_cache()),
    };
    Crm::new(store, ports, CrmSettings::default())
}

/// A cache that never holds anything: the use cases' tests see every read reach
/// the store.
fn no_cache() -> MockCache {
    let mut cache = MockCache::new();
    cache.expect_get().returning(|_, _| Ok(None));
    cache
        .expect_generation()
        .returning(|_| Ok(Generation::default()));
    cache.expect_put().returning(|_, _, _, _, _| Ok(false));
    cache.expect_invalidate().returning(|_| Ok(()));
    cache
}

/// The CRM over `store`, with a hasher that must not be called.
pub fn crm(store: TestStore) -> Crm<TestStore> {
    crm_with(store, MockPasswordHasher::new())
}

/// An organizer of `org`.
pub fn organizer(org: OrgId) -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: org,
        role: Role::Organizer,
        agent_id: None,
    }
}

/// An agent of `org`, with their profile.
pub fn agent_actor(org: OrgId) -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: org,
        role: Role::Agent,
        agent_id: Some(AgentId::new()),
    }
}

/// A valid person name.
pub fn person(raw: &str) -> PersonName {
    PersonName::parse(raw).expect("a valid name")
}

/// Ada Lovelace, a new lead of `org` (version 1) assigned to `agent`.
pub fn lead(org: OrgId, agent: Option<AgentId>) -> Lead {
    let mut lead = Lead::new(
        LeadId::new(),
        org,
        person("Ada"),
        person("Lovelace"),
        earlier(),
    );
    lead.agent_id = agent;
    lead
}

/// An unassigned lead of `org` as a store reads it back, in `status` at `version`.
pub fn lead_at(org: OrgId, status: LeadStatus, version: i64) -> Lead {
    Lead::restore(StoredLead {
        lead: lead(org, None),
        status,
        version,
        updated_at: earlier(),
        first_contacted_at: status.has_been_contacted().then(earlier),
    })
}

/// An active agent `id` of `org`.
pub fn active_agent(org: OrgId, id: AgentId) -> Agent {
    Agent {
        id,
        org_id: org,
        user_id: UserId::new(),
        email: Email::parse("a@acme.test").expect("valid"),
        full_name: person("A"),
        active: true,
        created_at: earlier(),
        updated_at: earlier(),
    }
}

/// Ada, an organizer of `org` who logs in as `ada@acme.test`.
pub fn user(org: OrgId, active: bool) -> User {
    User {
        id: UserId::new(),
        org_id: org,
        email: Email::parse("ada@acme.test").expect("valid"),
        full_name: person("Ada"),
        role: Role::Organizer,
        active,
        created_at: earlier(),
        updated_at: earlier(),
    }
}
