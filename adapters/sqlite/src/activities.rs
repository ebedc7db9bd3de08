//! [`ActivityRepository`] on SQLite.

use djcrm_domain::ports::ActivityRepository;
use djcrm_domain::{Activity, DomainError, LeadId, OrgId, Page, PageRequest};
use sqlx::{Sqlite, SqliteConnection};

use crate::SqliteStore;
use crate::error::storage;
use djcrm_adapter_sql::binds::Binds;
use djcrm_adapter_sql::rows::{ActivityRow, convert_all};

/// Inserts an activity on any connection (normally inside the transaction of the
/// change it records).
pub async fn insert(conn: &mut SqliteConnection, activity: &Activity) -> Result<(), DomainError> {
    let sql = sqlx::query(
        "INSERT INTO activities (id, organization_id, lead_id, actor_id, kind, from_status, \
         to_status, agent_id, body, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    Binds::<Sqlite>::activity(sql, activity)
        .execute(conn)
        .await
        .map_err(storage)?;
    Ok(())
}

impl ActivityRepository for SqliteStore {
    async fn append(&self, activity: &Activity) -> Result<(), DomainError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)?;
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM leads WHERE organization_id = ? AND id = ? AND deleted_at IS NULL",
        )
        .bind(activity.org_id.as_uuid())
        .bind(activity.lead_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?;
        if live.is_none() {
            return Err(DomainError::not_found("lead"));
        }
        insert(&mut tx, activity).await?;
        tx.commit().await.map_err(storage)
    }

    async fn list_for_lead(
        &self,
        org: OrgId,
        lead: LeadId,
        page: PageRequest,
    ) -> Result<Page<Activity>, DomainError> {
        let after = page.after.map(|c| c.last_id());
        let rows = sqlx::query_as::<_, ActivityRow>(
            "SELECT id, organization_id, lead_id, actor_id, kind, from_status, to_status, agent_id, \
             body, fields, created_at FROM activities \
             WHERE organization_id = ? AND lead_id = ? AND (? IS NULL OR id < ?) \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(org.as_uuid())
        .bind(lead.as_uuid())
        .bind(after)
        .bind(after)
        .bind(i64::from(page.limit.get()) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let activities: Vec<Activity> = convert_all(rows)?;
        Ok(Page::from_overfetched(activities, page.limit, |a| {
            a.id.as_uuid()
        }))
    }
}
