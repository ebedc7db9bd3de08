//! The write side: one transaction per use case, events included.

use chrono::{DateTime, Utc};
use tracing::Instrument;

use djcrm_domain::jobs::Secret;
use djcrm_domain::ports::UnitOfWork;
use djcrm_domain::{
    Activity, Agent, AgentId, ApiToken, Category, CategoryId, CategoryName, DomainError, Email,
    Event, EventId, Import, ImportId, Invitation, InvitationId, Lead, LeadId, OrgId, Organization,
    OrganizationName, PasswordHash, PasswordReset, Rejection, Role, TokenHash, TokenId, User,
    UserId, Webhook, WebhookId,
};

use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::{on_insert, storage};
use crate::rows::{self, AGENT_SELECT, CATEGORY_COLUMNS, ORGANIZATION_COLUMNS, USER_COLUMNS};
use crate::transaction::SqlUnitOfWork;
use crate::writes::lead_query;
use crate::{Dialect, RowOf, span};

const CATEGORY_TAKEN: &str = "a category with this name already exists";
const EMAIL_TAKEN: &str = "an account with this email already exists";

impl<D: Dialect> SqlUnitOfWork<D> {
    async fn execute(&mut self, sql: Sql, context: &'static str) -> Result<(), DomainError> {
        D::Db::execute(self.conn().await?, sql)
            .instrument(span(context))
            .await
            .map_err(storage(context))
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Vec<RowOf<D>>, DomainError> {
        D::Db::fetch_all(self.conn().await?, sql)
            .instrument(span(context))
            .await
            .map_err(storage(context))
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Option<RowOf<D>>, DomainError> {
        D::Db::fetch_optional(self.conn().await?, sql)
            .instrument(span(context))
            .await
            .map_err(storage(context))
    }

    /// The agent `id`, read with the lock clause `lock`.
    async fn locked_agent(
        &mut self,
        org: OrgId,
        id: AgentId,
        lock: &str,
    ) -> Result<Agent, DomainError> {
        let mut sql = Sql::new(AGENT_SELECT);
        sql.push("AND a.organization_id = ")
            .push_bind(org)
            .push(" AND a.id = ")
            .push_bind(id)
            .push(lock);
        self.fetch_optional(sql, "locking an agent")
            .await?
            .ok_or(DomainError::not_found("agent"))
            .and_then(|row| rows::agent(&row))
    }

    /// Runs a `... RETURNING id` statement; whether it touched a row.
    pub(crate) async fn touched(
        &mut self,
        sql: Sql,
        context: &'static str,
    ) -> Result<bool, DomainError> {
        Ok(self.fetch_optional(sql, context).await?.is_some())
    }

    /// Runs a `... RETURNING id` statement over token rows; the token ids.
    async fn token_ids(&mut self, sql: Sql) -> Result<Vec<TokenId>, DomainError> {
        let rows = self.fetch_all(sql, "revoking tokens").await?;
        rows.iter()
            .map(|row| {
                row.uuid("id")
                    .map(Into::into)
                    .map_err(storage("revoking tokens"))
            })
            .collect()
    }
}

impl<D: Dialect> UnitOfWork for SqlUnitOfWork<D> {
    async fn insert_organization(&mut self, org: &Organization) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.id)
        .bind(org.name.as_str())
        .bind(org.created_at)
        .bind(org.updated_at);
        self.execute(sql, "storing an organization").await
    }

    async fn organization_for_update(&mut self, id: OrgId) -> Result<Organization, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ORGANIZATION_COLUMNS)
            .push(" FROM organizations WHERE id = ")
            .push_bind(id)
            .push(D::LOCK_ROWS);
        self.fetch_optional(sql, "locking an organization")
            .await?
            .ok_or(DomainError::not_found("organization"))
            .and_then(|row| rows::organization(&row))
    }

    async fn rename_organization(
        &mut self,
        org: OrgId,
        name: &OrganizationName,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE organizations SET name = $1, updated_at = $2 WHERE id = $3 RETURNING id",
        )
        .bind(name.as_str())
        .bind(now)
        .bind(org);
        if self.touched(sql, "renaming an organization").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("organization"))
        }
    }

    async fn insert_user(
        &mut self,
        user: &User,
        password_hash: &PasswordHash,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO users (id, organization_id, email, full_name, role, password_hash, \
             active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(user.id)
        .bind(user.org_id)
        .bind(user.email.as_str())
        .bind(user.full_name.as_str())
        .bind(user.role.as_str())
        .bind(password_hash.as_str())
        .bind(user.active)
        .bind(user.created_at)
        .bind(user.updated_at);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(on_insert("storing a user", "email", EMAIL_TAKEN))
    }

    async fn user_for_update(&mut self, org: OrgId, id: UserId) -> Result<User, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(USER_COLUMNS)
            .push(" FROM users WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id)
            .push(D::LOCK_ROWS);
        self.fetch_optional(sql, "locking a user")
            .await?
            .ok_or(DomainError::not_found("user"))
            .and_then(|row| rows::user(&row))
    }

    async fn insert_agent(&mut self, agent: &Agent) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO agents (id, organization_id, user_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(agent.id)
        .bind(agent.org_id)
        .bind(agent.user_id)
        .bind(agent.created_at)
        .bind(agent.updated_at);
        self.execute(sql, "storing an agent").await
    }

    async fn agent_for_update(&mut self, org: OrgId, id: AgentId) -> Result<Agent, DomainError> {
        self.locked_agent(org, id, D::LOCK_ROWS).await
    }

    async fn agent_for_share(&mut self, org: OrgId, id: AgentId) -> Result<Agent, DomainError> {
        self.locked_agent(org, id, D::SHARE_ROWS).await
    }

    async fn save_agent(&mut self, agent: &Agent) -> Result<(), DomainError> {
        let profile = Sql::new(
            "UPDATE agents SET updated_at = $1 WHERE organization_id = $2 AND id = $3 RETURNING id",
        )
        .bind(agent.updated_at)
        .bind(agent.org_id)
        .bind(agent.id);
        if !self.touched(profile, "saving an agent").await? {
            return Err(DomainError::not_found("agent"));
        }
        let user = Sql::new(
            "UPDATE users SET full_name = $1, active = $2, updated_at = $3 \
             WHERE organization_id = $4 AND id = $5",
        )
        .bind(agent.full_name.as_str())
        .bind(agent.active)
        .bind(agent.updated_at)
        .bind(agent.org_id)
        .bind(agent.user_id);
        self.execute(user, "saving an agent").await
    }

    async fn delete_agent(
        &mut self,
        org: OrgId,
        id: AgentId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE agents SET deleted_at = $1, updated_at = $1 \
             WHERE organization_id = $2 AND id = $3 AND deleted_at IS NULL RETURNING id",
        )
        .bind(now)
        .bind(org)
        .bind(id);
        if self.touched(sql, "deleting an agent").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("agent"))
        }
    }

    async fn leads_of_agent_for_update(
        &mut self,
        org: OrgId,
        agent: AgentId,
    ) -> Result<Vec<Lead>, DomainError> {
        let sql = lead_query::<D>(
            "organization_id = $1 AND agent_id = $2 AND deleted_at IS NULL ORDER BY id",
        )
        .bind(org)
        .bind(agent);
        let rows = self.fetch_all(sql, "locking an agent's leads").await?;
        rows::all(&rows, rows::lead)
    }

    async fn insert_token(&mut self, token: &ApiToken) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO api_tokens (id, organization_id, user_id, token_hash, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.id)
        .bind(token.org_id)
        .bind(token.user_id)
        .bind(token.hash.as_str())
        .bind(token.created_at)
        .bind(token.expires_at);
        self.execute(sql, "storing a token").await
    }

    async fn revoke_token(
        &mut self,
        user: UserId,
        hash: &TokenHash,
    ) -> Result<Option<TokenId>, DomainError> {
        let sql =
            Sql::new("DELETE FROM api_tokens WHERE token_hash = $1 AND user_id = $2 RETURNING id")
                .bind(hash.as_str())
                .bind(user);
        Ok(self.token_ids(sql).await?.into_iter().next())
    }

    async fn revoke_tokens_of(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Vec<TokenId>, DomainError> {
        let sql = Sql::new(
            "DELETE FROM api_tokens WHERE organization_id = $1 AND user_id = $2 RETURNING id",
        )
        .bind(org)
        .bind(user);
        self.token_ids(sql).await
    }

    async fn insert_category(&mut self, category: &Category) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO categories (id, organization_id, name, name_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(category.id)
        .bind(category.org_id)
        .bind(category.name.as_str())
        .bind(name_key(&category.name))
        .bind(category.created_at)
        .bind(category.updated_at);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(on_insert("storing a category", "name", CATEGORY_TAKEN))
    }

    async fn category_for_update(
        &mut self,
        org: OrgId,
        id: CategoryId,
    ) -> Result<Category, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(CATEGORY_COLUMNS)
            .push(" FROM categories WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id)
            .push(D::LOCK_ROWS);
        self.fetch_optional(sql, "locking a category")
            .await?
            .ok_or(DomainError::not_found("category"))
            .and_then(|row| rows::category(&row))
    }

    async fn rename_category(
        &mut self,
        org: OrgId,
        id: CategoryId,
        name: &CategoryName,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE categories SET name = $1, name_key = $2, updated_at = $3 \
             WHERE organization_id = $4 AND id = $5 RETURNING id",
        )
        .bind(name.as_str())
        .bind(name_key(name))
        .bind(now)
        .bind(org)
        .bind(id);
        let touched = D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(on_insert("renaming a category", "name", CATEGORY_TAKEN))?;
        touched
            .map(|_| ())
            .ok_or(DomainError::not_found("category"))
    }

    async fn delete_category(&mut self, org: OrgId, id: CategoryId) -> Result<(), DomainError> {
        // Deleted leads keep no reference either: the foreign key covers them too.
        let forget = Sql::new(
            "UPDATE leads SET category_id = NULL \
             WHERE organization_id = $1 AND category_id = $2 AND deleted_at IS NOT NULL",
        )
        .bind(org)
        .bind(id);
        self.execute(forget, "deleting a category").await?;
        let delete =
            Sql::new("DELETE FROM categories WHERE organization_id = $1 AND id = $2 RETURNING id")
                .bind(org)
                .bind(id);
        if self.touched(delete, "deleting a category").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("category"))
        }
    }

    async fn insert_lead(&mut self, lead: &Lead) -> Result<(), DomainError> {
        self.hold(|held| held.leads.push(lead.clone()));
        Ok(())
    }

    async fn lead_for_update(&mut self, org: OrgId, id: LeadId) -> Result<Lead, DomainError> {
        let sql = lead_query::<D>("organization_id = $1 AND id = $2 AND deleted_at IS NULL")
            .bind(org)
            .bind(id);
        self.fetch_optional(sql, "locking a lead")
            .await?
            .ok_or(DomainError::not_found("lead"))
            .and_then(|row| rows::lead(&row))
    }

    async fn leads_in_category_for_update(
        &mut self,
        org: OrgId,
        category: CategoryId,
    ) -> Result<Vec<Lead>, DomainError> {
        let sql = lead_query::<D>(
            "organization_id = $1 AND category_id = $2 AND deleted_at IS NULL ORDER BY id",
        )
        .bind(org)
        .bind(category);
        let rows = self.fetch_all(sql, "locking a category's leads").await?;
        rows::all(&rows, rows::lead)
    }

    async fn save_lead(&mut self, lead: &Lead, expected_version: i64) -> Result<(), DomainError> {
        self.write_lead(lead, expected_version, None).await
    }

    async fn delete_lead(&mut self, lead: &Lead, expected_version: i64) -> Result<(), DomainError> {
        self.write_lead(lead, expected_version, Some(lead.updated_at()))
            .await
    }

    async fn append_activity(&mut self, activity: &Activity) -> Result<(), DomainError> {
        self.hold(|held| held.activities.push(activity.clone()));
        Ok(())
    }

    async fn append_event(&mut self, event: &Event) -> Result<(), DomainError> {
        self.hold_event(event);
        Ok(())
    }

    async fn seal(&mut self, event: EventId, secret: &Secret) -> Result<(), DomainError> {
        let sql = Sql::new("INSERT INTO sealed_secrets (event_id, secret) VALUES ($1, $2)")
            .bind(event)
            .bind(secret.expose());
        self.execute(sql, "sealing a secret").await
    }

    async fn insert_invitation(&mut self, invitation: &Invitation) -> Result<(), DomainError> {
        self.insert_invitation_row(invitation).await
    }

    async fn invitation_for_update(
        &mut self,
        org: OrgId,
        id: InvitationId,
    ) -> Result<Invitation, DomainError> {
        self.invitation_by_id(org, id).await
    }

    async fn invitation_by_token_for_update(
        &mut self,
        hash: &TokenHash,
    ) -> Result<Option<Invitation>, DomainError> {
        self.invitation_by_token(hash).await
    }

    async fn save_invitation(&mut self, invitation: &Invitation) -> Result<(), DomainError> {
        self.save_invitation_row(invitation).await
    }

    async fn insert_password_reset(&mut self, reset: &PasswordReset) -> Result<(), DomainError> {
        self.insert_reset_row(reset).await
    }

    async fn password_reset_by_token_for_update(
        &mut self,
        hash: &TokenHash,
    ) -> Result<Option<PasswordReset>, DomainError> {
        self.reset_by_token(hash).await
    }

    async fn use_password_resets(
        &mut self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.use_resets(user, now).await
    }

    async fn set_password(
        &mut self,
        org: OrgId,
        user: UserId,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.set_password_row(org, user, hash, now).await
    }

    async fn set_user_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.set_role_row(org, user, role, now).await
    }

    async fn set_user_active(
        &mut self,
        org: OrgId,
        user: UserId,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.set_active_row(org, user, active, now).await
    }

    async fn revoke_token_by_id(
        &mut self,
        org: OrgId,
        id: TokenId,
    ) -> Result<Option<UserId>, DomainError> {
        self.revoke_token_row(org, id).await
    }

    async fn insert_webhook(&mut self, webhook: &Webhook) -> Result<(), DomainError> {
        self.insert_webhook_row(webhook).await
    }

    async fn webhook_for_update(
        &mut self,
        org: OrgId,
        id: WebhookId,
    ) -> Result<Webhook, DomainError> {
        self.locked_webhook(org, id).await
    }

    async fn save_webhook(&mut self, webhook: &Webhook) -> Result<(), DomainError> {
        self.save_webhook_row(webhook).await
    }

    async fn delete_webhook(&mut self, org: OrgId, id: WebhookId) -> Result<(), DomainError> {
        self.delete_webhook_row(org, id).await
    }

    async fn insert_import(&mut self, import: &Import) -> Result<(), DomainError> {
        self.insert_import_row(import).await
    }

    async fn import_for_update(&mut self, org: OrgId, id: ImportId) -> Result<Import, DomainError> {
        self.locked_import(org, id).await
    }

    async fn save_import(&mut self, import: &Import) -> Result<(), DomainError> {
        self.save_import_row(import).await
    }

    async fn insert_upload_part(
        &mut self,
        org: OrgId,
        import: ImportId,
        part: u64,
        bytes: &[u8],
    ) -> Result<(), DomainError> {
        self.insert_upload_row(org, import, part, bytes).await
    }

    async fn delete_upload(&mut self, org: OrgId, import: ImportId) -> Result<(), DomainError> {
        self.delete_upload_rows(org, import).await
    }

    async fn insert_imported_leads(
        &mut self,
        import: ImportId,
        leads: &[Lead],
    ) -> Result<(), DomainError> {
        self.insert_lead_rows(import, leads).await
    }

    async fn leads_by_email_for_update(
        &mut self,
        org: OrgId,
        emails: &[Email],
    ) -> Result<Vec<Lead>, DomainError> {
        self.leads_by_email(org, emails).await
    }

    async fn insert_rejections(
        &mut self,
        org: OrgId,
        import: ImportId,
        rejections: &[Rejection],
    ) -> Result<(), DomainError> {
        self.insert_rejection_rows(org, import, rejections).await
    }

    async fn revert_import(
        &mut self,
        org: OrgId,
        import: ImportId,
        actor: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        self.revert_import_rows(org, import, actor, now).await
    }

    async fn commit(self) -> Result<(), DomainError> {
        // Once asked for, a commit runs to its end on a task of its own, telling
        // the listener, even if the caller stops waiting (a client that hung up):
        // a write must never land without the invalidation that follows it.
        tokio::spawn(self.finish())
            .await
            .map_err(|e| DomainError::storage("committing a transaction", e))?
    }
}

/// The case-blind key of a category name (Unicode-aware, unlike SQLite's `lower`).
fn name_key(name: &CategoryName) -> String {
    name.as_str().to_lowercase()
}
