//! Rows as stored, and their checked conversion into domain records. Each derives
//! `sqlx::FromRow` generically, so one type serves every database.
#![allow(missing_docs)]

use chrono::{DateTime, Utc};
use djcrm_domain::{
    Activity, ActivityKind, Agent, AgentPerformance, Category, CategoryName, Description,
    DomainError, Email, Lead, LeadStatus, Organization, OrganizationName, PersonName, PhoneNumber,
    PipelineCounts, Role, User,
};
use uuid::Uuid;

use crate::corrupt;

fn parse<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Result<T, DomainError> {
    result.map_err(|e| corrupt(what, e))
}

fn parse_opt<T, E: std::fmt::Display>(
    what: &str,
    raw: Option<&str>,
    f: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, DomainError> {
    raw.map(|raw| parse(what, f(raw))).transpose()
}

#[derive(sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = DomainError;
    fn try_from(row: OrganizationRow) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id.into(),
            name: parse("organization name", OrganizationName::parse(&row.name))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = DomainError;
    fn try_from(row: UserRow) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id.into(),
            org_id: row.organization_id.into(),
            email: parse("user email", Email::parse(&row.email))?,
            full_name: parse("user name", PersonName::parse(&row.full_name))?,
            role: parse("user role", row.role.parse::<Role>())?,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AgentRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<AgentRow> for Agent {
    type Error = DomainError;
    fn try_from(row: AgentRow) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id.into(),
            org_id: row.organization_id.into(),
            user_id: row.user_id.into(),
            email: parse("agent email", Email::parse(&row.email))?,
            full_name: parse("agent name", PersonName::parse(&row.full_name))?,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CategoryRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<CategoryRow> for Category {
    type Error = DomainError;
    fn try_from(row: CategoryRow) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id.into(),
            org_id: row.organization_id.into(),
            name: parse("category name", CategoryName::parse(&row.name))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct LeadRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub category_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_contacted_at: Option<DateTime<Utc>>,
}

impl TryFrom<LeadRow> for Lead {
    type Error = DomainError;
    fn try_from(row: LeadRow) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id.into(),
            org_id: row.organization_id.into(),
            first_name: parse("lead first name", PersonName::parse(&row.first_name))?,
            last_name: parse("lead last name", PersonName::parse(&row.last_name))?,
            email: parse_opt("lead email", row.email.as_deref(), Email::parse)?,
            phone: parse_opt("lead phone", row.phone.as_deref(), PhoneNumber::parse)?,
            description: parse_opt(
                "lead description",
                row.description.as_deref(),
                Description::parse,
            )?,
            status: parse("lead status", row.status.parse::<LeadStatus>())?,
            category_id: row.category_id.map(Into::into),
            agent_id: row.agent_id.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            first_contacted_at: row.first_contacted_at,
        })
    }
}

/// The columns of `leads` that [`LeadRow`] reads.
#[macro_export]
macro_rules! lead_columns {
    () => {
        "id, organization_id, first_name, last_name, email, phone, description, status, \
         category_id, agent_id, version, created_at, updated_at, first_contacted_at"
    };
}
pub use crate::lead_columns;

/// What the `q` filter searches: names and email, lower-cased.
pub fn lead_search_text(lead: &Lead) -> String {
    let email = lead.email.as_ref().map_or("", Email::as_str);
    format!("{} {} {}", lead.first_name, lead.last_name, email).to_lowercase()
}

#[derive(sqlx::FromRow)]
pub struct ActivityRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub actor_id: Uuid,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub agent_id: Option<Uuid>,
    pub body: Option<String>,
    pub fields: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The flat columns an [`ActivityKind`] is stored in.
#[derive(Default)]
pub struct ActivityColumns {
    pub from_status: Option<&'static str>,
    pub to_status: Option<&'static str>,
    pub agent_id: Option<Uuid>,
    pub body: Option<String>,
    pub fields: Option<String>,
}

impl ActivityColumns {
    pub fn of(kind: &ActivityKind) -> Self {
        match kind {
            ActivityKind::Created | ActivityKind::Deleted => Self::default(),
            ActivityKind::Updated { fields } => Self {
                fields: Some(fields.join(",")),
                ..Self::default()
            },
            ActivityKind::Assigned { agent_id } => Self {
                agent_id: agent_id.map(|id| id.as_uuid()),
                ..Self::default()
            },
            ActivityKind::StatusChanged { from, to, note } => Self {
                from_status: Some(from.as_str()),
                to_status: Some(to.as_str()),
                body: note.as_ref().map(|n| n.as_str().to_owned()),
                ..Self::default()
            },
            ActivityKind::Note { body } => Self {
                body: Some(body.as_str().to_owned()),
                ..Self::default()
            },
        }
    }
}

impl TryFrom<ActivityRow> for Activity {
    type Error = DomainError;
    fn try_from(row: ActivityRow) -> Result<Self, DomainError> {
        let status = |raw: Option<&str>| -> Result<LeadStatus, DomainError> {
            parse(
                "activity status",
                raw.unwrap_or_default().parse::<LeadStatus>(),
            )
        };
        let kind = match row.kind.as_str() {
            "created" => ActivityKind::Created,
            "deleted" => ActivityKind::Deleted,
            "updated" => ActivityKind::Updated {
                fields: row
                    .fields
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            "assigned" => ActivityKind::Assigned {
                agent_id: row.agent_id.map(Into::into),
            },
            "status_changed" => ActivityKind::StatusChanged {
                from: status(row.from_status.as_deref())?,
                to: status(row.to_status.as_deref())?,
                note: parse_opt("activity note", row.body.as_deref(), Description::parse)?,
            },
            "note" => ActivityKind::Note {
                body: parse(
                    "note",
                    Description::parse(row.body.as_deref().unwrap_or_default()),
                )?,
            },
            other => return Err(corrupt("activity kind", other)),
        };
        Ok(Self {
            id: row.id.into(),
            org_id: row.organization_id.into(),
            lead_id: row.lead_id.into(),
            actor_id: row.actor_id.into(),
            kind,
            created_at: row.created_at,
        })
    }
}

/// Converts fetched rows, failing on the first invalid one.
pub fn convert_all<R, T: TryFrom<R, Error = DomainError>>(
    rows: Vec<R>,
) -> Result<Vec<T>, DomainError> {
    rows.into_iter().map(T::try_from).collect()
}

/// `(status, count)` rows of a `GROUP BY status`, as pipeline counts.
pub fn pipeline_counts(rows: Vec<(String, i64)>) -> Result<PipelineCounts, DomainError> {
    let mut counts = PipelineCounts::default();
    for (status, count) in rows {
        let status = parse("lead status", status.parse::<LeadStatus>())?;
        counts.add(status, u64::try_from(count).unwrap_or(0));
    }
    Ok(counts)
}

#[derive(sqlx::FromRow)]
pub struct PerformanceRow {
    pub agent_id: Uuid,
    pub assigned: i64,
    pub contacted: i64,
    pub converted: i64,
    pub avg_seconds: Option<f64>,
}

impl From<PerformanceRow> for AgentPerformance {
    fn from(row: PerformanceRow) -> Self {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Self {
            agent_id: row.agent_id.into(),
            assigned: count(row.assigned),
            contacted: count(row.contacted),
            converted: count(row.converted),
            avg_seconds_to_first_contact: row.avg_seconds,
        }
    }
}

/// Every store implements all repositories on one type: this writes the
/// [`Store`](djcrm_domain::ports::Store) accessors that say so. `ping` stays per store.
#[macro_export]
macro_rules! store_is_every_repository {
    () => {
        type Organizations = Self;
        type Users = Self;
        type Tokens = Self;
        type Agents = Self;
        type Categories = Self;
        type Leads = Self;
        type Activities = Self;

        fn organizations(&self) -> &Self {
            self
        }
        fn users(&self) -> &Self {
            self
        }
        fn tokens(&self) -> &Self {
            self
        }
        fn agents(&self) -> &Self {
            self
        }
        fn categories(&self) -> &Self {
            self
        }
        fn leads(&self) -> &Self {
            self
        }
        fn activities(&self) -> &Self {
            self
        }
    };
}
