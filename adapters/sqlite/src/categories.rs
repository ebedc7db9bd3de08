//! [`CategoryRepository`] on SQLite.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::CategoryRepository;
use djcrm_domain::{Category, CategoryId, DomainError, OrgId, Page, PageRequest};

use crate::SqliteStore;
use crate::error::{conflict_on, storage};
use djcrm_adapter_sql::rows::{CategoryRow, convert_all};

const TAKEN: &str = "a category with this name already exists";

/// Case-blind uniqueness key; Rust's lower-casing covers all of Unicode, SQLite's
/// `lower()` only ASCII.
fn name_key(category: &Category) -> String {
    category.name.as_str().to_lowercase()
}

impl CategoryRepository for SqliteStore {
    async fn create(&self, category: &Category) -> Result<(), DomainError> {
        sqlx::query(
            "INSERT INTO categories (id, organization_id, name, name_key, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(category.id.as_uuid())
        .bind(category.org_id.as_uuid())
        .bind(category.name.as_str())
        .bind(name_key(category))
        .bind(category.created_at)
        .bind(category.updated_at)
        .execute(&self.pool)
        .await
        .map_err(conflict_on("name", TAKEN))?;
        Ok(())
    }

    async fn get(&self, org: OrgId, id: CategoryId) -> Result<Category, DomainError> {
        sqlx::query_as::<_, CategoryRow>(
            "SELECT id, organization_id, name, created_at, updated_at FROM categories \
             WHERE organization_id = ? AND id = ?",
        )
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(DomainError::not_found("category"))?
        .try_into()
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Category>, DomainError> {
        let after = page.after.map(|c| c.last_id());
        let rows = sqlx::query_as::<_, CategoryRow>(
            "SELECT id, organization_id, name, created_at, updated_at FROM categories \
             WHERE organization_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
        )
        .bind(org.as_uuid())
        .bind(after)
        .bind(after)
        .bind(i64::from(page.limit.get()) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let categories: Vec<Category> = convert_all(rows)?;
        Ok(Page::from_overfetched(categories, page.limit, |c| {
            c.id.as_uuid()
        }))
    }

    async fn update(&self, category: &Category) -> Result<(), DomainError> {
        let result = sqlx::query(
            "UPDATE categories SET name = ?, name_key = ?, updated_at = ? WHERE organization_id = ? AND id = ?",
        )
        .bind(category.name.as_str())
        .bind(name_key(category))
        .bind(category.updated_at)
        .bind(category.org_id.as_uuid())
        .bind(category.id.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(conflict_on("name", TAKEN))?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found("category"));
        }
        Ok(())
    }

    async fn delete(
        &self,
        org: OrgId,
        id: CategoryId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)?;
        // Leads (deleted ones too: the foreign key covers them) lose the category first.
        sqlx::query(
            "UPDATE leads SET category_id = NULL, version = version + 1, updated_at = ? \
             WHERE organization_id = ? AND category_id = ?",
        )
        .bind(now)
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        let result = sqlx::query("DELETE FROM categories WHERE organization_id = ? AND id = ?")
            .bind(org.as_uuid())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found("category"));
        }
        tx.commit().await.map_err(storage)
    }
}
