//! Use cases against mocked ports: authorization for every role (including a user of
//! another organization), validation before any write, and the retry on concurrent
//! lead changes.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use djcrm_application::auth::{LoginRequest, SignupRequest};
use djcrm_application::leads::{CreateLeadRequest, ListLeadsRequest};
use djcrm_application::{Crm, CrmSettings, PageParams};
use djcrm_domain::ports::*;
use djcrm_domain::*;
use mockall::predicate::{always, eq};

#[derive(Default)]
struct TestStore {
    orgs: MockOrganizationRepository,
    users: MockUserRepository,
    tokens: MockTokenRepository,
    agents: MockAgentRepository,
    categories: MockCategoryRepository,
    leads: MockLeadRepository,
    activities: MockActivityRepository,
}

impl Store for TestStore {
    type Organizations = MockOrganizationRepository;
    type Users = MockUserRepository;
    type Tokens = MockTokenRepository;
    type Agents = MockAgentRepository;
    type Categories = MockCategoryRepository;
    type Leads = MockLeadRepository;
    type Activities = MockActivityRepository;
    fn organizations(&self) -> &Self::Organizations {
        &self.orgs
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
    async fn ping(&self) -> Result<(), DomainError> {
        Ok(())
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .expect("a valid instant")
}

fn crm_with(store: TestStore, hasher: MockPasswordHasher) -> Crm<TestStore> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Crm::new(
        store,
        Arc::new(hasher),
        Arc::new(clock),
        CrmSettings::default(),
    )
}

fn crm(store: TestStore) -> Crm<TestStore> {
    crm_with(store, MockPasswordHasher::new())
}

fn organizer(org: OrgId) -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: org,
        role: Role::Organizer,
        agent_id: None,
    }
}

fn agent_actor(org: OrgId) -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: org,
        role: Role::Agent,
        agent_id: Some(AgentId::new()),
    }
}

fn lead(org: OrgId, agent: Option<AgentId>) -> Lead {
    Lead {
        id: LeadId::new(),
        org_id: org,
        first_name: PersonName::parse("Ada").expect("valid"),
        last_name: PersonName::parse("Lovelace").expect("valid"),
        email: None,
        phone: None,
        description: None,
        status: LeadStatus::New,
        category_id: None,
        agent_id: agent,
        version: 1,
        created_at: now(),
        updated_at: now(),
        first_contacted_at: None,
    }
}

fn active_agent(org: OrgId, id: AgentId) -> Agent {
    Agent {
        id,
        org_id: org,
        user_id: UserId::new(),
        email: Email::parse("a@acme.test").expect("valid"),
        full_name: PersonName::parse("A").expect("valid"),
        active: true,
        created_at: now(),
        updated_at: now(),
    }
}

fn user(org: OrgId, active: bool) -> User {
    User {
        id: UserId::new(),
        org_id: org,
        email: Email::parse("ada@acme.test").expect("valid"),
        full_name: PersonName::parse("Ada").expect("valid"),
        role: Role::Organizer,
        active,
        created_at: now(),
        updated_at: now(),
    }
}

#[tokio::test]
async fn signup_reports_every_invalid_field_and_writes_nothing() {
    let crm = crm(TestStore::default());
    let err = crm
        .signup(SignupRequest {
            organization_name: " ".into(),
            email: "x".into(),
            password: "short".into(),
            full_name: "".into(),
        })
        .await
        .expect_err("invalid");
    let DomainError::Validation(errors) = err else {
        panic!("expected validation, got {err:?}")
    };
    let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["organization_name", "email", "password", "full_name"]
    );
}

#[tokio::test]
async fn signup_stores_the_owner_with_a_hash_and_only_the_token_digest() {
    let mut store = TestStore::default();
    store
        .orgs
        .expect_create_with_owner()
        .times(1)
        .returning(|org, owner, hash, token| {
            assert_eq!(owner.role, Role::Owner);
            assert_eq!(owner.org_id, org.id);
            assert_eq!(hash, "phc$hash");
            assert_eq!(token.user_id, owner.id);
            assert_eq!(token.hash.as_str().len(), 64);
            Box::pin(async { Ok(()) })
        });
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok("phc$hash".into()));
    let signed_up = crm_with(store, hasher)
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "Owner@Acme.test".into(),
            password: "a long passphrase".into(),
            full_name: "Olive".into(),
        })
        .await
        .expect("signed up");
    assert_eq!(signed_up.user.email.as_str(), "owner@acme.test");
    assert!(signed_up.token.starts_with("djcrm_"));
    assert_eq!(signed_up.expires_at, now() + chrono::TimeDelta::days(30));
}

#[tokio::test]
async fn login_with_an_unknown_email_still_checks_a_password_and_answers_unauthenticated() {
    let mut store = TestStore::default();
    store
        .users
        .expect_credentials_by_email()
        .returning(|_| Box::pin(async { Ok(None) }));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().times(1).returning(|_, _| Ok(false));
    let err = crm_with(store, hasher)
        .login(LoginRequest {
            email: "nobody@acme.test".into(),
            password: "whatever pass".into(),
        })
        .await
        .expect_err("unknown");
    assert!(matches!(err, DomainError::Unauthenticated));
}

#[tokio::test]
async fn login_refuses_a_wrong_password_and_a_deactivated_user_alike() {
    for (password_ok, active) in [(false, true), (true, false)] {
        let mut store = TestStore::default();
        let org = OrgId::new();
        store
            .users
            .expect_credentials_by_email()
            .returning(move |_| {
                let credentials = Credentials {
                    user: user(org, active),
                    password_hash: "phc".into(),
                };
                Box::pin(async move { Ok(Some(credentials)) })
            });
        store.tokens.expect_insert().never();
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .returning(move |_, _| Ok(password_ok));
        let err = crm_with(store, hasher)
            .login(LoginRequest {
                email: "ada@acme.test".into(),
                password: "some password".into(),
            })
            .await
            .expect_err("refused");
        assert!(matches!(err, DomainError::Unauthenticated));
    }
}

#[tokio::test]
async fn an_unknown_token_is_unauthenticated() {
    let mut store = TestStore::default();
    store
        .tokens
        .expect_actor_for()
        .returning(|_, _| Box::pin(async { Ok(None) }));
    assert!(matches!(
        crm(store).authenticate("djcrm_x").await,
        Err(DomainError::Unauthenticated)
    ));
}

#[tokio::test]
async fn agents_cannot_manage_agents_categories_stats_or_delete_leads() {
    let actor = agent_actor(OrgId::new());
    // No expectation is set: any store call would panic the mock.
    let crm = crm(TestStore::default());
    let forbidden =
        |r: Result<(), DomainError>| assert!(matches!(r, Err(DomainError::Forbidden(_))), "{r:?}");
    forbidden(
        crm.create_agent(
            &actor,
            djcrm_application::agents::CreateAgentRequest {
                email: "a@b.io".into(),
                full_name: "A".into(),
                password: "0123456789".into(),
            },
        )
        .await
        .map(|_| ()),
    );
    forbidden(crm.agents(&actor, &PageParams::default()).await.map(|_| ()));
    forbidden(crm.create_category(&actor, "Web").await.map(|_| ()));
    forbidden(crm.delete_category(&actor, CategoryId::new()).await);
    forbidden(crm.delete_lead(&actor, LeadId::new()).await);
    forbidden(
        crm.assign_lead(&actor, LeadId::new(), None, None)
            .await
            .map(|_| ()),
    );
    forbidden(crm.pipeline_stats(&actor).await.map(|_| ()));
    forbidden(crm.agents_stats(&actor).await.map(|_| ()));
    forbidden(crm.agent_stats(&actor, AgentId::new()).await.map(|_| ()));
    forbidden(crm.organization(&actor).await.map(|_| ()));
}

#[tokio::test]
async fn an_agent_does_not_see_a_lead_assigned_to_someone_else() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let theirs = lead(org, Some(AgentId::new()));
    let id = theirs.id;
    let mut store = TestStore::default();
    store.leads.expect_get().returning(move |_, _| {
        let lead = theirs.clone();
        Box::pin(async move { Ok(lead) })
    });
    store.leads.expect_update().never();
    let crm = crm(store);
    assert!(matches!(
        crm.lead(&actor, id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        crm.change_lead_status(&actor, id, "contacted", None, None)
            .await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn every_query_is_scoped_to_the_callers_organization() {
    let ours = OrgId::new();
    let stranger = organizer(OrgId::new());
    let mut store = TestStore::default();
    store
        .leads
        .expect_get()
        .with(eq(stranger.org_id), always())
        .returning(|_, _| Box::pin(async { Err(DomainError::not_found("lead")) }));
    store.leads.expect_get().with(eq(ours), always()).never();
    let crm = crm(store);
    assert!(matches!(
        crm.lead(&stranger, LeadId::new()).await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_agents_listing_is_always_filtered_to_their_own_leads() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let own = actor.agent_id;
    let mut store = TestStore::default();
    store
        .leads
        .expect_list()
        .times(1)
        .returning(move |_, filter, _| {
            assert_eq!(filter.agent_id, own);
            Box::pin(async {
                Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                })
            })
        });
    let crm = crm(store);
    crm.leads(&actor, ListLeadsRequest::default())
        .await
        .expect("listed");
    let other = ListLeadsRequest {
        agent_id: Some(AgentId::new()),
        ..ListLeadsRequest::default()
    };
    assert!(matches!(
        crm.leads(&actor, other).await,
        Err(DomainError::Forbidden(_))
    ));
}

#[tokio::test]
async fn an_agents_new_lead_is_assigned_to_them() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let own = actor.agent_id;
    let mut store = TestStore::default();
    store.agents.expect_get().returning(move |org, id| {
        let agent = active_agent(org, id);
        Box::pin(async move { Ok(agent) })
    });
    store
        .leads
        .expect_create()
        .times(1)
        .returning(move |lead, activity| {
            assert_eq!(lead.agent_id, own);
            assert_eq!(activity.kind, ActivityKind::Created);
            assert_eq!(activity.lead_id, lead.id);
            Box::pin(async { Ok(()) })
        });
    let lead = crm(store)
        .create_lead(&actor, CreateLeadRequest::named("Ada", "Lovelace"))
        .await
        .expect("created");
    assert_eq!(lead.status, LeadStatus::New);
}

#[tokio::test]
async fn references_to_another_tenants_category_or_agent_are_validation_errors() {
    let actor = organizer(OrgId::new());
    let mut store = TestStore::default();
    store
        .categories
        .expect_get()
        .returning(|_, _| Box::pin(async { Err(DomainError::not_found("category")) }));
    store
        .agents
        .expect_get()
        .returning(|_, _| Box::pin(async { Err(DomainError::not_found("agent")) }));
    store.leads.expect_create().never();
    let request = CreateLeadRequest {
        category_id: Some(CategoryId::new()),
        agent_id: Some(AgentId::new()),
        ..CreateLeadRequest::named("A", "B")
    };
    let err = crm(store)
        .create_lead(&actor, request)
        .await
        .expect_err("invalid");
    let DomainError::Validation(errors) = err else {
        panic!("expected validation")
    };
    let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["category_id", "agent_id"]);
}

#[tokio::test]
async fn an_illegal_transition_is_refused_before_any_write() {
    let org = OrgId::new();
    let actor = organizer(org);
    let new_lead = lead(org, None);
    let id = new_lead.id;
    let mut store = TestStore::default();
    store.leads.expect_get().returning(move |_, _| {
        let lead = new_lead.clone();
        Box::pin(async move { Ok(lead) })
    });
    store.leads.expect_update().never();
    let err = crm(store)
        .change_lead_status(&actor, id, "converted", None, None)
        .await
        .expect_err("illegal");
    assert!(matches!(
        err,
        DomainError::InvalidTransition {
            from: LeadStatus::New,
            to: LeadStatus::Converted
        }
    ));
}

#[tokio::test]
async fn a_stale_if_match_fails_without_writing() {
    let org = OrgId::new();
    let actor = organizer(org);
    let current = lead(org, None);
    let id = current.id;
    let mut store = TestStore::default();
    store.leads.expect_get().returning(move |_, _| {
        let lead = current.clone();
        Box::pin(async move { Ok(lead) })
    });
    store.leads.expect_update().never();
    let err = crm(store)
        .change_lead_status(&actor, id, "contacted", None, Some(7))
        .await
        .expect_err("stale");
    assert!(matches!(
        err,
        DomainError::PreconditionFailed { expected: 7 }
    ));
}

#[tokio::test]
async fn a_concurrent_change_without_if_match_is_retried_on_fresh_data() {
    let org = OrgId::new();
    let actor = organizer(org);
    let first = lead(org, None);
    let id = first.id;
    let mut second = first.clone();
    second.version = 2;
    second.first_name = PersonName::parse("Changed").expect("valid");
    let mut store = TestStore::default();
    let mut reads = vec![second, first];
    store.leads.expect_get().times(2).returning(move |_, _| {
        let lead = reads.pop().expect("two reads");
        Box::pin(async move { Ok(lead) })
    });
    let mut attempts = 0;
    store
        .leads
        .expect_update()
        .times(2)
        .returning(move |lead, expected, activity| {
            attempts += 1;
            assert_eq!(lead.status, LeadStatus::Contacted);
            assert!(matches!(activity.kind, ActivityKind::StatusChanged { .. }));
            let result = if attempts == 1 {
                Err(DomainError::PreconditionFailed { expected })
            } else {
                Ok(())
            };
            Box::pin(async move { result })
        });
    let lead = crm(store)
        .change_lead_status(&actor, id, "contacted", Some("called"), None)
        .await
        .expect("retried");
    assert_eq!(lead.version, 3);
    assert_eq!(lead.first_name.as_str(), "Changed");
    assert_eq!(lead.first_contacted_at, Some(now()));
}

#[tokio::test]
async fn an_agent_may_read_their_own_performance_only() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let own = actor.agent_id.expect("an agent");
    let mut store = TestStore::default();
    store
        .agents
        .expect_get()
        .with(eq(org), eq(own))
        .returning(move |org, id| {
            let agent = active_agent(org, id);
            Box::pin(async move { Ok(agent) })
        });
    store
        .leads
        .expect_agent_performance()
        .with(eq(org), eq(Some(own)))
        .returning(|_, _| Box::pin(async { Ok(Vec::new()) }));
    let crm = crm(store);
    let mine = crm.agent_stats(&actor, own).await.expect("own stats");
    assert_eq!((mine.assigned, mine.converted), (0, 0));
    assert!(matches!(
        crm.agent_stats(&actor, AgentId::new()).await,
        Err(DomainError::Forbidden(_))
    ));
}

#[tokio::test]
async fn notes_are_validated_and_need_a_visible_lead() {
    let org = OrgId::new();
    let actor = organizer(org);
    let crm_no_store = crm(TestStore::default());
    assert!(matches!(
        crm_no_store.add_note(&actor, LeadId::new(), "   ").await,
        Err(DomainError::Validation(_))
    ));

    let mut store = TestStore::default();
    store
        .leads
        .expect_get()
        .returning(|_, _| Box::pin(async { Err(DomainError::not_found("lead")) }));
    store.activities.expect_append().never();
    assert!(matches!(
        crm(store).add_note(&actor, LeadId::new(), "hello").await,
        Err(DomainError::NotFound { .. })
    ));
}
