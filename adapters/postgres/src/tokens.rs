//! [`TokenRepository`] on PostgreSQL.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::TokenRepository;
use djcrm_domain::{Actor, ApiToken, DomainError, Role, TokenHash, UserId};
use sqlx::{PgConnection, Postgres};
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::{corrupt, storage};
use djcrm_adapter_sql::binds::Binds;

/// Inserts a token on any connection (inside a transaction or not).
pub async fn insert(conn: &mut PgConnection, token: &ApiToken) -> Result<(), DomainError> {
    let sql = sqlx::query(
        "INSERT INTO api_tokens (id, organization_id, user_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    );
    Binds::<Postgres>::token(sql, token)
        .execute(conn)
        .await
        .map_err(storage)?;
    Ok(())
}

impl TokenRepository for PostgresStore {
    async fn insert(&self, token: &ApiToken) -> Result<(), DomainError> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        insert(&mut conn, token).await
    }

    async fn actor_for(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<Actor>, DomainError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: Uuid,
            organization_id: Uuid,
            role: String,
            agent_id: Option<Uuid>,
            expires_at: DateTime<Utc>,
        }
        let row = sqlx::query_as::<_, Row>(
            "SELECT u.id AS user_id, u.organization_id, u.role, a.id AS agent_id, t.expires_at \
             FROM api_tokens t \
             JOIN users u ON u.organization_id = t.organization_id AND u.id = t.user_id \
             LEFT JOIN agents a ON a.organization_id = u.organization_id AND a.user_id = u.id \
             WHERE t.token_hash = $1 AND u.active",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        // Expiry is compared here, on parsed instants, rather than as text in SQL.
        let Some(row) = row.filter(|row| row.expires_at > now) else {
            return Ok(None);
        };
        Ok(Some(Actor {
            user_id: row.user_id.into(),
            org_id: row.organization_id.into(),
            role: row
                .role
                .parse::<Role>()
                .map_err(|e| corrupt("user role", e))?,
            agent_id: row.agent_id.map(Into::into),
        }))
    }

    async fn revoke(&self, user: UserId, hash: &TokenHash) -> Result<(), DomainError> {
        sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1 AND user_id = $2")
            .bind(hash.as_str())
            .bind(user.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}
