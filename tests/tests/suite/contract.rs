//! The store contract: every repository port's `# Errors` promises, written once
//! (generic over [`Store`]) and run against every store by `store_contract!`.

use chrono::{TimeDelta, Utc};
use djcrm_domain::ports::{
    ActivityRepository, AgentRepository, CategoryRepository, LeadRepository,
    OrganizationRepository, Store, TokenRepository, UserRepository,
};
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, Agent, AgentId, ApiToken, Category, CategoryId,
    CategoryName, DomainError, Email, Lead, LeadFilter, LeadId, LeadStatus, Limit, OrgId,
    Organization, OrganizationName, PageRequest, PersonName, Role, TokenHash, TokenId, User,
    UserId,
};

/// Now, at the microsecond precision every store keeps (as the application's clock gives).
fn now() -> chrono::DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
}

fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).expect("a valid name")
}

fn email(raw: &str) -> Email {
    Email::parse(raw).expect("a valid email")
}

/// An organization with its owner, stored.
struct Tenant {
    org: OrgId,
    owner: UserId,
}

async fn tenant<S: Store>(store: &S, label: &str) -> Tenant {
    let now = now();
    let org = Organization {
        id: OrgId::new(),
        name: OrganizationName::parse(label).expect("valid"),
        created_at: now,
        updated_at: now,
    };
    let owner = user(
        org.id,
        &format!("owner@{}.test", label.to_lowercase()),
        Role::Owner,
    );
    let token = token(&owner, &format!("hash-{}", owner.id), TimeDelta::hours(1));
    store
        .organizations()
        .create_with_owner(&org, &owner, "phc", &token)
        .await
        .expect("signup");
    Tenant {
        org: org.id,
        owner: owner.id,
    }
}

fn user(org: OrgId, address: &str, role: Role) -> User {
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

fn token(user: &User, hash: &str, ttl: TimeDelta) -> ApiToken {
    let now = now();
    ApiToken {
        id: TokenId::new(),
        org_id: user.org_id,
        user_id: user.id,
        hash: TokenHash::from_hex(hash.to_owned()),
        created_at: now,
        expires_at: now + ttl,
    }
}

fn agent(org: OrgId, address: &str) -> Agent {
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

fn lead(org: OrgId, first: &str) -> Lead {
    let now = now();
    Lead {
        id: LeadId::new(),
        org_id: org,
        first_name: name(first),
        last_name: name("Tester"),
        email: None,
        phone: None,
        description: None,
        status: LeadStatus::New,
        category_id: None,
        agent_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        first_contacted_at: None,
    }
}

fn activity(t: &Tenant, lead: LeadId, kind: ActivityKind) -> Activity {
    Activity {
        id: ActivityId::new(),
        org_id: t.org,
        lead_id: lead,
        actor_id: t.owner,
        kind,
        created_at: now(),
    }
}

async fn stored_lead<S: Store>(store: &S, t: &Tenant, first: &str) -> Lead {
    let lead = lead(t.org, first);
    store
        .leads()
        .create(&lead, &activity(t, lead.id, ActivityKind::Created))
        .await
        .expect("create lead");
    lead
}

/// The ids of the first 100 leads of `org` that `filter` selects, newest first.
async fn matching<S: Store>(store: &S, org: OrgId, filter: LeadFilter) -> Vec<LeadId> {
    let found = store
        .leads()
        .list(org, &filter, page(100))
        .await
        .expect("list");
    found.items.iter().map(|l| l.id).collect()
}

fn page(limit: i64) -> PageRequest {
    PageRequest {
        limit: Limit::new(limit).expect("valid"),
        after: None,
    }
}

pub async fn signup_is_all_or_nothing_and_emails_are_unique<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let org = store.organizations().get(acme.org).await.expect("stored");
    assert_eq!(org.name.as_str(), "Acme");

    // A second signup with the same owner email conflicts and leaves no organization behind.
    let now = now();
    let second = Organization {
        id: OrgId::new(),
        name: OrganizationName::parse("Copy").expect("valid"),
        created_at: now,
        updated_at: now,
    };
    let owner = user(second.id, "OWNER@acme.test", Role::Owner);
    let err = store
        .organizations()
        .create_with_owner(
            &second,
            &owner,
            "phc",
            &token(&owner, "h2", TimeDelta::hours(1)),
        )
        .await;
    assert!(
        matches!(err, Err(DomainError::Conflict { field: "email", .. })),
        "{err:?}"
    );
    assert!(matches!(
        store.organizations().get(second.id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        store.organizations().get(OrgId::new()).await,
        Err(DomainError::NotFound { .. })
    ));
}

pub async fn users_are_confined_to_their_organization<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let organizer = user(acme.org, "org@acme.test", Role::Organizer);
    store
        .users()
        .create(&organizer, "phc-org")
        .await
        .expect("created");
    assert_eq!(
        store
            .users()
            .get(acme.org, organizer.id)
            .await
            .expect("found"),
        organizer
    );
    assert!(matches!(
        store.users().get(globex.org, organizer.id).await,
        Err(DomainError::NotFound { .. })
    ));
    let creds = store
        .users()
        .credentials_by_email(&email("org@acme.test"))
        .await
        .expect("query")
        .expect("found");
    assert_eq!(creds.password_hash, "phc-org");
    assert!(
        store
            .users()
            .credentials_by_email(&email("nobody@acme.test"))
            .await
            .expect("query")
            .is_none()
    );
    let clash = user(globex.org, "org@acme.test", Role::Organizer);
    assert!(matches!(
        store.users().create(&clash, "x").await,
        Err(DomainError::Conflict { field: "email", .. })
    ));
    let orphan = user(OrgId::new(), "orphan@acme.test", Role::Organizer);
    assert!(matches!(
        store.users().create(&orphan, "x").await,
        Err(DomainError::NotFound { .. })
    ));
}

pub async fn tokens_authenticate_until_expired_or_revoked<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let owner = store
        .users()
        .get(acme.org, acme.owner)
        .await
        .expect("owner");
    let live = token(&owner, "live", TimeDelta::hours(1));
    let expired = token(&owner, "expired", TimeDelta::seconds(-1));
    store.tokens().insert(&live).await.expect("insert");
    store.tokens().insert(&expired).await.expect("insert");
    let actor = store
        .tokens()
        .actor_for(&live.hash, now())
        .await
        .expect("query")
        .expect("valid");
    assert_eq!(
        (actor.user_id, actor.org_id, actor.role, actor.agent_id),
        (owner.id, acme.org, Role::Owner, None)
    );
    assert!(
        store
            .tokens()
            .actor_for(&expired.hash, now())
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .tokens()
            .actor_for(&TokenHash::from_hex("nope".into()), now())
            .await
            .expect("query")
            .is_none()
    );
    // Revoking needs the owner of the token.
    store
        .tokens()
        .revoke(UserId::new(), &live.hash)
        .await
        .expect("idempotent");
    assert!(
        store
            .tokens()
            .actor_for(&live.hash, now())
            .await
            .expect("query")
            .is_some()
    );
    store
        .tokens()
        .revoke(owner.id, &live.hash)
        .await
        .expect("revoke");
    assert!(
        store
            .tokens()
            .actor_for(&live.hash, now())
            .await
            .expect("query")
            .is_none()
    );
}

pub async fn agents_page_newest_first_and_deactivation_revokes_tokens<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let a = agent(acme.org, &format!("agent{i}@acme.test"));
        store.agents().create(&a, "phc").await.expect("create");
        created.push(a);
    }
    let dup = agent(acme.org, "agent0@acme.test");
    assert!(matches!(
        store.agents().create(&dup, "phc").await,
        Err(DomainError::Conflict { field: "email", .. })
    ));
    assert!(
        store.users().get(acme.org, dup.user_id).await.is_err(),
        "no half-written agent user"
    );

    let first = store.agents().list(acme.org, page(2)).await.expect("list");
    assert_eq!(
        first.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![created[4].id, created[3].id]
    );
    let second = store
        .agents()
        .list(
            acme.org,
            PageRequest {
                after: first.next_cursor,
                ..page(2)
            },
        )
        .await
        .expect("list");
    let third = store
        .agents()
        .list(
            acme.org,
            PageRequest {
                after: second.next_cursor,
                ..page(2)
            },
        )
        .await
        .expect("list");
    assert_eq!(third.items.len(), 1);
    assert!(third.next_cursor.is_none());
    assert!(
        store
            .agents()
            .list(globex.org, page(10))
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(matches!(
        store.agents().get(globex.org, created[0].id).await,
        Err(DomainError::NotFound { .. })
    ));

    let user = store
        .users()
        .get(acme.org, created[0].user_id)
        .await
        .expect("agent user");
    assert_eq!(user.role, Role::Agent);
    let t = token(&user, "agent-token", TimeDelta::hours(1));
    store.tokens().insert(&t).await.expect("insert");
    let actor = store
        .tokens()
        .actor_for(&t.hash, now())
        .await
        .expect("q")
        .expect("valid");
    assert_eq!(actor.agent_id, Some(created[0].id));

    let mut off = created[0].clone();
    off.active = false;
    off.full_name = name("Renamed");
    store.agents().update(&off).await.expect("update");
    assert_eq!(
        store.agents().get(acme.org, off.id).await.expect("get"),
        off
    );
    assert!(
        store
            .tokens()
            .actor_for(&t.hash, now())
            .await
            .expect("q")
            .is_none()
    );
    let mut foreign = off.clone();
    foreign.org_id = globex.org;
    assert!(matches!(
        store.agents().update(&foreign).await,
        Err(DomainError::NotFound { .. })
    ));
}

pub async fn categories_are_unique_ignoring_case_and_deleting_uncategorises<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let now = now();
    let category = |org, n: &str| Category {
        id: CategoryId::new(),
        org_id: org,
        name: CategoryName::parse(n).expect("valid"),
        created_at: now,
        updated_at: now,
    };
    let web = category(acme.org, "Web");
    store.categories().create(&web).await.expect("create");
    assert!(matches!(
        store.categories().create(&category(acme.org, "WEB")).await,
        Err(DomainError::Conflict { field: "name", .. })
    ));
    store
        .categories()
        .create(&category(globex.org, "Web"))
        .await
        .expect("other tenants may reuse names");
    assert!(matches!(
        store.categories().get(globex.org, web.id).await,
        Err(DomainError::NotFound { .. })
    ));
    let mut renamed = web.clone();
    renamed.name = CategoryName::parse("Website").expect("valid");
    store.categories().update(&renamed).await.expect("rename");
    assert_eq!(
        store
            .categories()
            .get(acme.org, web.id)
            .await
            .expect("get")
            .name
            .as_str(),
        "Website"
    );

    let mut tagged = lead(acme.org, "Tagged");
    tagged.category_id = Some(web.id);
    store
        .leads()
        .create(&tagged, &activity(&acme, tagged.id, ActivityKind::Created))
        .await
        .expect("lead");
    assert!(matches!(
        store.categories().delete(globex.org, web.id, now).await,
        Err(DomainError::NotFound { .. })
    ));
    store
        .categories()
        .delete(acme.org, web.id, now)
        .await
        .expect("delete");
    let after = store.leads().get(acme.org, tagged.id).await.expect("lead");
    assert_eq!(after.category_id, None);
    assert_eq!(after.version, 2);
    assert_eq!(
        store
            .categories()
            .list(acme.org, page(10))
            .await
            .expect("list")
            .items
            .len(),
        0
    );
}

pub async fn leads_are_versioned_isolated_and_soft_deleted<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    assert_eq!(store.leads().get(acme.org, ada.id).await.expect("get"), ada);
    assert!(matches!(
        store.leads().get(globex.org, ada.id).await,
        Err(DomainError::NotFound { .. })
    ));

    let base = ada.version;
    ada.transition(LeadStatus::Contacted, now())
        .expect("allowed");
    let moved = activity(
        &acme,
        ada.id,
        ActivityKind::StatusChanged {
            from: LeadStatus::New,
            to: LeadStatus::Contacted,
            note: None,
        },
    );
    store
        .leads()
        .update(&ada, base, &moved)
        .await
        .expect("update");
    assert_eq!(store.leads().get(acme.org, ada.id).await.expect("get"), ada);

    // A stale version writes nothing, not even the activity.
    let mut stale = ada.clone();
    stale.first_name = name("Stale");
    stale.version += 1;
    let a = activity(
        &acme,
        ada.id,
        ActivityKind::Updated {
            fields: vec!["first_name".into()],
        },
    );
    assert!(matches!(
        store.leads().update(&stale, base, &a).await,
        Err(DomainError::PreconditionFailed { .. })
    ));
    let history = store
        .activities()
        .list_for_lead(acme.org, ada.id, page(10))
        .await
        .expect("history");
    assert_eq!(history.items.len(), 2);

    // Another tenant cannot write it.
    let mut foreign = ada.clone();
    foreign.org_id = globex.org;
    let b = Activity {
        org_id: globex.org,
        actor_id: globex.owner,
        ..activity(&acme, ada.id, ActivityKind::Deleted)
    };
    assert!(matches!(
        store.leads().update(&foreign, ada.version, &b).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        store.leads().delete(globex.org, ada.id, &b).await,
        Err(DomainError::NotFound { .. })
    ));

    store
        .leads()
        .delete(
            acme.org,
            ada.id,
            &activity(&acme, ada.id, ActivityKind::Deleted),
        )
        .await
        .expect("delete");
    assert!(matches!(
        store.leads().get(acme.org, ada.id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .leads()
            .delete(
                acme.org,
                ada.id,
                &activity(&acme, ada.id, ActivityKind::Deleted)
            )
            .await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        store
            .leads()
            .list(acme.org, &LeadFilter::default(), page(10))
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(matches!(
        store
            .activities()
            .append(&activity(
                &acme,
                ada.id,
                ActivityKind::Note {
                    body: djcrm_domain::Description::parse("x").expect("valid")
                }
            ))
            .await,
        Err(DomainError::NotFound { .. })
    ));
}

pub async fn a_failed_activity_write_rolls_the_lead_change_back<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    let before = ada.clone();
    ada.first_name = name("Changed");
    ada.version += 1;
    // The actor does not exist: the activity row violates its foreign key.
    let broken = Activity {
        actor_id: UserId::new(),
        ..activity(
            &acme,
            ada.id,
            ActivityKind::Updated {
                fields: vec!["first_name".into()],
            },
        )
    };
    assert!(
        store
            .leads()
            .update(&ada, before.version, &broken)
            .await
            .is_err()
    );
    assert_eq!(
        store.leads().get(acme.org, ada.id).await.expect("get"),
        before
    );

    let fresh = lead(acme.org, "Never");
    let broken = Activity {
        actor_id: UserId::new(),
        ..activity(&acme, fresh.id, ActivityKind::Created)
    };
    assert!(store.leads().create(&fresh, &broken).await.is_err());
    assert!(matches!(
        store.leads().get(acme.org, fresh.id).await,
        Err(DomainError::NotFound { .. })
    ));
}

pub async fn lead_lists_filter_page_and_count<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_lead(&store, &globex, "Foreign").await;
    let alice = agent(acme.org, "alice@acme.test");
    store.agents().create(&alice, "phc").await.expect("agent");
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut l = lead(acme.org, &format!("Lead{i:02}"));
        if i % 3 == 0 {
            l.agent_id = Some(alice.id);
        }
        if i % 4 == 0 {
            l.email = Some(email(&format!("vip{i}@Example.com")));
        }
        store
            .leads()
            .create(&l, &activity(&acme, l.id, ActivityKind::Created))
            .await
            .expect("create");
        ids.push(l.id);
    }
    ids.reverse();

    let mut seen = Vec::new();
    let mut request = page(5);
    loop {
        let p = store
            .leads()
            .list(acme.org, &LeadFilter::default(), request)
            .await
            .expect("list");
        seen.extend(p.items.iter().map(|l| l.id));
        match p.next_cursor {
            Some(c) => request.after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids, "newest first, each once");

    let by = |filter: LeadFilter| matching(&store, acme.org, filter);
    assert_eq!(
        by(LeadFilter {
            agent_id: Some(alice.id),
            ..LeadFilter::default()
        })
        .await
        .len(),
        4
    );
    assert_eq!(
        by(LeadFilter {
            query: Some("VIP".into()),
            ..LeadFilter::default()
        })
        .await
        .len(),
        3
    );
    let new_lead0 = LeadFilter {
        query: Some("lead0".into()),
        status: Some(LeadStatus::New),
        ..LeadFilter::default()
    };
    assert_eq!(by(new_lead0).await.len(), 10);
    assert!(
        by(LeadFilter {
            query: Some("_".into()),
            ..LeadFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(
        by(LeadFilter {
            query: Some("vi*".into()),
            ..LeadFilter::default()
        })
        .await
        .is_empty()
    );

    // Search follows edits.
    let mut renamed = store.leads().get(acme.org, ids[0]).await.expect("get");
    let base = renamed.version;
    renamed.first_name = name("Zebedee");
    renamed.touch(now());
    let change = activity(
        &acme,
        renamed.id,
        ActivityKind::Updated {
            fields: vec!["first_name".into()],
        },
    );
    store
        .leads()
        .update(&renamed, base, &change)
        .await
        .expect("rename");
    assert_eq!(
        by(LeadFilter {
            query: Some("ZEBED".into()),
            ..LeadFilter::default()
        })
        .await,
        vec![renamed.id]
    );
    assert!(
        by(LeadFilter {
            query: Some("lead11 ".into()),
            ..LeadFilter::default()
        })
        .await
        .is_empty()
    );

    let counts = store
        .leads()
        .pipeline_counts(acme.org)
        .await
        .expect("counts");
    assert_eq!((counts.total(), counts.new), (12, 12));
    let perf = store
        .leads()
        .agent_performance(acme.org, None)
        .await
        .expect("perf");
    assert_eq!(perf.len(), 1);
    assert_eq!(
        (
            perf[0].agent_id,
            perf[0].assigned,
            perf[0].contacted,
            perf[0].converted
        ),
        (alice.id, 4, 0, 0)
    );
    assert!(
        store
            .leads()
            .agent_performance(globex.org, None)
            .await
            .expect("perf")
            .is_empty()
    );
}

/// Runs every contract test against one store; `$make` is an async expression
/// that yields a fresh, empty store.
macro_rules! store_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;
            store_contract!(@tests $make;
                signup_is_all_or_nothing_and_emails_are_unique,
                users_are_confined_to_their_organization,
                tokens_authenticate_until_expired_or_revoked,
                agents_page_newest_first_and_deactivation_revokes_tokens,
                categories_are_unique_ignoring_case_and_deleting_uncategorises,
                leads_are_versioned_isolated_and_soft_deleted,
                a_failed_activity_write_rolls_the_lead_change_back,
                lead_lists_filter_page_and_count,
            );
        }
    };
    (@tests $make:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let (store, _database) = $make;
                super::$test(store).await;
            }
        )*
    };
}

async fn sqlite() -> (djcrm_adapter_sqlite::SqliteStore, ()) {
    let options = djcrm_adapter_sqlite::SqliteOptions::new("sqlite::memory:");
    let store = djcrm_adapter_sqlite::SqliteStore::connect(&options)
        .await
        .expect("an in-memory SQLite store");
    (store, ())
}

async fn postgres() -> (
    djcrm_adapter_postgres::PostgresStore,
    crate::pg::TestDatabase,
) {
    let database = crate::pg::TestDatabase::create().await;
    let options = djcrm_adapter_postgres::PostgresOptions::new(&database.url);
    let store = djcrm_adapter_postgres::PostgresStore::connect(&options)
        .await
        .expect("a PostgreSQL store");
    (store, database)
}

store_contract!(sqlite_store, sqlite().await);
store_contract!(postgres_store, postgres().await);
