//! Seeding and timing helpers for the benchmarks in `benches/`.

pub mod load;
pub mod server;
pub mod wrk;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use djcrm_adapter_postgres::PostgresStore;
use djcrm_adapter_sqlite::SqliteStore;
use djcrm_domain::ports::{Store, UnitOfWork};
use sqlx::{QueryBuilder, Sqlite};

/// Any error of a benchmark.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
use djcrm_domain::{
    Agent, AgentId, ApiToken, Category, CategoryId, CategoryName, Email, LeadId, LeadStatus, OrgId,
    Organization, OrganizationName, PasswordHash, PersonName, Role, TokenHash, TokenId, User,
    UserId,
};

/// One synthetic lead, as columns.
pub struct SeedLead {
    pub id: LeadId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub status: LeadStatus,
    pub category_id: CategoryId,
    pub agent_id: AgentId,
    pub created_at: DateTime<Utc>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    pub seconds_to_first_contact: Option<i64>,
    pub search_text: String,
}

/// The organization the leads belong to, with its agents and categories.
pub struct Tenant {
    pub org: OrgId,
    pub agents: Vec<AgentId>,
    pub categories: Vec<CategoryId>,
}

fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).unwrap_or_else(|_| unreachable!("seed names are valid"))
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap_or_else(|_| unreachable!("seed emails are valid"))
}

/// Creates the organization, 20 agents and 10 categories through the store's ports.
///
/// # Errors
/// When the store fails.
pub async fn tenant<S: Store>(store: &S, label: &str) -> Result<Tenant, djcrm_domain::DomainError> {
    let now = Utc::now();
    let org = Organization {
        id: OrgId::new(),
        name: OrganizationName::parse(label).unwrap_or_else(|_| unreachable!("valid")),
        created_at: now,
        updated_at: now,
    };
    let owner = User {
        id: UserId::new(),
        org_id: org.id,
        email: email(&format!("owner@{}.bench", org.id.as_uuid().simple())),
        full_name: name("Owner"),
        role: Role::Owner,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let token = ApiToken {
        id: TokenId::new(),
        org_id: org.id,
        user_id: owner.id,
        hash: TokenHash::from_hex(owner.id.to_string()),
        created_at: now,
        expires_at: now + TimeDelta::hours(1),
    };
    let phc = PasswordHash::new("phc".to_owned());
    let mut uow = store.begin().await?;
    uow.insert_organization(&org).await?;
    uow.insert_user(&owner, &phc).await?;
    uow.insert_token(&token).await?;
    let mut agents = Vec::new();
    for i in 0..20 {
        let agent = Agent {
            id: AgentId::new(),
            org_id: org.id,
            user_id: UserId::new(),
            email: email(&format!("agent{i}@{}.bench", org.id.as_uuid().simple())),
            full_name: name(&format!("Agent {i}")),
            active: true,
            created_at: now,
            updated_at: now,
        };
        uow.insert_user(&agent.user(), &phc).await?;
        uow.insert_agent(&agent).await?;
        agents.push(agent.id);
    }
    let mut categories = Vec::new();
    for i in 0..10 {
        let category = Category {
            id: CategoryId::new(),
            org_id: org.id,
            name: CategoryName::parse(&format!("Category {i}"))
                .unwrap_or_else(|_| unreachable!("valid")),
            created_at: now,
            updated_at: now,
        };
        uow.insert_category(&category).await?;
        categories.push(category.id);
    }
    uow.commit().await?;
    Ok(Tenant {
        org: org.id,
        agents,
        categories,
    })
}

/// Lead number `i` (0-based, oldest first): statuses spread 40/20/20/10/10 %.
#[must_use]
pub fn seed_lead(tenant: &Tenant, i: usize, base: DateTime<Utc>) -> SeedLead {
    let status = match i % 10 {
        0..=3 => LeadStatus::New,
        4 | 5 => LeadStatus::Contacted,
        6 | 7 => LeadStatus::Qualified,
        8 => LeadStatus::Converted,
        _ => LeadStatus::Lost,
    };
    let created_at = base + TimeDelta::milliseconds(i64::try_from(i).unwrap_or(i64::MAX));
    let contacted = status
        .has_been_contacted()
        .then(|| created_at + TimeDelta::minutes(30));
    let first_name = format!("First{i}");
    let last_name = format!("Last{}", i % 1000);
    let email = format!("lead{i}@example.com");
    SeedLead {
        id: LeadId::new(),
        search_text: format!("{first_name} {last_name} {email}").to_lowercase(),
        first_name,
        last_name,
        email,
        status,
        category_id: tenant.categories[i % tenant.categories.len()],
        agent_id: tenant.agents[i % tenant.agents.len()],
        created_at,
        first_contacted_at: contacted,
        seconds_to_first_contact: contacted.map(|_| 1800),
    }
}

/// Inserts `count` leads of `tenant` into SQLite in large batches; returns their
/// ids, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn seed_sqlite(
    store: &SqliteStore,
    tenant: &Tenant,
    count: usize,
) -> Result<Vec<uuid::Uuid>, BoxError> {
    let base = Utc::now();
    let mut ids = Vec::with_capacity(count);
    let mut i = 0;
    while i < count {
        let mut tx = store.pool().begin().await?;
        for _ in 0..50 {
            let batch: Vec<SeedLead> = (i..(i + 1000).min(count))
                .map(|n| seed_lead(tenant, n, base))
                .collect();
            if batch.is_empty() {
                break;
            }
            i += batch.len();
            ids.extend(batch.iter().map(|l| l.id.as_uuid()));
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO leads (id, organization_id, first_name, last_name, email, status, category_id, \
                 agent_id, version, created_at, updated_at, first_contacted_at, seconds_to_first_contact, search_text) ",
            );
            insert.push_values(&batch, |mut row, lead| {
                row.push_bind(lead.id.as_uuid())
                    .push_bind(tenant.org.as_uuid())
                    .push_bind(&lead.first_name)
                    .push_bind(&lead.last_name)
                    .push_bind(&lead.email)
                    .push_bind(lead.status.as_str())
                    .push_bind(lead.category_id.as_uuid())
                    .push_bind(lead.agent_id.as_uuid())
                    .push_bind(1_i64)
                    .push_bind(lead.created_at)
                    .push_bind(lead.created_at)
                    .push_bind(lead.first_contacted_at)
                    .push_bind(lead.seconds_to_first_contact)
                    .push_bind(&lead.search_text);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(ids)
}

/// Inserts `count` leads of `tenant` into PostgreSQL with `UNNEST` batches; returns
/// their ids, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn seed_postgres(
    store: &PostgresStore,
    tenant: &Tenant,
    count: usize,
) -> Result<Vec<uuid::Uuid>, BoxError> {
    let base = Utc::now();
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(20_000) {
        let batch: Vec<SeedLead> = (start..(start + 20_000).min(count))
            .map(|n| seed_lead(tenant, n, base))
            .collect();
        ids.extend(batch.iter().map(|l| l.id.as_uuid()));
        let column = |f: &dyn Fn(&SeedLead) -> String| batch.iter().map(f).collect::<Vec<String>>();
        sqlx::query(
            "INSERT INTO leads (id, organization_id, first_name, last_name, email, status, category_id, agent_id, \
             version, created_at, updated_at, first_contacted_at, seconds_to_first_contact, search_text) \
             SELECT id, $2, first_name, last_name, email, status, category_id, agent_id, 1, created_at, created_at, \
             first_contacted_at, seconds_to_first_contact, search_text \
             FROM UNNEST($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::uuid[], \
             $9::timestamptz[], $10::timestamptz[], $11::bigint[], $12::text[]) \
             AS t(id, first_name, last_name, email, status, category_id, agent_id, created_at, \
             first_contacted_at, seconds_to_first_contact, search_text)",
        )
        .bind(batch.iter().map(|l| l.id.as_uuid()).collect::<Vec<_>>())
        .bind(tenant.org.as_uuid())
        .bind(column(&|l| l.first_name.clone()))
        .bind(column(&|l| l.last_name.clone()))
        .bind(column(&|l| l.email.clone()))
        .bind(column(&|l| l.status.as_str().to_owned()))
        .bind(batch.iter().map(|l| l.category_id.as_uuid()).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.agent_id.as_uuid()).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.created_at).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.first_contacted_at).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.seconds_to_first_contact).collect::<Vec<_>>())
        .bind(column(&|l| l.search_text.clone()))
        .execute(store.pool())
        .await?;
    }
    Ok(ids)
}

/// Median and 99th percentile of `runs` timed calls of `f`, after a warm-up.
pub async fn measure<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await;
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(index).copied().unwrap_or_default()
    };
    (at(0.5), at(0.99))
}
