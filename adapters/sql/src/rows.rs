//! Rows as stored, read into domain records. Every stored value passes through the
//! domain's own constructors, so a corrupt row is an error, never an invalid record.

use djcrm_domain::{
    Activity, ActivityKind, Agent, AgentPerformance, Category, CategoryName, Description,
    DomainError, Email, HistoryEntry, Lead, LeadField, LeadStatus, Organization, OrganizationName,
    PersonName, PhoneNumber, PipelineCounts, PipelineFlow, RecentActivity, Role, StoredLead, User,
};

use crate::engine::ReadRow;
use crate::error::{corrupt, storage};

/// Reads one column, as a storage error on failure.
fn col<T>(value: Result<T, sqlx::Error>) -> Result<T, DomainError> {
    value.map_err(storage("reading a row"))
}

fn parse<T, E: std::fmt::Display>(
    what: &'static str,
    result: Result<T, E>,
) -> Result<T, DomainError> {
    result.map_err(|e| corrupt(what, e))
}

fn parse_opt<T, E: std::fmt::Display>(
    what: &'static str,
    raw: Option<String>,
    f: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, DomainError> {
    raw.map(|raw| parse(what, f(&raw))).transpose()
}

/// The columns [`organization`] reads.
pub const ORGANIZATION_COLUMNS: &str = "id, name, created_at, updated_at";

/// An organization row.
pub fn organization(row: &impl ReadRow) -> Result<Organization, DomainError> {
    Ok(Organization {
        id: col(row.uuid("id"))?.into(),
        name: parse(
            "organization name",
            OrganizationName::parse(&col(row.text("name"))?),
        )?,
        created_at: col(row.time("created_at"))?,
        updated_at: col(row.time("updated_at"))?,
    })
}

/// The columns [`user`] reads.
pub const USER_COLUMNS: &str =
    "id, organization_id, email, full_name, role, active, created_at, updated_at";

/// A user row.
pub fn user(row: &impl ReadRow) -> Result<User, DomainError> {
    Ok(User {
        id: col(row.uuid("id"))?.into(),
        org_id: col(row.uuid("organization_id"))?.into(),
        email: parse("user email", Email::parse(&col(row.text("email"))?))?,
        full_name: parse("user name", PersonName::parse(&col(row.text("full_name"))?))?,
        role: parse("user role", col(row.text("role"))?.parse::<Role>())?,
        active: col(row.flag("active"))?,
        created_at: col(row.time("created_at"))?,
        updated_at: col(row.time("updated_at"))?,
    })
}

/// The agent query up to its `WHERE`: a profile joined with its user.
pub const AGENT_SELECT: &str = "SELECT a.id, a.organization_id, a.user_id, u.email, u.full_name, \
     u.active, a.created_at, a.updated_at \
     FROM agents a JOIN users u ON u.organization_id = a.organization_id AND u.id = a.user_id \
     WHERE a.deleted_at IS NULL ";

/// An agent row (see [`AGENT_SELECT`]).
pub fn agent(row: &impl ReadRow) -> Result<Agent, DomainError> {
    Ok(Agent {
        id: col(row.uuid("id"))?.into(),
        org_id: col(row.uuid("organization_id"))?.into(),
        user_id: col(row.uuid("user_id"))?.into(),
        email: parse("agent email", Email::parse(&col(row.text("email"))?))?,
        full_name: parse(
            "agent name",
            PersonName::parse(&col(row.text("full_name"))?),
        )?,
        active: col(row.flag("active"))?,
        created_at: col(row.time("created_at"))?,
        updated_at: col(row.time("updated_at"))?,
    })
}

/// The columns [`category`] reads.
pub const CATEGORY_COLUMNS: &str = "id, organization_id, name, created_at, updated_at";

/// A category row.
pub fn category(row: &impl ReadRow) -> Result<Category, DomainError> {
    Ok(Category {
        id: col(row.uuid("id"))?.into(),
        org_id: col(row.uuid("organization_id"))?.into(),
        name: parse(
            "category name",
            CategoryName::parse(&col(row.text("name"))?),
        )?,
        created_at: col(row.time("created_at"))?,
        updated_at: col(row.time("updated_at"))?,
    })
}

/// The columns [`lead`] reads.
pub const LEAD_COLUMNS: &str = "id, organization_id, first_name, last_name, email, phone, \
     description, status, category_id, agent_id, version, created_at, updated_at, \
     first_contacted_at";

/// A lead row.
pub fn lead(row: &impl ReadRow) -> Result<Lead, DomainError> {
    let mut lead = Lead::new(
        col(row.uuid("id"))?.into(),
        col(row.uuid("organization_id"))?.into(),
        parse(
            "lead first name",
            PersonName::parse(&col(row.text("first_name"))?),
        )?,
        parse(
            "lead last name",
            PersonName::parse(&col(row.text("last_name"))?),
        )?,
        col(row.time("created_at"))?,
    );
    lead.email = parse_opt("lead email", col(row.opt_text("email"))?, Email::parse)?;
    lead.phone = parse_opt(
        "lead phone",
        col(row.opt_text("phone"))?,
        PhoneNumber::parse,
    )?;
    lead.description = parse_opt(
        "lead description",
        col(row.opt_text("description"))?,
        Description::parse,
    )?;
    lead.category_id = col(row.opt_uuid("category_id"))?.map(Into::into);
    lead.agent_id = col(row.opt_uuid("agent_id"))?.map(Into::into);
    Ok(Lead::restore(StoredLead {
        lead,
        status: parse(
            "lead status",
            col(row.text("status"))?.parse::<LeadStatus>(),
        )?,
        version: col(row.int("version"))?,
        updated_at: col(row.time("updated_at"))?,
        first_contacted_at: col(row.opt_time("first_contacted_at"))?,
    }))
}

/// What the `q` filter searches: names and email, lower-cased.
#[must_use]
pub fn lead_search_text(lead: &Lead) -> String {
    let email = lead.email.as_ref().map_or("", Email::as_str);
    format!("{} {} {}", lead.first_name, lead.last_name, email).to_lowercase()
}

/// The columns [`activity`] reads.
pub const ACTIVITY_COLUMNS: &str = "id, organization_id, lead_id, actor_id, kind, from_status, \
     to_status, agent_id, body, fields, created_at";

/// The flat columns an [`ActivityKind`] is stored in.
#[derive(Default)]
pub struct ActivityColumns {
    /// `from_status`.
    pub from_status: Option<&'static str>,
    /// `to_status`.
    pub to_status: Option<&'static str>,
    /// `agent_id`.
    pub agent_id: Option<uuid::Uuid>,
    /// `body`.
    pub body: Option<String>,
    /// `fields`: the changed field names, comma separated (a storage detail only).
    pub fields: Option<String>,
}

impl ActivityColumns {
    /// The columns of `kind`.
    #[must_use]
    pub fn of(kind: &ActivityKind) -> Self {
        match kind {
            ActivityKind::Created | ActivityKind::Deleted => Self::default(),
            ActivityKind::Updated { fields } => Self {
                fields: Some(
                    fields
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
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

/// An activity row.
pub fn activity(row: &impl ReadRow) -> Result<Activity, DomainError> {
    let status = |column: &str| -> Result<LeadStatus, DomainError> {
        parse(
            "activity status",
            col(row.opt_text(column))?
                .unwrap_or_default()
                .parse::<LeadStatus>(),
        )
    };
    let kind = match col(row.text("kind"))?.as_str() {
        "created" => ActivityKind::Created,
        "deleted" => ActivityKind::Deleted,
        "updated" => ActivityKind::Updated {
            fields: col(row.opt_text("fields"))?
                .unwrap_or_default()
                .split(',')
                .filter(|f| !f.is_empty())
                .map(|f| LeadField::from_name(f).ok_or_else(|| corrupt("activity field", f)))
                .collect::<Result<_, _>>()?,
        },
        "assigned" => ActivityKind::Assigned {
            agent_id: col(row.opt_uuid("agent_id"))?.map(Into::into),
        },
        "status_changed" => ActivityKind::StatusChanged {
            from: status("from_status")?,
            to: status("to_status")?,
            note: parse_opt(
                "activity note",
                col(row.opt_text("body"))?,
                Description::parse,
            )?,
        },
        "note" => ActivityKind::Note {
            body: parse(
                "note",
                Description::parse(&col(row.opt_text("body"))?.unwrap_or_default()),
            )?,
        },
        other => return Err(corrupt("activity kind", other)),
    };
    Ok(Activity {
        id: col(row.uuid("id"))?.into(),
        org_id: col(row.uuid("organization_id"))?.into(),
        lead_id: col(row.uuid("lead_id"))?.into(),
        actor_id: col(row.opt_uuid("actor_id"))?.map(Into::into),
        kind,
        created_at: col(row.time("created_at"))?,
    })
}

/// An activity row with its actor's name in `actor_name`.
pub fn history_entry(row: &impl ReadRow) -> Result<HistoryEntry, DomainError> {
    Ok(HistoryEntry {
        activity: activity(row)?,
        actor_name: col(row.opt_text("actor_name"))?
            .map(|name| parse("actor name", PersonName::parse(&name)))
            .transpose()?,
    })
}

/// A history entry with its `lead_name`.
pub fn recent_activity(row: &impl ReadRow) -> Result<RecentActivity, DomainError> {
    Ok(RecentActivity {
        entry: history_entry(row)?,
        lead_name: col(row.text("lead_name"))?,
    })
}

/// `status`, `count` rows of a `GROUP BY status`, as pipeline counts.
pub fn pipeline_counts<R: ReadRow>(rows: &[R]) -> Result<PipelineCounts, DomainError> {
    let mut counts = PipelineCounts::default();
    for row in rows {
        let status = parse(
            "lead status",
            col(row.text("status"))?.parse::<LeadStatus>(),
        )?;
        counts.add(status, u64::try_from(col(row.int("count"))?).unwrap_or(0));
    }
    Ok(counts)
}

/// A `day`, `from_status`, `to_status`, `leads` row of the pipeline's moves.
pub fn pipeline_flow(row: &impl ReadRow) -> Result<PipelineFlow, DomainError> {
    let status = |column: &str| {
        parse_opt(
            "lead status",
            col(row.opt_text(column))?,
            str::parse::<LeadStatus>,
        )
    };
    Ok(PipelineFlow {
        day: parse(
            "day",
            chrono::NaiveDate::parse_from_str(&col(row.text("day"))?, "%Y-%m-%d"),
        )?,
        from: status("from_status")?,
        to: status("to_status")?,
        leads: u64::try_from(col(row.int("leads"))?).unwrap_or(0),
    })
}

/// An agent performance row.
pub fn performance(row: &impl ReadRow) -> Result<AgentPerformance, DomainError> {
    let count = |column: &str| -> Result<u64, DomainError> {
        Ok(u64::try_from(col(row.int(column))?).unwrap_or(0))
    };
    Ok(AgentPerformance {
        agent_id: col(row.uuid("agent_id"))?.into(),
        assigned: count("assigned")?,
        contacted: count("contacted")?,
        converted: count("converted")?,
        avg_seconds_to_first_contact: col(row.opt_float("avg_seconds"))?,
    })
}

/// Reads every row with `read`, failing on the first invalid one.
pub fn all<R, T>(
    rows: &[R],
    read: impl Fn(&R) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    rows.iter().map(read).collect()
}
