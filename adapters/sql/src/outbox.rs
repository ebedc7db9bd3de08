//! The outbox: events appended by units of work, read back in position order.
//!
//! A reader never skips an event: it reads only up to the dialect's horizon, the
//! highest position below which every writer has ended (see
//! [`Dialect::outbox_horizon`] and `docs/outbox.md`).

use djcrm_domain::ports::EventLog;
use djcrm_domain::{
    Change, DomainError, Event, EventId, Feed, FeedQuery, OrgId, Position, RecordedEvent,
};

use crate::engine::{ReadRow, Sql};
use crate::error::{corrupt, storage};
use crate::{Dialect, SqlStore};

const EVENT_COLUMNS: &str =
    "position, id, organization_id, actor_id, subject_id, occurred_at, payload";

fn recorded(row: &impl ReadRow) -> Result<RecordedEvent, DomainError> {
    let read = || storage("reading an event");
    let payload = row.text("payload").map_err(read())?;
    let change: Change = serde_json::from_str(&payload).map_err(|e| corrupt("event payload", e))?;
    Ok(RecordedEvent {
        position: Position::new(row.int("position").map_err(read())?),
        event: Event {
            id: row.uuid("id").map_err(read())?.into(),
            org_id: row.uuid("organization_id").map_err(read())?.into(),
            actor_id: row.opt_uuid("actor_id").map_err(read())?.map(Into::into),
            subject_id: row.uuid("subject_id").map_err(read())?,
            occurred_at: row.time("occurred_at").map_err(read())?,
            change,
        },
    })
}

impl<D: Dialect> SqlStore<D> {
    async fn horizon(&self) -> Result<Option<Position>, DomainError> {
        D::outbox_horizon(&self.pool)
            .await
            .map_err(storage("finding the outbox horizon"))
    }
}

fn push_horizon(sql: &mut Sql, horizon: Option<Position>) {
    if let Some(horizon) = horizon {
        sql.push(" AND position <= ").push_bind(horizon.get());
    }
}

impl<D: Dialect> EventLog for SqlStore<D> {
    async fn feed(&self, org: OrgId, query: &FeedQuery) -> Result<Feed, DomainError> {
        let horizon = self.horizon().await?;
        let mut sql = Sql::new("SELECT ");
        sql.push(EVENT_COLUMNS)
            .push(" FROM outbox WHERE organization_id = ")
            .push_bind(org)
            .push(" AND position > ")
            .push_bind(query.after.get());
        push_horizon(&mut sql, horizon);
        if !query.types.is_empty() {
            sql.push(" AND event_type IN (");
            for (i, event_type) in query.types.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push_bind(event_type.as_str());
            }
            sql.push(")");
        }
        sql.push(" ORDER BY organization_id, position LIMIT ")
            .push_bind(i64::from(query.limit.get()) + 1);
        let rows = self.fetch_all(sql, "reading the change feed").await?;
        let mut events = rows.iter().map(recorded).collect::<Result<Vec<_>, _>>()?;
        let limit = usize::try_from(query.limit.get()).unwrap_or(usize::MAX);
        let has_more = events.len() > limit;
        events.truncate(limit);
        Ok(Feed { events, has_more })
    }

    async fn get(&self, org: OrgId, id: EventId) -> Result<RecordedEvent, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(EVENT_COLUMNS)
            .push(" FROM outbox WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading an event")
            .await?
            .ok_or(DomainError::not_found("event"))
            .and_then(|row| recorded(&row))
    }

    async fn tail(&self, after: Position, limit: u32) -> Result<Vec<RecordedEvent>, DomainError> {
        let horizon = self.horizon().await?;
        let mut sql = Sql::new("SELECT ");
        sql.push(EVENT_COLUMNS)
            .push(" FROM outbox WHERE position > ")
            .push_bind(after.get());
        push_horizon(&mut sql, horizon);
        sql.push(" ORDER BY position LIMIT ")
            .push_bind(i64::from(limit));
        let rows = self.fetch_all(sql, "tailing the outbox").await?;
        rows.iter().map(recorded).collect()
    }
}
