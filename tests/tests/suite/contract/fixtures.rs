//! Fixtures of the contract suites: valid records, stored the way the use cases
//! store them (through a unit of work, committed), and the assertions the suites
//! share. Fixtures append no events, so the outbox suite sees only its own.

use std::fmt::Debug;

use chrono::{DateTime, TimeDelta, Utc};
use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::{ActivityRepository, LeadRepository, Store, UnitOfWork};
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, Agent, AgentId, ApiToken, Category, CategoryId,
    CategoryName, Change, DomainError, Email, Event, Lead, LeadFilter, LeadId, LeadStatus, Limit,
    OrgId, Organization, OrganizationName, PageRequest, PasswordHash, PersonName, Role,
    SearchQuery, TokenHash, TokenId, User, UserId,
};

/// Now, at the microsecond precision every store keeps (as the application's clock
/// gives it), so records read back exactly as written.
pub fn now() -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
}

pub fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).expect("a valid name")
}

pub fn email(raw: &str) -> Email {
    Email::parse(raw).expect("a valid email")
}

/// The password hash stored for the account with this email. Stores never look
/// inside a hash, so any text will do; deriving it from the email lets a test
/// know what to expect back.
pub fn phc(email: &Email) -> PasswordHash {
    PasswordHash::new(format!("$argon2id$v=19$m=8,t=1,p=1$fake${email}"))
}

pub fn page(limit: i64) -> PageRequest {
    PageRequest {
        limit: Limit::new(limit).expect("a valid limit"),
        after: None,
    }
}

/// An organization with its owner and the owner's first token, as signup stores them.
pub struct Tenant {
    pub org: OrgId,
    pub organization: Organization,
    pub owner: User,
    pub token: ApiToken,
}

pub fn organization(label: &str) -> Organization {
    let now = now();
    Organization {
        id: OrgId::new(),
        name: OrganizationName::parse(label).expect("a valid organization name"),
        created_at: now,
        updated_at: now,
    }
}

/// Signs up organization `label` (its owner is `owner@{label}.test`).
pub async fn tenant<S: Store>(store: &S, label: &str) -> Tenant {
    let organization = organization(label);
    let address = format!("owner@{}.test", label.to_lowercase());
    let owner = user(organization.id, &address, Role::Owner);
    let token = token(&owner, TimeDelta::hours(1));
    let mut uow = store.begin().await.expect("begin");
    uow.insert_organization(&organization)
        .await
        .expect("an organization");
    uow.insert_user(&owner, &phc(&owner.email))
        .await
        .expect("its owner");
    uow.insert_token(&token).await.expect("the owner's token");
    uow.commit().await.expect("commit");
    Tenant {
        org: organization.id,
        organization,
        owner,
        token,
    }
}

pub fn user(org: OrgId, address: &str, role: Role) -> User {
    let now = now();
    User {
        id: UserId::new(),
        org_id: org,
        email: email(address),
        full_name: name("Someone"),
        role,
        active: true,
        created_at: now,
        updated_at: now,
    }
}

pub async fn stored_user<S: Store>(store: &S, org: OrgId, address: &str, role: Role) -> User {
    let user = user(org, address, role);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_user(&user, &phc(&user.email))
        .await
        .expect("a user");
    uow.commit().await.expect("commit");
    user
}

/// A token of `user`, with a hash of its own, valid for `ttl` from now.
pub fn token(user: &User, ttl: TimeDelta) -> ApiToken {
    let now = now();
    ApiToken {
        id: TokenId::new(),
        org_id: user.org_id,
        user_id: user.id,
        hash: TokenHash::from_hex(uuid::Uuid::new_v4().simple().to_string()),
        created_at: now,
        expires_at: now + ttl,
    }
}

pub async fn stored_token<S: Store>(store: &S, user: &User, ttl: TimeDelta) -> ApiToken {
    let token = token(user, ttl);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_token(&token).await.expect("a token");
    uow.commit().await.expect("commit");
    token
}

pub fn agent(org: OrgId, address: &str) -> Agent {
    let now = now();
    Agent {
        id: AgentId::new(),
        org_id: org,
        user_id: UserId::new(),
        email: email(address),
        full_name: name("Agent"),
        active: true,
        created_at: now,
        updated_at: now,
    }
}

/// An agent stored as the use case stores one: its user, then its profile.
pub async fn stored_agent<S: Store>(store: &S, org: OrgId, address: &str) -> Agent {
    let agent = agent(org, address);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_user(&agent.user(), &phc(&agent.email))
        .await
        .expect("the agent's user");
    uow.insert_agent(&agent).await.expect("the agent's profile");
    uow.commit().await.expect("commit");
    agent
}

pub fn category(org: OrgId, label: &str) -> Category {
    let now = now();
    Category {
        id: CategoryId::new(),
        org_id: org,
        name: CategoryName::parse(label).expect("a valid category name"),
        created_at: now,
        updated_at: now,
    }
}

pub async fn stored_category<S: Store>(store: &S, org: OrgId, label: &str) -> Category {
    let category = category(org, label);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_category(&category).await.expect("a category");
    uow.commit().await.expect("commit");
    category
}

/// A new lead `first` Tester, not stored.
pub fn lead(org: OrgId, first: &str) -> Lead {
    Lead::new(LeadId::new(), org, name(first), name("Tester"), now())
}

pub fn activity(lead: &Lead, actor: UserId, kind: ActivityKind) -> Activity {
    Activity {
        id: ActivityId::new(),
        org_id: lead.org_id,
        lead_id: lead.id,
        actor_id: Some(actor),
        kind,
        created_at: now(),
    }
}

/// Stores `lead` with its `created` history entry, by the tenant's owner.
pub async fn stored<S: Store>(store: &S, t: &Tenant, lead: Lead) -> Lead {
    let created = activity(&lead, t.owner.id, ActivityKind::Created);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&lead).await.expect("a lead");
    uow.append_activity(&created).await.expect("its history");
    uow.commit().await.expect("commit");
    lead
}

/// `n` new leads, `Lead00`, `Lead01`, ..., each of the next of `tenants` in turn;
/// not stored.
pub fn new_leads<'t>(tenants: &[&'t Tenant], n: usize) -> Vec<(&'t Tenant, Lead)> {
    (0..n)
        .map(|i| {
            let t = tenants[i % tenants.len()];
            (t, lead(t.org, &format!("Lead{i:02}")))
        })
        .collect()
}

/// What lead `lead`'s history holds, newest first.
pub async fn history_kinds<S: Store>(store: &S, org: OrgId, lead: LeadId) -> Vec<ActivityKind> {
    let history = store
        .activities()
        .list_for_lead(org, lead, page(100))
        .await
        .expect("history");
    history.items.into_iter().map(|e| e.activity.kind).collect()
}

/// `lead` created as the API creates one, by the tenant's owner: the lead, its
/// `created` history entry and its `lead.created` event in one unit of work
/// (the one fixture that appends an event); the event.
pub async fn created<S: Store>(store: &S, t: &Tenant, lead: &Lead) -> Result<Event, DomainError> {
    let change = Change::LeadCreated {
        lead: LeadSnapshot::from(lead),
    };
    let event = Event::new(t.org, Some(t.owner.id), lead.id, change, now());
    let mut uow = store.begin().await?;
    uow.insert_lead(lead).await?;
    uow.append_activity(&activity(lead, t.owner.id, ActivityKind::Created))
        .await?;
    uow.append_event(&event).await?;
    uow.commit().await?;
    Ok(event)
}

/// A new lead `first` Tester of the tenant, stored.
pub async fn stored_lead<S: Store>(store: &S, t: &Tenant, first: &str) -> Lead {
    stored(store, t, lead(t.org, first)).await
}

/// `n` stored leads of `t`, named `Lead00`, `Lead01`, ... in the order stored.
pub async fn stored_leads<S: Store>(store: &S, t: &Tenant, n: usize) -> Vec<Lead> {
    let mut leads = Vec::with_capacity(n);
    for i in 0..n {
        leads.push(stored_lead(store, t, &format!("Lead{i:02}")).await);
    }
    leads
}

/// Saves `lead` over stored version `expected`, in a unit of work of its own.
pub async fn save<S: Store>(store: &S, lead: &Lead, expected: i64) {
    let mut uow = store.begin().await.expect("begin");
    uow.save_lead(lead, expected).await.expect("a saved lead");
    uow.commit().await.expect("commit");
}

/// Moves a stored lead through `statuses` now, and saves it; the lead as saved.
pub async fn moved<S: Store>(store: &S, mut lead: Lead, statuses: &[LeadStatus]) -> Lead {
    let base = lead.version();
    for &status in statuses {
        lead.transition(status, now()).expect("an allowed move");
    }
    save(store, &lead, base).await;
    lead
}

/// Deletes a stored lead as the use case does, with its `deleted` history entry.
pub async fn deleted<S: Store>(store: &S, t: &Tenant, lead: &mut Lead) {
    let base = lead.version();
    lead.delete(now());
    let entry = activity(lead, t.owner.id, ActivityKind::Deleted);
    let mut uow = store.begin().await.expect("begin");
    uow.delete_lead(lead, base).await.expect("a deleted lead");
    uow.append_activity(&entry).await.expect("its history");
    uow.commit().await.expect("commit");
}

/// The ids of the first 100 leads of `org` that `filter` selects, newest first.
pub async fn matching<S: Store>(store: &S, org: OrgId, filter: LeadFilter) -> Vec<LeadId> {
    let found = store
        .leads()
        .list(org, &filter, page(100))
        .await
        .expect("a listing");
    found.items.iter().map(|l| l.id).collect()
}

/// The ids of the leads of `org` that search text `q` selects, newest first.
pub async fn search<S: Store>(store: &S, org: OrgId, q: &str) -> Vec<LeadId> {
    let filter = LeadFilter {
        query: Some(SearchQuery::parse(q).expect("a valid search")),
        ..LeadFilter::default()
    };
    matching(store, org, filter).await
}

#[track_caller]
pub fn assert_not_found<T: Debug>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::NotFound { .. })),
        "expected NotFound, got {result:?}"
    );
}

#[track_caller]
pub fn assert_conflict_on<T: Debug>(result: Result<T, DomainError>, field: &str) {
    assert!(
        matches!(&result, Err(DomainError::Conflict { field: f, .. }) if *f == field),
        "expected a conflict on {field}, got {result:?}"
    );
}

#[track_caller]
pub fn assert_precondition_failed<T: Debug>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { .. })),
        "expected PreconditionFailed, got {result:?}"
    );
}
