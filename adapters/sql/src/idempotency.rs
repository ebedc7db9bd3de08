//! Idempotency records, on the pool: each statement commits alone, and the primary
//! key `(scope, key)` decides which of two concurrent first requests wins.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::IdempotencyRepository;
use djcrm_domain::{DomainError, IdempotencyKey, RecordedResponse, Reservation};

use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::storage;
use crate::{Dialect, SqlStore};

impl<D: Dialect> IdempotencyRepository for SqlStore<D> {
    async fn reserve(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: DateTime<Utc>,
        expires_before: DateTime<Utc>,
    ) -> Result<Reservation, DomainError> {
        let context = "reserving an idempotency key";
        let mut conn = self.pool.acquire().await.map_err(storage(context))?;
        // Expired records go first, this key's among them.
        let purge =
            Sql::new("DELETE FROM idempotency_keys WHERE created_at < $1").bind(expires_before);
        D::Db::execute(&mut conn, purge)
            .await
            .map_err(storage(context))?;
        let claim = Sql::new(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING RETURNING key",
        )
        .bind(scope)
        .bind(key.as_str())
        .bind(fingerprint)
        .bind(now);
        let claimed = D::Db::fetch_optional(&mut conn, claim)
            .await
            .map_err(storage(context))?;
        if claimed.is_some() {
            return Ok(Reservation::Reserved);
        }
        let read = Sql::new(
            "SELECT fingerprint, status, location, etag, body FROM idempotency_keys \
             WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key.as_str());
        let Some(row) = D::Db::fetch_optional(&mut conn, read)
            .await
            .map_err(storage(context))?
        else {
            // Released between our claim and our read: the caller may try again.
            return Ok(Reservation::InProgress);
        };
        let column = storage(context);
        if row.text("fingerprint").map_err(column)? != fingerprint {
            return Ok(Reservation::Mismatch);
        }
        let read = || storage(context);
        let Some(status) = row.opt_int("status").map_err(read())? else {
            return Ok(Reservation::InProgress);
        };
        Ok(Reservation::Replay(RecordedResponse {
            status: u16::try_from(status).unwrap_or(500),
            location: row.opt_text("location").map_err(read())?,
            etag: row.opt_text("etag").map_err(read())?,
            body: row.opt_text("body").map_err(read())?.unwrap_or_default(),
        }))
    }

    async fn complete(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        response: &RecordedResponse,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE idempotency_keys SET status = $1, location = $2, etag = $3, body = $4 \
             WHERE scope = $5 AND key = $6",
        )
        .bind(i64::from(response.status))
        .bind(response.location.clone())
        .bind(response.etag.clone())
        .bind(response.body.clone())
        .bind(scope)
        .bind(key.as_str());
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(storage("recording an idempotent answer"))?;
        D::Db::execute(&mut conn, sql)
            .await
            .map_err(storage("recording an idempotent answer"))
    }

    async fn release(&self, scope: &str, key: &IdempotencyKey) -> Result<(), DomainError> {
        let sql = Sql::new("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key.as_str());
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(storage("releasing an idempotency key"))?;
        D::Db::execute(&mut conn, sql)
            .await
            .map_err(storage("releasing an idempotency key"))
    }
}
