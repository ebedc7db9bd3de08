//! [`LeadRepository`] on PostgreSQL. Every change to a lead and the activity row that
//! records it are written in one transaction.

use djcrm_domain::ports::LeadRepository;
use djcrm_domain::{
    Activity, AgentId, AgentPerformance, DomainError, Lead, LeadFilter, LeadId, OrgId, Page,
    PageRequest, PipelineCounts,
};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::error::storage;
use crate::{PostgresStore, activities};
use djcrm_adapter_sql::binds::Binds;
use djcrm_adapter_sql::like_literal;
use djcrm_adapter_sql::rows::{
    LeadRow, PerformanceRow, convert_all, lead_columns, pipeline_counts,
};

/// Whether the lead exists and is live, to tell "gone" from "changed meanwhile".
async fn live_version(
    conn: &mut PgConnection,
    org: OrgId,
    id: LeadId,
) -> Result<Option<i64>, DomainError> {
    sqlx::query_scalar(
        "SELECT version FROM leads WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL",
    )
    .bind(org.as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(storage)
}

/// The lead listing query, after `prefix` (empty, or an EXPLAIN).
fn list_query(
    prefix: &str,
    org: OrgId,
    filter: &LeadFilter,
    page: PageRequest,
) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::<Postgres>::new(prefix);
    query
        .push(concat!(
            "SELECT ",
            lead_columns!(),
            " FROM leads WHERE organization_id = "
        ))
        .push_bind(org.as_uuid())
        .push(" AND deleted_at IS NULL");
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(category) = filter.category_id {
        query
            .push(" AND category_id = ")
            .push_bind(category.as_uuid());
    }
    if let Some(agent) = filter.agent_id {
        query.push(" AND agent_id = ").push_bind(agent.as_uuid());
    }
    if let Some(text) = &filter.query {
        // LIKE with the user's wildcards escaped: served by the trigram index.
        query
            .push(" AND search_text LIKE ")
            .push_bind(format!("%{}%", like_literal(&text.to_lowercase())))
            .push(" ESCAPE '\\'");
    }
    if let Some(after) = page.after {
        query.push(" AND id < ").push_bind(after.last_id());
    }
    query
        .push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit.get()) + 1);
    query
}

impl PostgresStore {
    /// The query plan of the lead listing for these arguments, one line per row of
    /// `EXPLAIN`: for benchmarks and for operators checking index use.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the database fails.
    pub async fn explain_lead_list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Vec<String>, DomainError> {
        use sqlx::Row;
        let mut query = list_query("EXPLAIN ", org, filter, page);
        let rows = query.build().fetch_all(&self.pool).await.map_err(storage)?;
        rows.iter()
            .map(|row| row.try_get::<String, _>(0).map_err(storage))
            .collect()
    }
}

impl LeadRepository for PostgresStore {
    async fn create(&self, lead: &Lead, activity: &Activity) -> Result<(), DomainError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let sql = sqlx::query(
            "INSERT INTO leads (id, organization_id, first_name, last_name, email, phone, description, \
             status, category_id, agent_id, version, created_at, updated_at, first_contacted_at, \
             seconds_to_first_contact, search_text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        );
        Binds::<Postgres>::lead(sql, lead)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        activities::insert(&mut tx, activity).await?;
        tx.commit().await.map_err(storage)
    }

    async fn get(&self, org: OrgId, id: LeadId) -> Result<Lead, DomainError> {
        sqlx::query_as::<_, LeadRow>(concat!(
            "SELECT ",
            lead_columns!(),
            " FROM leads WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(DomainError::not_found("lead"))?
        .try_into()
    }

    async fn update(
        &self,
        lead: &Lead,
        expected_version: i64,
        activity: &Activity,
    ) -> Result<(), DomainError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let sql = sqlx::query(
            "UPDATE leads SET first_name = $3, last_name = $4, email = $5, phone = $6, \
             description = $7, status = $8, category_id = $9, agent_id = $10, \
             version = $11, created_at = $12, updated_at = $13, first_contacted_at = $14, \
             seconds_to_first_contact = $15, search_text = $16 \
             WHERE organization_id = $2 AND id = $1 AND version = $17 AND deleted_at IS NULL",
        );
        let result = Binds::<Postgres>::lead(sql, lead)
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if result.rows_affected() == 0 {
            return Err(match live_version(&mut tx, lead.org_id, lead.id).await? {
                None => DomainError::not_found("lead"),
                Some(_) => DomainError::PreconditionFailed {
                    expected: expected_version,
                },
            });
        }
        activities::insert(&mut tx, activity).await?;
        tx.commit().await.map_err(storage)
    }

    async fn delete(&self, org: OrgId, id: LeadId, activity: &Activity) -> Result<(), DomainError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let result = sqlx::query(
            "UPDATE leads SET deleted_at = $1, updated_at = $2, version = version + 1 \
             WHERE organization_id = $3 AND id = $4 AND deleted_at IS NULL",
        )
        .bind(activity.created_at)
        .bind(activity.created_at)
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found("lead"));
        }
        activities::insert(&mut tx, activity).await?;
        tx.commit().await.map_err(storage)
    }

    async fn list(
        &self,
        org: OrgId,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Page<Lead>, DomainError> {
        let mut query = list_query("", org, filter, page);
        let rows = query
            .build_query_as::<LeadRow>()
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        let leads: Vec<Lead> = convert_all(rows)?;
        Ok(Page::from_overfetched(leads, page.limit, |l| {
            l.id.as_uuid()
        }))
    }

    async fn pipeline_counts(&self, org: OrgId) -> Result<PipelineCounts, DomainError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM leads WHERE organization_id = $1 AND deleted_at IS NULL \
             GROUP BY status",
        )
        .bind(org.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        pipeline_counts(rows)
    }

    async fn agent_performance(
        &self,
        org: OrgId,
        agent: Option<AgentId>,
    ) -> Result<Vec<AgentPerformance>, DomainError> {
        let agent = agent.map(|a| a.as_uuid());
        let rows = sqlx::query_as::<_, PerformanceRow>(
            "SELECT a.id AS agent_id, COUNT(l.id) AS assigned, \
             COUNT(l.first_contacted_at) AS contacted, \
             COALESCE(SUM(CASE WHEN l.status = 'converted' THEN 1 ELSE 0 END), 0) AS converted, \
             AVG(l.seconds_to_first_contact)::float8 AS avg_seconds \
             FROM agents a \
             LEFT JOIN leads l ON l.organization_id = a.organization_id AND l.agent_id = a.id \
                 AND l.deleted_at IS NULL \
             WHERE a.organization_id = $1 AND ($2::uuid IS NULL OR a.id = $3) \
             GROUP BY a.id ORDER BY a.id",
        )
        .bind(org.as_uuid())
        .bind(agent)
        .bind(agent)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        Ok(rows.into_iter().map(AgentPerformance::from).collect())
    }
}
