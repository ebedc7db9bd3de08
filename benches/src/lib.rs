//! Seeding and timing helpers for the benchmarks in `benches/`.

pub mod load;
pub mod seed;
pub mod server;
pub mod wrk;

pub use seed::{SeedLead, seed_lead, seed_postgres, seed_sqlite};

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use djcrm_domain::ports::{Store, UnitOfWork};

/// Any error of a benchmark.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
use djcrm_domain::{
    Agent, AgentId, ApiToken, Category, CategoryId, CategoryName, Email, OrgId, Organization,
    OrganizationName, PasswordHash, PersonName, Role, TokenHash, TokenId, User, UserId,
};

/// The organization the leads belong to, with its agents and categories.
pub struct Tenant {
    pub org: OrgId,
    /// The owner: who wrote the seeded history.
    pub owner: UserId,
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
        owner: owner.id,
        agents,
        categories,
    })
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
    median_and_p99(times)
}

/// Median and 99th percentile of `times` (zero for none).
#[must_use]
pub fn median_and_p99(mut times: Vec<Duration>) -> (Duration, Duration) {
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
