//! [`UserRepository`] on PostgreSQL.

use djcrm_domain::ports::UserRepository;
use djcrm_domain::{Credentials, DomainError, Email, OrgId, User, UserId};
use sqlx::{Postgres, Transaction};

use crate::PostgresStore;
use crate::error::{conflict_on, missing_reference, storage};
use djcrm_adapter_sql::binds::Binds;
use djcrm_adapter_sql::rows::UserRow;

macro_rules! user_columns {
    () => {
        "id, organization_id, email, full_name, role, active, created_at, updated_at"
    };
}

/// Inserts a user inside a transaction. A taken email is a conflict.
pub async fn insert(
    tx: &mut Transaction<'static, Postgres>,
    user: &User,
    password_hash: &str,
) -> Result<(), DomainError> {
    let sql = sqlx::query(
        "INSERT INTO users (id, organization_id, email, full_name, role, password_hash, active, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    );
    Binds::<Postgres>::user(sql, user, password_hash)
        .execute(&mut **tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                missing_reference("organization")(e)
            }
            _ => conflict_on("email", "an account with this email already exists")(e),
        })?;
    Ok(())
}

impl UserRepository for PostgresStore {
    async fn create(&self, user: &User, password_hash: &str) -> Result<(), DomainError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        insert(&mut tx, user, password_hash).await?;
        tx.commit().await.map_err(storage)
    }

    async fn get(&self, org: OrgId, id: UserId) -> Result<User, DomainError> {
        sqlx::query_as::<_, UserRow>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE organization_id = $1 AND id = $2"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(DomainError::not_found("user"))?
        .try_into()
    }

    async fn credentials_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<Credentials>, DomainError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE lower(email) = lower($1)"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        row.map(|row| {
            Ok(Credentials {
                user: row.user.try_into()?,
                password_hash: row.password_hash,
            })
        })
        .transpose()
    }
}
