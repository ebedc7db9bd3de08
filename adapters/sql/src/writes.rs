//! Writes of a unit of work kept out of `unit_of_work.rs`: leads' rows, and the
//! operator's changes to users and tokens.

use chrono::{DateTime, Utc};
use djcrm_domain::{DomainError, Lead, OrgId, Role, TokenId, UserId};

use crate::Dialect;
use crate::engine::{Param, ReadRow, Sql, SqlDatabase};
use crate::error::{on_lead_write, storage};
use crate::rows::{LEAD_COLUMNS, lead_search_text};
use crate::transaction::SqlUnitOfWork;

impl<D: Dialect> SqlUnitOfWork<D> {
    /// Writes `lead` over its stored row if that is live and at `expected_version`,
    /// marking it deleted at `deleted_at` when given.
    pub(crate) async fn write_lead(
        &mut self,
        lead: &Lead,
        expected_version: i64,
        deleted_at: Option<DateTime<Utc>>,
    ) -> Result<(), DomainError> {
        let sql = lead_values(
            Sql::new(
                "UPDATE leads SET first_name = $3, last_name = $4, email = $5, phone = $6, \
             description = $7, status = $8, category_id = $9, agent_id = $10, \
             version = $11, created_at = $12, updated_at = $13, first_contacted_at = $14, \
             seconds_to_first_contact = $15, search_text = $16, deleted_at = $17 \
             WHERE organization_id = $2 AND id = $1 AND version = $18 AND deleted_at IS NULL \
             RETURNING id",
            ),
            lead,
        )
        .bind(deleted_at)
        .bind(expected_version);
        let saved = D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(on_lead_write("saving a lead"))?;
        if saved.is_some() {
            return Ok(());
        }
        let live = Sql::new(
            "SELECT id FROM leads WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(lead.org_id)
        .bind(lead.id);
        Err(if self.touched(live, "saving a lead").await? {
            DomainError::PreconditionFailed {
                expected: expected_version,
            }
        } else {
            DomainError::not_found("lead")
        })
    }

    pub(crate) async fn set_role_row(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE users SET role = $1, updated_at = $2 \
             WHERE organization_id = $3 AND id = $4 RETURNING id",
        )
        .bind(role.as_str())
        .bind(now)
        .bind(org)
        .bind(user);
        if self.touched(sql, "changing a role").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("user"))
        }
    }

    pub(crate) async fn set_active_row(
        &mut self,
        org: OrgId,
        user: UserId,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE users SET active = $1, updated_at = $2 \
             WHERE organization_id = $3 AND id = $4 RETURNING id",
        )
        .bind(active)
        .bind(now)
        .bind(org)
        .bind(user);
        if self.touched(sql, "deactivating a user").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("user"))
        }
    }

    pub(crate) async fn revoke_token_row(
        &mut self,
        org: OrgId,
        id: TokenId,
    ) -> Result<Option<UserId>, DomainError> {
        let sql = Sql::new(
            "DELETE FROM api_tokens WHERE organization_id = $1 AND id = $2 RETURNING user_id",
        )
        .bind(org)
        .bind(id);
        self.fetch_optional(sql, "revoking a token")
            .await?
            .map(|row| {
                row.uuid("user_id")
                    .map(Into::into)
                    .map_err(storage("revoking a token"))
            })
            .transpose()
    }
}

/// A lead's 16 stored columns (all but `import_id`), in the order of `INSERT INTO
/// leads` and of the `$1`..`$16` of `UPDATE leads`.
pub(crate) fn lead_params(lead: &Lead) -> [Param; 16] {
    [
        lead.id.into(),
        lead.org_id.into(),
        lead.first_name.as_str().into(),
        lead.last_name.as_str().into(),
        lead.email.as_ref().map(|e| e.as_str()).into(),
        lead.phone.as_ref().map(|p| p.as_str()).into(),
        lead.description.as_ref().map(|d| d.as_str()).into(),
        lead.status().as_str().into(),
        lead.category_id.into(),
        lead.agent_id.into(),
        lead.version().into(),
        lead.created_at.into(),
        lead.updated_at().into(),
        lead.first_contacted_at().into(),
        lead.seconds_to_first_contact().into(),
        lead_search_text(lead).into(),
    ]
}

/// Binds a lead's 16 stored columns as `$1`..`$16`.
pub(crate) fn lead_values(sql: Sql, lead: &Lead) -> Sql {
    lead_params(lead).into_iter().fold(sql, Sql::bind)
}

pub(crate) fn lead_query<D: Dialect>(condition: &str) -> Sql {
    let mut sql = Sql::new("SELECT ");
    sql.push(LEAD_COLUMNS)
        .push(" FROM leads WHERE ")
        .push(condition)
        .push(D::LOCK_ROWS);
    sql
}
