//! The rows a unit of work holds back (new leads, history entries, events) and
//! writes in as few statements as the database allows.
//!
//! Nothing in a unit of work reads these rows back before it next talks to the
//! database, and they only reference rows written before them, so holding them
//! changes nothing but the round trips. Where the dialect joins inserts (a
//! data-modifying `WITH`), every held row goes in one statement; and when that
//! statement is all a unit of work sends, it goes alone, outside any transaction
//! (a statement is atomic by itself), taking the write locks in its own `WITH`: a
//! lead's creation is then one round trip instead of four (measured in
//! `docs/decisions.md`). Rows keep their order within a table, so outbox positions
//! keep the order of appending, which the outbox fence relies on.

use djcrm_domain::{Activity, DomainError, Event, ImportId, Lead};

use crate::Dialect;
use crate::engine::Sql;
use crate::error::{on_lead_write, storage};
use crate::rows::ActivityColumns;
use crate::writes::lead_params;

/// Values bound per lead, per activity and per event.
const LEAD_BINDS: usize = 17;
const ACTIVITY_BINDS: usize = 11;
const EVENT_BINDS: usize = 7;

const LEAD_INSERT: &str = "INSERT INTO leads (id, organization_id, first_name, last_name, \
     email, phone, description, status, category_id, agent_id, version, created_at, \
     updated_at, first_contacted_at, seconds_to_first_contact, search_text, import_id) ";

const ACTIVITY_INSERT: &str = "INSERT INTO activities (id, organization_id, lead_id, actor_id, \
     kind, from_status, to_status, agent_id, body, fields, created_at) ";

const EVENT_INSERT: &str = "INSERT INTO outbox (id, organization_id, event_type, actor_id, \
     subject_id, occurred_at, payload) ";

/// Rows a unit of work holds until it next sends a statement, or commits.
#[derive(Debug, Default)]
pub(crate) struct Held {
    /// New leads.
    pub(crate) leads: Vec<Lead>,
    /// History entries.
    pub(crate) activities: Vec<Activity>,
    /// Events, in the order appended.
    pub(crate) events: Vec<Event>,
}

impl Held {
    pub(crate) fn is_empty(&self) -> bool {
        self.leads.is_empty() && self.activities.is_empty() && self.events.is_empty()
    }

    /// Values their statements bind.
    pub(crate) fn binds(&self) -> usize {
        self.leads.len() * LEAD_BINDS
            + self.activities.len() * ACTIVITY_BINDS
            + self.events.len() * EVENT_BINDS
    }

    /// How many leads, history entries and events they are.
    pub(crate) fn shape(&self) -> (usize, usize, usize) {
        (self.leads.len(), self.activities.len(), self.events.len())
    }

    /// Whether they can go as one statement alone (see [`Self::lone_statement`]).
    pub(crate) fn fit_alone<D: Dialect>(&self) -> bool {
        D::LONE_WRITE_LOCKS.is_some() && groups::<D>(self.parts::<D>()).len() == 1
    }

    /// Adds `other`'s rows after these, keeping each table's order.
    pub(crate) fn extend(&mut self, other: &Self) {
        self.leads.extend_from_slice(&other.leads);
        self.activities.extend_from_slice(&other.activities);
        self.events.extend_from_slice(&other.events);
    }

    /// What a failure to write them means: a lead naming a category or agent
    /// removed meanwhile is a conflict; anything else is a storage failure.
    pub(crate) fn on_error(&self) -> impl FnOnce(sqlx::Error) -> DomainError + use<> {
        let leads = !self.leads.is_empty();
        move |error| {
            if leads {
                on_lead_write("storing leads, history and events")(error)
            } else {
                storage("appending history and events")(error)
            }
        }
    }

    /// The statements that write them inside an open transaction: leads first,
    /// then history, then events.
    pub(crate) fn statements<D: Dialect>(&self) -> Result<Vec<Sql>, DomainError> {
        in_transaction::<D>(self.parts::<D>())
    }

    /// The one statement that writes them outside a transaction, taking the
    /// dialect's write locks first; `None` when the dialect cannot, or they need
    /// more than one statement.
    pub(crate) fn lone_statement<D: Dialect>(&self) -> Result<Option<Sql>, DomainError> {
        let Some(locks) = D::LONE_WRITE_LOCKS else {
            return Ok(None);
        };
        match &groups::<D>(self.parts::<D>())[..] {
            [group] => render::<D>(group, Some(locks)).map(Some),
            _ => Ok(None),
        }
    }

    fn parts<D: Dialect>(&self) -> Vec<Rows<'_>> {
        parts::<D>(&self.leads, None, &self.activities, &self.events)
    }
}

/// The statements that write the leads `import` created, inside an open
/// transaction.
pub(crate) fn imported_lead_statements<D: Dialect>(
    leads: &[Lead],
    import: ImportId,
) -> Result<Vec<Sql>, DomainError> {
    in_transaction::<D>(parts::<D>(leads, Some(import), &[], &[]))
}

/// The statements that write `activities`, inside an open transaction.
pub(crate) fn activity_statements<D: Dialect>(
    activities: &[Activity],
) -> Result<Vec<Sql>, DomainError> {
    in_transaction::<D>(parts::<D>(&[], None, activities, &[]))
}

fn in_transaction<D: Dialect>(parts: Vec<Rows<'_>>) -> Result<Vec<Sql>, DomainError> {
    groups::<D>(parts)
        .iter()
        .map(|group| render::<D>(group, None))
        .collect()
}

/// The rows in chunks of at most a statement's worth each: leads first, then
/// history, then events.
fn parts<'a, D: Dialect>(
    leads: &'a [Lead],
    import: Option<ImportId>,
    activities: &'a [Activity],
    events: &'a [Event],
) -> Vec<Rows<'a>> {
    let leads = leads.chunks(D::BINDS_PER_STATEMENT / LEAD_BINDS);
    let activities = activities.chunks(D::BINDS_PER_STATEMENT / ACTIVITY_BINDS);
    let events = events.chunks(D::BINDS_PER_STATEMENT / EVENT_BINDS);
    leads
        .map(|leads| Rows::Leads(leads, import))
        .chain(activities.map(Rows::Activities))
        .chain(events.map(Rows::Events))
        .collect()
}

/// One table's rows within a statement.
enum Rows<'a> {
    /// New leads, and the import that created them.
    Leads(&'a [Lead], Option<ImportId>),
    Activities(&'a [Activity]),
    Events(&'a [Event]),
}

impl Rows<'_> {
    fn binds(&self) -> usize {
        match self {
            Self::Leads(rows, _) => rows.len() * LEAD_BINDS,
            Self::Activities(rows) => rows.len() * ACTIVITY_BINDS,
            Self::Events(rows) => rows.len() * EVENT_BINDS,
        }
    }

    /// `INSERT INTO ... VALUES ...`, or with `fenced` the values selected only
    /// once the `fence` of the statement's `WITH` has taken its locks.
    fn push(&self, sql: &mut Sql, fenced: bool) -> Result<(), DomainError> {
        sql.push(match self {
            Self::Leads(..) => LEAD_INSERT,
            Self::Activities(_) => ACTIVITY_INSERT,
            Self::Events(_) => EVENT_INSERT,
        });
        sql.push(if fenced {
            "SELECT * FROM (VALUES "
        } else {
            "VALUES "
        });
        match self {
            Self::Leads(rows, import) => push_rows(sql, rows, |sql, lead| {
                push_lead(sql, lead, *import);
                Ok(())
            })?,
            Self::Activities(rows) => push_rows(sql, rows, |sql, activity| {
                push_activity(sql, activity);
                Ok(())
            })?,
            Self::Events(rows) => push_rows(sql, rows, push_event)?,
        }
        if fenced {
            // An uncorrelated EXISTS is checked once, before the first row.
            sql.push(") AS held WHERE EXISTS (SELECT FROM fence)");
        }
        Ok(())
    }
}

fn push_rows<T>(
    sql: &mut Sql,
    rows: &[T],
    push: impl Fn(&mut Sql, &T) -> Result<(), DomainError>,
) -> Result<(), DomainError> {
    for (n, row) in rows.iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        push(sql, row)?;
        sql.push(")");
    }
    Ok(())
}

/// Packs `parts` into statements: as many as fit in each where the dialect joins
/// inserts, else one each.
fn groups<D: Dialect>(parts: Vec<Rows<'_>>) -> Vec<Vec<Rows<'_>>> {
    let mut groups: Vec<Vec<Rows<'_>>> = Vec::new();
    let mut binds = 0;
    for part in parts {
        let fits = D::JOINED_INSERTS && binds + part.binds() <= D::BINDS_PER_STATEMENT;
        match groups.last_mut() {
            Some(group) if fits => {
                binds += part.binds();
                group.push(part);
            }
            _ => {
                binds = part.binds();
                groups.push(vec![part]);
            }
        }
    }
    groups
}

/// One statement of `group`: the last insert is the statement, the others go in
/// its `WITH`, after the `fence` running `locks` when given.
fn render<D: Dialect>(group: &[Rows<'_>], locks: Option<&str>) -> Result<Sql, DomainError> {
    let mut sql = Sql::bulk("", D::BULK_PLACEHOLDERS);
    let Some((last, joined)) = group.split_last() else {
        return Ok(sql);
    };
    let fenced = locks.is_some();
    let mut before = "WITH ";
    if let Some(locks) = locks {
        sql.push(before)
            .push("fence AS MATERIALIZED (")
            .push(locks)
            .push(")");
        before = ", ";
    }
    for (n, part) in joined.iter().enumerate() {
        sql.push(before).push(&format!("held{n} AS ("));
        part.push(&mut sql, fenced)?;
        sql.push(")");
        before = ", ";
    }
    if before == ", " {
        sql.push(" ");
    }
    last.push(&mut sql, fenced)?;
    Ok(sql)
}

/// A lead's 17 stored columns, in the order of [`LEAD_INSERT`].
fn push_lead(sql: &mut Sql, lead: &Lead, import: Option<ImportId>) {
    let params = lead_params(lead).into_iter().chain([import.into()]);
    for (n, param) in params.enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push_bind(param);
    }
}

fn push_activity(sql: &mut Sql, activity: &Activity) {
    let columns = ActivityColumns::of(&activity.kind);
    sql.push_bind(activity.id)
        .push(", ")
        .push_bind(activity.org_id)
        .push(", ")
        .push_bind(activity.lead_id)
        .push(", ")
        .push_bind(activity.actor_id)
        .push(", ")
        .push_bind(activity.kind.name())
        .push(", ")
        .push_bind(columns.from_status)
        .push(", ")
        .push_bind(columns.to_status)
        .push(", ")
        .push_bind(columns.agent_id)
        .push(", ")
        .push_bind(columns.body)
        .push(", ")
        .push_bind(columns.fields)
        .push(", ")
        .push_bind(activity.created_at);
}

fn push_event(sql: &mut Sql, event: &Event) -> Result<(), DomainError> {
    let payload = serde_json::to_string(&event.change)
        .map_err(|e| DomainError::storage("encoding an event", e))?;
    sql.push_bind(event.id)
        .push(", ")
        .push_bind(event.org_id)
        .push(", ")
        .push_bind(event.event_type().as_str())
        .push(", ")
        .push_bind(event.actor_id)
        .push(", ")
        .push_bind(event.subject_id)
        .push(", ")
        .push_bind(event.occurred_at)
        .push(", ")
        .push_bind(payload);
    Ok(())
}
