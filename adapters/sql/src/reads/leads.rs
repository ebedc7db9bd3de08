//! Leads, their statistics and their history.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::{ActivityRepository, LeadRepository};
use djcrm_domain::{
    AgentId, AgentPerformance, Digest, DomainError, HistoryEntry, Lead, LeadFilter, LeadId, Limit,
    OrgId, Page, PageRequest, PipelineCounts, PipelineFlow, RecentActivity, UntouchedLead,
};
use sqlx::{Connection, Database};
use tracing::Instrument;

use super::{push_limit, push_page};
use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::storage;
use crate::rows::{self, ACTIVITY_COLUMNS, LEAD_COLUMNS};
use crate::{Dialect, RowOf, SqlStore};

/// The lead listing query, after `prefix` (empty, or the dialect's EXPLAIN).
///
/// It orders by the primary key's columns, `(organization_id, id)`, so the planner
/// has the key's order to walk whatever its statistics say (stale statistics after
/// a bulk insert once made it sort a whole tenant for one page).
pub(crate) async fn list_query<D: Dialect>(
    conn: &mut <D::Db as Database>::Connection,
    prefix: &str,
    org: OrgId,
    filter: &LeadFilter,
    page: PageRequest,
) -> Result<Sql, DomainError> {
    let mut sql = Sql::new(prefix);
    sql.push("SELECT ")
        .push(LEAD_COLUMNS)
        .push(" FROM leads WHERE organization_id = ")
        .push_bind(org)
        .push(" AND deleted_at IS NULL");
    if let Some(status) = filter.status {
        sql.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(category) = filter.category_id {
        sql.push(" AND category_id = ").push_bind(category);
    }
    if let Some(agent) = filter.agent_id {
        sql.push(" AND agent_id = ").push_bind(agent);
    }
    if let Some(query) = &filter.query {
        D::search_predicate(conn, org, query)
            .await
            .map_err(storage("planning a search"))?
            .push_to(&mut sql);
    }
    if let Some(after) = page.after {
        sql.push(" AND id < ").push_bind(after.last_id());
    }
    sql.push(" ORDER BY organization_id DESC, id DESC");
    push_limit(&mut sql, page.limit);
    Ok(sql)
}

impl<D: Dialect> SqlStore<D> {
    /// Runs the lead listing after `prefix` in a read transaction of its own, with
    /// the index order pinned unless a search decides the plan (there the trigram
    /// index and a sort of the few matches is what we want).
    pub(crate) async fn run_list(
        &self,
        prefix: &str,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Vec<RowOf<D>>, DomainError> {
        let context = "listing leads";
        let mut conn = self.acquire(context).await?;
        conn.run(async |conn| {
            let begin = if filter.query.is_none() {
                conn.begin_with(D::BEGIN_PINNED_LIST).await
            } else {
                conn.begin().await
            };
            let mut tx = begin.map_err(storage(context))?;
            let sql = list_query::<D>(&mut tx, prefix, org, filter, page).await?;
            let rows = D::Db::fetch_all(&mut tx, sql)
                .await
                .map_err(storage(context))?;
            tx.commit().await.map_err(storage(context))?;
            Ok(rows)
        })
        .await
    }
}

impl<D: Dialect> LeadRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: LeadId) -> Result<Lead, DomainError> {
        self.batched_lead(org, id)
            .instrument(crate::span("reading a lead"))
            .await?
            .ok_or(DomainError::not_found("lead"))
    }

    async fn list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Page<Lead>, DomainError> {
        let rows = self.run_list("", org, filter, page).await?;
        let leads = rows::all(&rows, rows::lead)?;
        Ok(Page::from_overfetched(leads, page.limit, |l| {
            l.id.as_uuid()
        }))
    }

    async fn digest(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        untouched_before: DateTime<Utc>,
    ) -> Result<Digest, DomainError> {
        const OPEN: &str = "organization_id = $1 AND deleted_at IS NULL \
             AND status IN ('new', 'contacted', 'qualified') AND updated_at < $4";
        let counts = Sql::new(&format!(
            "SELECT (SELECT COUNT(*) FROM leads WHERE organization_id = $1 \
             AND deleted_at IS NULL AND created_at >= $2 AND created_at < $3) AS new_leads, \
             (SELECT COUNT(*) FROM activities WHERE organization_id = $1 \
             AND kind = 'status_changed' AND to_status = 'converted' \
             AND created_at >= $2 AND created_at < $3) AS conversions, \
             (SELECT COUNT(*) FROM leads WHERE {OPEN}) AS untouched"
        ))
        .bind(org)
        .bind(from)
        .bind(to)
        .bind(untouched_before);
        let context = "summing up a day";
        let Some(row) = self.fetch_optional(counts, context).await? else {
            return Ok(Digest::default());
        };
        let count = |column: &str| -> Result<u64, DomainError> {
            let n = row.int(column).map_err(storage(context))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let (new_leads, conversions, untouched) = (
            count("new_leads")?,
            count("conversions")?,
            count("untouched")?,
        );
        let oldest = Sql::new(&format!(
            "SELECT id, first_name, last_name, updated_at FROM leads \
             WHERE {} ORDER BY updated_at, id LIMIT {}",
            OPEN.replace("$4", "$2"),
            Digest::LISTED
        ))
        .bind(org)
        .bind(untouched_before);
        let rows = self.fetch_all(oldest, context).await?;
        let oldest_untouched = rows
            .iter()
            .map(|row| {
                let col = || storage(context);
                Ok(UntouchedLead {
                    id: row.uuid("id").map_err(col())?.into(),
                    name: format!(
                        "{} {}",
                        row.text("first_name").map_err(col())?,
                        row.text("last_name").map_err(col())?
                    ),
                    updated_at: row.time("updated_at").map_err(col())?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(Digest {
            new_leads,
            conversions,
            untouched,
            oldest_untouched,
        })
    }

    async fn pipeline_counts(&self, org: OrgId) -> Result<PipelineCounts, DomainError> {
        let sql = Sql::new(
            "SELECT status, COUNT(*) AS count FROM leads \
             WHERE organization_id = $1 AND deleted_at IS NULL GROUP BY status",
        )
        .bind(org);
        let rows = self.fetch_all(sql, "counting the pipeline").await?;
        rows::pipeline_counts(&rows)
    }

    async fn pipeline_flows(
        &self,
        org: OrgId,
        since: DateTime<Utc>,
    ) -> Result<Vec<PipelineFlow>, DomainError> {
        let day = |column: &str| format!("{}{column}{}", D::UTC_DAY.0, D::UTC_DAY.1);
        // A lead's first stage is where its first move started, or where it still
        // is; only leads created in the window are looked up.
        let sql = Sql::new(&format!(
            "SELECT day, from_status, to_status, COUNT(*) AS leads FROM ( \
             SELECT {created} AS day, CAST(NULL AS TEXT) AS from_status, \
             COALESCE((SELECT a.from_status FROM activities a \
             WHERE a.organization_id = l.organization_id AND a.lead_id = l.id \
             AND a.kind = 'status_changed' ORDER BY a.id LIMIT 1), l.status) AS to_status \
             FROM leads l WHERE l.organization_id = $1 AND l.created_at >= $2 \
             UNION ALL \
             SELECT {moved}, a.from_status, a.to_status FROM activities a \
             WHERE a.organization_id = $1 AND a.kind = 'status_changed' AND a.created_at >= $2 \
             UNION ALL \
             SELECT {deleted}, l.status, CAST(NULL AS TEXT) FROM leads l \
             WHERE l.organization_id = $1 AND l.deleted_at >= $2 \
             ) moves GROUP BY day, from_status, to_status",
            created = day("l.created_at"),
            moved = day("a.created_at"),
            deleted = day("l.deleted_at"),
        ))
        .bind(org)
        .bind(since);
        let rows = self.fetch_all(sql, "reading the pipeline's moves").await?;
        rows::all(&rows, rows::pipeline_flow)
    }

    async fn agent_performance(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
    ) -> Result<Vec<AgentPerformance>, DomainError> {
        // CAST(... AS DOUBLE PRECISION): AVG of integers is numeric on PostgreSQL,
        // real on SQLite; both agree on double precision. COUNT(l.status), not
        // COUNT(l.id): every column read is in leads_org_agent_performance_idx, so
        // the table itself is never read.
        let mut sql = Sql::new(
            "SELECT a.id AS agent_id, COUNT(l.status) AS assigned, \
             COUNT(l.first_contacted_at) AS contacted, \
             COALESCE(SUM(CASE WHEN l.status = 'converted' THEN 1 ELSE 0 END), 0) AS converted, \
             AVG(CAST(l.seconds_to_first_contact AS DOUBLE PRECISION)) AS avg_seconds \
             FROM agents a \
             LEFT JOIN leads l ON l.organization_id = a.organization_id AND l.agent_id = a.id \
                 AND l.deleted_at IS NULL \
             WHERE a.deleted_at IS NULL AND a.organization_id = ",
        );
        sql.push_bind(org);
        if let Some(agent) = agent {
            sql.push(" AND a.id = ").push_bind(agent);
        }
        sql.push(" GROUP BY a.id ORDER BY a.id");
        let rows = self.fetch_all(sql, "measuring agents").await?;
        rows::all(&rows, rows::performance)
    }
}

impl<D: Dialect> ActivityRepository for SqlStore<D> {
    async fn list_for_lead(
        &self,
        org: OrgId,
        lead: LeadId,
        page: PageRequest,
    ) -> Result<Page<HistoryEntry>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(&qualified_activity_columns())
            .push(
                ", u.full_name AS actor_name FROM activities a \
                 LEFT JOIN users u ON u.organization_id = a.organization_id AND u.id = a.actor_id \
                 WHERE a.organization_id = ",
            )
            .push_bind(org)
            .push(" AND a.lead_id = ")
            .push_bind(lead);
        push_page(
            &mut sql,
            "a.id",
            "a.organization_id DESC, a.lead_id DESC, a.id DESC",
            page,
        );
        let rows = self.fetch_all(sql, "reading a lead's history").await?;
        let entries = rows::all(&rows, rows::history_entry)?;
        Ok(Page::from_overfetched(entries, page.limit, |e| {
            e.activity.id.as_uuid()
        }))
    }

    async fn recent(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
        limit: Limit,
    ) -> Result<Vec<RecentActivity>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(&qualified_activity_columns()).push(
            ", u.full_name AS actor_name, l.first_name || ' ' || l.last_name AS lead_name FROM ",
        );
        // Activity ids are UUIDv7: their order is the order they were written in.
        match agent {
            // The organization's newest entries first, then their leads: written as
            // a subquery because SQLite 3.51 otherwise scans every lead and sorts
            // all their history (130 ms at 100,000 leads, against 0.3 ms).
            None => {
                sql.push("(SELECT * FROM activities WHERE organization_id = ")
                    .push_bind(org)
                    .push(" ORDER BY organization_id DESC, id DESC LIMIT ")
                    .push_bind(i64::from(limit.get()))
                    .push(") a ");
                push_recent_joins(&mut sql);
                sql.push(" ORDER BY a.id DESC");
            }
            // An agent's: the history of their own leads, found through them.
            Some(agent) => {
                sql.push("activities a ");
                push_recent_joins(&mut sql);
                sql.push(" WHERE a.organization_id = ")
                    .push_bind(org)
                    .push(" AND l.agent_id = ")
                    .push_bind(agent)
                    .push(" ORDER BY a.organization_id DESC, a.id DESC LIMIT ")
                    .push_bind(i64::from(limit.get()));
            }
        }
        let rows = self.fetch_all(sql, "reading recent activity").await?;
        rows::all(&rows, rows::recent_activity)
    }
}

/// The lead and the author of each recent entry `a`.
fn push_recent_joins(sql: &mut Sql) {
    sql.push(
        "JOIN leads l ON l.organization_id = a.organization_id AND l.id = a.lead_id \
         LEFT JOIN users u ON u.organization_id = a.organization_id AND u.id = a.actor_id",
    );
}

/// The activity columns, each prefixed with the `a` alias of `activities`.
fn qualified_activity_columns() -> String {
    let columns: Vec<String> = ACTIVITY_COLUMNS
        .split(',')
        .map(|column| format!("a.{}", column.trim()))
        .collect();
    columns.join(", ")
}
