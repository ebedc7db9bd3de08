//! The rows a unit of work appends, in as few statements as the database allows:
//! an activity waits for the next event (or the commit) and goes with it.
//!
//! Nothing in a unit of work reads activities back, and they only reference rows
//! written before them, so writing one later changes nothing but the round trips:
//! a lead's creation went from six to four (measured in `docs/decisions.md`).
//! Events are written when appended, so their outbox positions keep the order of
//! appending, which the outbox fence relies on.

use djcrm_domain::{Activity, DomainError, Event};

use crate::Dialect;
use crate::engine::Sql;
use crate::rows::ActivityColumns;

/// Values bound per activity and per event.
const ACTIVITY_BINDS: usize = 11;
const EVENT_BINDS: usize = 7;

const ACTIVITY_INSERT: &str = "INSERT INTO activities (id, organization_id, lead_id, actor_id, \
     kind, from_status, to_status, agent_id, body, fields, created_at) VALUES ";

const EVENT_INSERT: &str = "INSERT INTO outbox (id, organization_id, event_type, actor_id, \
     subject_id, occurred_at, payload) VALUES ";

/// The statements that write `activities` and `events`: per chunk of rows, one
/// joined statement where the dialect allows data-modifying `WITH`, else one per
/// table.
pub(crate) fn statements<D: Dialect>(
    activities: &[Activity],
    events: &[Event],
) -> Result<Vec<Sql>, DomainError> {
    let mut activities = activities.chunks(D::BINDS_PER_STATEMENT / ACTIVITY_BINDS);
    let mut events = events.chunks(D::BINDS_PER_STATEMENT / EVENT_BINDS);
    let mut statements = Vec::new();
    loop {
        match (activities.next(), events.next()) {
            (None, None) => return Ok(statements),
            (Some(a), Some(e)) if D::JOINED_INSERTS => {
                let mut sql = Sql::bulk("WITH appended AS (", D::BULK_PLACEHOLDERS);
                push_activities(&mut sql, a);
                sql.push(") ");
                push_events(&mut sql, e)?;
                statements.push(sql);
            }
            (a, e) => {
                if let Some(a) = a {
                    let mut sql = Sql::bulk("", D::BULK_PLACEHOLDERS);
                    push_activities(&mut sql, a);
                    statements.push(sql);
                }
                if let Some(e) = e {
                    let mut sql = Sql::bulk("", D::BULK_PLACEHOLDERS);
                    push_events(&mut sql, e)?;
                    statements.push(sql);
                }
            }
        }
    }
}

fn push_activities(sql: &mut Sql, activities: &[Activity]) {
    sql.push(ACTIVITY_INSERT);
    for (n, activity) in activities.iter().enumerate() {
        let columns = ActivityColumns::of(&activity.kind);
        sql.push(if n == 0 { "(" } else { ", (" })
            .push_bind(activity.id)
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
            .push_bind(activity.created_at)
            .push(")");
    }
}

/// Rows go in the order given, so their outbox positions keep the order in which
/// the events were appended.
fn push_events(sql: &mut Sql, events: &[Event]) -> Result<(), DomainError> {
    sql.push(EVENT_INSERT);
    for (n, event) in events.iter().enumerate() {
        let payload = serde_json::to_string(&event.change)
            .map_err(|e| DomainError::storage("encoding an event", e))?;
        sql.push(if n == 0 { "(" } else { ", (" })
            .push_bind(event.id)
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
            .push_bind(payload)
            .push(")");
    }
    Ok(())
}
