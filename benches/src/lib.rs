//! Seeding and timing helpers for the benchmarks in `benches/`.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use djcrm_domain::ports::{Store, UnitOfWork};
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
