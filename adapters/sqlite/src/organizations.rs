//! [`OrganizationRepository`] on SQLite.

use djcrm_domain::ports::OrganizationRepository;
use djcrm_domain::{ApiToken, DomainError, OrgId, Organization, User};

use crate::error::storage;
use crate::{SqliteStore, tokens, users};
use djcrm_adapter_sql::rows::OrganizationRow;

impl OrganizationRepository for SqliteStore {
    async fn create_with_owner(
        &self,
        org: &Organization,
        owner: &User,
        password_hash: &str,
        token: &ApiToken,
    ) -> Result<(), DomainError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        )
        .bind(org.id.as_uuid())
        .bind(org.name.as_str())
        .bind(org.created_at)
        .bind(org.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        users::insert(&mut tx, owner, password_hash).await?;
        tokens::insert(&mut tx, token).await?;
        tx.commit().await.map_err(storage)
    }

    async fn get(&self, id: OrgId) -> Result<Organization, DomainError> {
        sqlx::query_as::<_, OrganizationRow>(
            "SELECT id, name, created_at, updated_at FROM organizations WHERE id = ?",
        )
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(DomainError::not_found("organization"))?
        .try_into()
    }

    async fn update(&self, org: &Organization) -> Result<(), DomainError> {
        let result = sqlx::query("UPDATE organizations SET name = ?, updated_at = ? WHERE id = ?")
            .bind(org.name.as_str())
            .bind(org.updated_at)
            .bind(org.id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found("organization"));
        }
        Ok(())
    }
}
