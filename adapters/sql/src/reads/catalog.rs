//! Agents and categories.

use djcrm_domain::ports::{AgentRepository, CategoryRepository};
use djcrm_domain::{Agent, AgentId, Category, CategoryId, DomainError, OrgId, Page, PageRequest};

use super::push_page;
use crate::engine::Sql;
use crate::rows::{self, AGENT_SELECT, CATEGORY_COLUMNS};
use crate::{Dialect, SqlStore};

impl<D: Dialect> AgentRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: AgentId) -> Result<Agent, DomainError> {
        let mut sql = Sql::new(AGENT_SELECT);
        sql.push("AND a.organization_id = ")
            .push_bind(org)
            .push(" AND a.id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading an agent")
            .await?
            .ok_or(DomainError::not_found("agent"))
            .and_then(|row| rows::agent(&row))
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Agent>, DomainError> {
        let mut sql = Sql::new(AGENT_SELECT);
        sql.push("AND a.organization_id = ").push_bind(org);
        // The (organization_id, id) key's order, whatever the statistics say.
        push_page(&mut sql, "a.id", "a.organization_id DESC, a.id DESC", page);
        let rows = self.fetch_all(sql, "listing agents").await?;
        let agents = rows::all(&rows, rows::agent)?;
        Ok(Page::from_overfetched(agents, page.limit, |a| {
            a.id.as_uuid()
        }))
    }
}

impl<D: Dialect> CategoryRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: CategoryId) -> Result<Category, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(CATEGORY_COLUMNS)
            .push(" FROM categories WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading a category")
            .await?
            .ok_or(DomainError::not_found("category"))
            .and_then(|row| rows::category(&row))
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Category>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(CATEGORY_COLUMNS)
            .push(" FROM categories WHERE organization_id = ")
            .push_bind(org);
        push_page(&mut sql, "id", "organization_id DESC, id DESC", page);
        let rows = self.fetch_all(sql, "listing categories").await?;
        let categories = rows::all(&rows, rows::category)?;
        Ok(Page::from_overfetched(categories, page.limit, |c| {
            c.id.as_uuid()
        }))
    }
}
