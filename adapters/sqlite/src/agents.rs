//! [`AgentRepository`] on SQLite. An agent is a `users` row (name, email, active)
//! plus an `agents` row (the profile leads point at).

use djcrm_domain::ports::AgentRepository;
use djcrm_domain::{Agent, AgentId, DomainError, OrgId, Page, PageRequest};

use crate::error::storage;
use crate::{SqliteStore, users};
use djcrm_adapter_sql::rows::{AgentRow, convert_all};

macro_rules! agent_select {
    () => {
        "SELECT a.id, a.organization_id, a.user_id, u.email, u.full_name, u.active, \
         a.created_at, a.updated_at \
         FROM agents a JOIN users u ON u.organization_id = a.organization_id AND u.id = a.user_id "
    };
}

impl AgentRepository for SqliteStore {
    async fn create(&self, agent: &Agent, password_hash: &str) -> Result<(), DomainError> {
        let user = agent.user();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)?;
        users::insert(&mut tx, &user, password_hash).await?;
        sqlx::query(
            "INSERT INTO agents (id, organization_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(agent.id.as_uuid())
        .bind(agent.org_id.as_uuid())
        .bind(agent.user_id.as_uuid())
        .bind(agent.created_at)
        .bind(agent.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn get(&self, org: OrgId, id: AgentId) -> Result<Agent, DomainError> {
        sqlx::query_as::<_, AgentRow>(concat!(
            agent_select!(),
            "WHERE a.organization_id = ? AND a.id = ?"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(DomainError::not_found("agent"))?
        .try_into()
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Agent>, DomainError> {
        let rows = sqlx::query_as::<_, AgentRow>(concat!(
            agent_select!(),
            "WHERE a.organization_id = ? AND (? IS NULL OR a.id < ?) ORDER BY a.id DESC LIMIT ?"
        ))
        .bind(org.as_uuid())
        .bind(page.after.map(|c| c.last_id()))
        .bind(page.after.map(|c| c.last_id()))
        .bind(i64::from(page.limit.get()) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let agents: Vec<Agent> = convert_all(rows)?;
        Ok(Page::from_overfetched(agents, page.limit, |a| {
            a.id.as_uuid()
        }))
    }

    async fn update(&self, agent: &Agent) -> Result<(), DomainError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)?;
        let touched =
            sqlx::query("UPDATE agents SET updated_at = ? WHERE organization_id = ? AND id = ?")
                .bind(agent.updated_at)
                .bind(agent.org_id.as_uuid())
                .bind(agent.id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        if touched.rows_affected() == 0 {
            return Err(DomainError::not_found("agent"));
        }
        sqlx::query(
            "UPDATE users SET full_name = ?, active = ?, updated_at = ? WHERE organization_id = ? AND id = ?",
        )
        .bind(agent.full_name.as_str())
        .bind(agent.active)
        .bind(agent.updated_at)
        .bind(agent.org_id.as_uuid())
        .bind(agent.user_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if !agent.active {
            sqlx::query("DELETE FROM api_tokens WHERE organization_id = ? AND user_id = ?")
                .bind(agent.org_id.as_uuid())
                .bind(agent.user_id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }
}
