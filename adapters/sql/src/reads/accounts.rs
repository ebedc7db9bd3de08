//! Organizations, users and tokens.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::{OrganizationRepository, TokenRepository, UserRepository};
use djcrm_domain::{
    Actor, ApiToken, Census, Credentials, DomainError, Email, OrgId, Organization, Page,
    PageRequest, PasswordHash, Role, Session, TokenHash, User, UserId,
};

use super::push_page;
use crate::engine::{ReadRow, Sql};
use crate::error::{corrupt, storage};
use crate::rows::{self, ORGANIZATION_COLUMNS, USER_COLUMNS};
use crate::{Dialect, SqlStore};

impl<D: Dialect> OrganizationRepository for SqlStore<D> {
    async fn get(&self, id: OrgId) -> Result<Organization, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ORGANIZATION_COLUMNS)
            .push(" FROM organizations WHERE id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading an organization")
            .await?
            .ok_or(DomainError::not_found("organization"))
            .and_then(|row| rows::organization(&row))
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Organization>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ORGANIZATION_COLUMNS)
            .push(" FROM organizations WHERE 1 = 1");
        push_page(&mut sql, "id", "id DESC", page);
        let rows = self.fetch_all(sql, "listing organizations").await?;
        let organizations = rows::all(&rows, rows::organization)?;
        Ok(Page::from_overfetched(organizations, page.limit, |o| {
            o.id.as_uuid()
        }))
    }

    async fn census(&self) -> Result<Census, DomainError> {
        let context = "counting the installation";
        let totals = Sql::new(
            "SELECT (SELECT COUNT(*) FROM organizations) AS organizations, \
             (SELECT COUNT(*) FROM users) AS users",
        );
        let row = self
            .fetch_optional(totals, context)
            .await?
            .ok_or_else(|| DomainError::storage(context, "no row"))?;
        let count = |column: &str| -> Result<u64, DomainError> {
            Ok(u64::try_from(row.int(column).map_err(storage(context))?).unwrap_or(0))
        };
        let leads = Sql::new(
            "SELECT status, COUNT(*) AS count FROM leads WHERE deleted_at IS NULL GROUP BY status",
        );
        let rows = self.fetch_all(leads, context).await?;
        let size = self
            .fetch_optional(Sql::new(D::SIZE), context)
            .await?
            .map(|row| row.int("n"))
            .transpose()
            .map_err(storage(context))?
            .unwrap_or(0);
        Ok(Census {
            organizations: count("organizations")?,
            users: count("users")?,
            leads: rows::pipeline_counts(&rows)?,
            store_bytes: u64::try_from(size).unwrap_or(0),
        })
    }
}

impl<D: Dialect> UserRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: UserId) -> Result<User, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(USER_COLUMNS)
            .push(" FROM users WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading a user")
            .await?
            .ok_or(DomainError::not_found("user"))
            .and_then(|row| rows::user(&row))
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<User>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(USER_COLUMNS)
            .push(" FROM users WHERE organization_id = ")
            .push_bind(org);
        push_page(&mut sql, "id", "organization_id DESC, id DESC", page);
        let rows = self.fetch_all(sql, "listing users").await?;
        let users = rows::all(&rows, rows::user)?;
        Ok(Page::from_overfetched(users, page.limit, |u| {
            u.id.as_uuid()
        }))
    }

    async fn organizers(
        &self,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(USER_COLUMNS)
            .push(" FROM users WHERE active = ")
            .push_bind(true)
            .push(" AND role IN ('owner', 'organizer')");
        if let Some(after) = after {
            sql.push(" AND id > ").push_bind(after);
        }
        sql.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows = self.fetch_all(sql, "listing organizers").await?;
        rows.iter().map(rows::user).collect()
    }

    async fn credentials_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<Credentials>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(USER_COLUMNS)
            .push(", password_hash FROM users WHERE email = ")
            .push_bind(email.as_str());
        let Some(row) = self.fetch_optional(sql, "reading credentials").await? else {
            return Ok(None);
        };
        Ok(Some(Credentials {
            user: rows::user(&row)?,
            password_hash: PasswordHash::new(
                row.text("password_hash")
                    .map_err(storage("reading credentials"))?,
            ),
        }))
    }
}

impl<D: Dialect> TokenRepository for SqlStore<D> {
    async fn list(&self, org: OrgId, user: UserId) -> Result<Vec<ApiToken>, DomainError> {
        let sql = Sql::new(
            "SELECT id, organization_id, user_id, token_hash, created_at, expires_at \
             FROM api_tokens WHERE organization_id = $1 AND user_id = $2 ORDER BY id DESC",
        )
        .bind(org)
        .bind(user);
        let rows = self.fetch_all(sql, "listing tokens").await?;
        rows.iter()
            .map(|row| {
                let col = || storage("reading a token");
                Ok(ApiToken {
                    id: row.uuid("id").map_err(col())?.into(),
                    org_id: row.uuid("organization_id").map_err(col())?.into(),
                    user_id: row.uuid("user_id").map_err(col())?.into(),
                    hash: TokenHash::from_hex(row.text("token_hash").map_err(col())?),
                    created_at: row.time("created_at").map_err(col())?,
                    expires_at: row.time("expires_at").map_err(col())?,
                })
            })
            .collect()
    }

    async fn session_for(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, DomainError> {
        let sql = Sql::new(
            "SELECT u.id AS user_id, u.organization_id, u.role, a.id AS agent_id, t.expires_at \
             FROM api_tokens t \
             JOIN users u ON u.organization_id = t.organization_id AND u.id = t.user_id \
             LEFT JOIN agents a ON a.organization_id = u.organization_id AND a.user_id = u.id \
             WHERE t.token_hash = $1 AND u.active = $2",
        )
        .bind(hash.as_str())
        .bind(true);
        let Some(row) = self.fetch_optional(sql, "authenticating a token").await? else {
            return Ok(None);
        };
        let read = storage("authenticating a token");
        // Expiry is compared here, on parsed instants, rather than as text in SQL.
        let expires_at = row.time("expires_at").map_err(read)?;
        if expires_at <= now {
            return Ok(None);
        }
        let read = || storage("authenticating a token");
        let actor = Actor {
            user_id: row.uuid("user_id").map_err(read())?.into(),
            org_id: row.uuid("organization_id").map_err(read())?.into(),
            role: row
                .text("role")
                .map_err(read())?
                .parse::<Role>()
                .map_err(|e| corrupt("user role", e))?,
            agent_id: row.opt_uuid("agent_id").map_err(read())?.map(Into::into),
        };
        Ok(Some(Session { actor, expires_at }))
    }
}
