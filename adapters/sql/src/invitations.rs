//! Invitations and password resets: read on the pool, written in units of work.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::InvitationRepository;
use djcrm_domain::{
    DomainError, Email, Invitation, InvitationId, OrgId, Page, PageRequest, PasswordHash,
    PasswordReset, PersonName, TokenHash, UserId,
};

use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::{corrupt, on_insert, storage};
use crate::reads::push_page;
use crate::transaction::SqlUnitOfWork;
use crate::{Dialect, SqlStore};

const INVITATION_COLUMNS: &str = "id, organization_id, email, full_name, invited_by, token_hash, \
     created_at, sent_at, expires_at, accepted_at, revoked_at";

const RESET_COLUMNS: &str =
    "id, organization_id, user_id, token_hash, created_at, expires_at, used_at";

fn invitation(row: &impl ReadRow) -> Result<Invitation, DomainError> {
    let col = || storage("reading an invitation");
    Ok(Invitation {
        id: row.uuid("id").map_err(col())?.into(),
        org_id: row.uuid("organization_id").map_err(col())?.into(),
        email: Email::parse(&row.text("email").map_err(col())?)
            .map_err(|e| corrupt("invitation email", e))?,
        full_name: PersonName::parse(&row.text("full_name").map_err(col())?)
            .map_err(|e| corrupt("invitation name", e))?,
        invited_by: row.opt_uuid("invited_by").map_err(col())?.map(Into::into),
        token_hash: TokenHash::from_hex(row.text("token_hash").map_err(col())?),
        created_at: row.time("created_at").map_err(col())?,
        sent_at: row.time("sent_at").map_err(col())?,
        expires_at: row.time("expires_at").map_err(col())?,
        accepted_at: row.opt_time("accepted_at").map_err(col())?,
        revoked_at: row.opt_time("revoked_at").map_err(col())?,
    })
}

fn reset(row: &impl ReadRow) -> Result<PasswordReset, DomainError> {
    let col = || storage("reading a password reset");
    Ok(PasswordReset {
        id: row.uuid("id").map_err(col())?.into(),
        org_id: row.uuid("organization_id").map_err(col())?.into(),
        user_id: row.uuid("user_id").map_err(col())?.into(),
        token_hash: TokenHash::from_hex(row.text("token_hash").map_err(col())?),
        created_at: row.time("created_at").map_err(col())?,
        expires_at: row.time("expires_at").map_err(col())?,
        used_at: row.opt_time("used_at").map_err(col())?,
    })
}

impl<D: Dialect> InvitationRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: InvitationId) -> Result<Invitation, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(INVITATION_COLUMNS)
            .push(" FROM invitations WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading an invitation")
            .await?
            .ok_or(DomainError::not_found("invitation"))
            .and_then(|row| invitation(&row))
    }

    async fn by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(INVITATION_COLUMNS)
            .push(" FROM invitations WHERE token_hash = ")
            .push_bind(hash.as_str());
        self.fetch_optional(sql, "reading an invitation")
            .await?
            .map(|row| invitation(&row))
            .transpose()
    }

    async fn list_open(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<Invitation>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(INVITATION_COLUMNS)
            .push(" FROM invitations WHERE organization_id = ")
            .push_bind(org)
            .push(" AND accepted_at IS NULL AND revoked_at IS NULL");
        push_page(&mut sql, "id", "id DESC", page);
        let rows = self.fetch_all(sql, "listing invitations").await?;
        let invitations = rows.iter().map(invitation).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetched(invitations, page.limit, |i| {
            i.id.as_uuid()
        }))
    }
}

/// The writes of invitations and resets, called by the unit of work's trait methods.
impl<D: Dialect> SqlUnitOfWork<D> {
    pub(crate) async fn insert_invitation_row(
        &mut self,
        invitation: &Invitation,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO invitations (id, organization_id, email, full_name, invited_by, \
             token_hash, created_at, sent_at, expires_at, accepted_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(invitation.id)
        .bind(invitation.org_id)
        .bind(invitation.email.as_str())
        .bind(invitation.full_name.as_str())
        .bind(invitation.invited_by)
        .bind(invitation.token_hash.as_str())
        .bind(invitation.created_at)
        .bind(invitation.sent_at)
        .bind(invitation.expires_at)
        .bind(invitation.accepted_at)
        .bind(invitation.revoked_at);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(on_insert(
                "storing an invitation",
                "email",
                "an invitation to this email is already pending",
            ))
    }

    async fn locked_invitation(
        &mut self,
        condition: impl FnOnce(&mut Sql),
    ) -> Result<Option<Invitation>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(INVITATION_COLUMNS)
            .push(" FROM invitations WHERE ");
        condition(&mut sql);
        sql.push(D::LOCK_ROWS);
        D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("locking an invitation"))?
            .map(|row| invitation(&row))
            .transpose()
    }

    pub(crate) async fn invitation_by_id(
        &mut self,
        org: OrgId,
        id: InvitationId,
    ) -> Result<Invitation, DomainError> {
        self.locked_invitation(|sql| {
            sql.push("organization_id = ")
                .push_bind(org)
                .push(" AND id = ")
                .push_bind(id);
        })
        .await?
        .ok_or(DomainError::not_found("invitation"))
    }

    pub(crate) async fn invitation_by_token(
        &mut self,
        hash: &TokenHash,
    ) -> Result<Option<Invitation>, DomainError> {
        self.locked_invitation(|sql| {
            sql.push("token_hash = ").push_bind(hash.as_str());
        })
        .await
    }

    pub(crate) async fn save_invitation_row(
        &mut self,
        invitation: &Invitation,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE invitations SET token_hash = $1, sent_at = $2, expires_at = $3, \
             accepted_at = $4, revoked_at = $5 WHERE organization_id = $6 AND id = $7 \
             RETURNING id",
        )
        .bind(invitation.token_hash.as_str())
        .bind(invitation.sent_at)
        .bind(invitation.expires_at)
        .bind(invitation.accepted_at)
        .bind(invitation.revoked_at)
        .bind(invitation.org_id)
        .bind(invitation.id);
        let saved = D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("saving an invitation"))?;
        saved
            .map(|_| ())
            .ok_or(DomainError::not_found("invitation"))
    }

    pub(crate) async fn insert_reset_row(
        &mut self,
        reset: &PasswordReset,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO password_resets (id, organization_id, user_id, token_hash, created_at, \
             expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(reset.id.as_uuid())
        .bind(reset.org_id)
        .bind(reset.user_id)
        .bind(reset.token_hash.as_str())
        .bind(reset.created_at)
        .bind(reset.expires_at)
        .bind(reset.used_at);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(storage("storing a password reset"))
    }

    pub(crate) async fn reset_by_token(
        &mut self,
        hash: &TokenHash,
    ) -> Result<Option<PasswordReset>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(RESET_COLUMNS)
            .push(" FROM password_resets WHERE token_hash = ")
            .push_bind(hash.as_str())
            .push(D::LOCK_ROWS);
        D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("locking a password reset"))?
            .map(|row| reset(&row))
            .transpose()
    }

    pub(crate) async fn use_resets(
        &mut self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(storage("using password resets"))
    }

    pub(crate) async fn set_password_row(
        &mut self,
        org: OrgId,
        user: UserId,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE users SET password_hash = $1, updated_at = $2 \
             WHERE organization_id = $3 AND id = $4 RETURNING id",
        )
        .bind(hash.as_str())
        .bind(now)
        .bind(org)
        .bind(user);
        let saved = D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("setting a password"))?;
        saved.map(|_| ()).ok_or(DomainError::not_found("user"))
    }
}
