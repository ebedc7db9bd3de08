//! The PostgreSQL dialect.

use djcrm_adapter_sql::{Dialect, Placeholders, ReadRow, SearchPredicate, like_literal};
use djcrm_domain::{OrgId, Position, SearchQuery};
use sqlx::{PgConnection, Pool, Postgres};

/// The fence's key, as a literal for the `BEGIN` statement too.
macro_rules! outbox_fence {
    () => {
        6_960_631_032_001
    };
}

/// The advisory lock that fences outbox readers from writers still in flight.
/// Writers hold it shared for their whole transaction; a reader takes it
/// exclusively for an instant to learn a position below which nothing can commit
/// any more (see `docs/outbox.md`).
pub const OUTBOX_FENCE: i64 = outbox_fence!();

/// PostgreSQL: concurrent writers, so positions can commit out of order and readers
/// read only up to the fence's horizon.
#[derive(Debug, Clone, Copy)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    type Db = Postgres;

    // The fence is the first lock every writer takes, held until it ends. In the
    // same simple query as BEGIN: a round trip less per write (measured in
    // docs/decisions.md), and a failure there fails the BEGIN, rolling it back.
    const BEGIN_WRITE: &'static str = concat!(
        "BEGIN; SELECT pg_advisory_xact_lock_shared(",
        outbox_fence!(),
        ")"
    );
    const JOINED_INSERTS: bool = true;
    // The fence again, as the first thing a lone write statement does: its inserts
    // select their rows only once it is held.
    const LONE_WRITE_LOCKS: Option<&'static str> = Some(concat!(
        "SELECT pg_advisory_xact_lock_shared(",
        outbox_fence!(),
        ")"
    ));
    // Large statements save round trips. While Nagle's algorithm was on (sqlx
    // 0.9.0; see nagle.rs), each also waited on the server's delayed ACK: 1,024
    // values a statement imported 1,240 rows/s, 8,192 gave 5,000, 32,768 gave
    // 9,400, and with Nagle off 19,200. PostgreSQL allows 65,535.
    const BINDS_PER_STATEMENT: usize = 32_768;
    const KEYS_PER_LOOKUP: usize = Self::BINDS_PER_STATEMENT - 1;
    const BULK_PLACEHOLDERS: Placeholders = Placeholders::Numbered;
    const LOCK_ROWS: &'static str = " FOR UPDATE";
    const SHARE_ROWS: &'static str = " FOR SHARE";
    // Measured on 200,000 leads with no ANALYZE since they were inserted: the first
    // page took 89 ms (bitmap scan and sort of the whole tenant); pinned, 0.5 ms.
    // One simple query: a SET LOCAL cannot fail halfway in any way that matters, and
    // it saves a round trip on every listing.
    const BEGIN_PINNED_LIST: &'static str = "BEGIN; SET LOCAL enable_sort = off";
    const EXPLAIN: &'static str = "EXPLAIN ";
    const EXPLAIN_COLUMN: &'static str = "QUERY PLAN";
    const ANALYZE: &'static str = "ANALYZE";
    const SIZE: &'static str = "SELECT pg_database_size(current_database()) AS n";
    const UTC_DAY: (&'static str, &'static str) =
        ("to_char(", " AT TIME ZONE 'UTC', 'YYYY-MM-DD')");

    async fn search_predicate(
        _conn: &mut PgConnection,
        _org: OrgId,
        query: &SearchQuery,
    ) -> Result<SearchPredicate, sqlx::Error> {
        // LIKE with the user's wildcards escaped, served by the trigram index that
        // leads with the organization.
        Ok(SearchPredicate {
            before: " AND search_text LIKE ",
            value: format!("%{}%", like_literal(&query.as_str().to_lowercase())),
            after: " ESCAPE '\\'",
        })
    }

    async fn outbox_horizon(pool: &Pool<Postgres>) -> Result<Option<Position>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(OUTBOX_FENCE)
            .execute(&mut *tx)
            .await?;
        // Every writer that could hold a lower position has ended: the highest
        // committed position is a safe horizon.
        let row = sqlx::query("SELECT COALESCE(MAX(position), 0) AS horizon FROM outbox")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(Position::new(row.int("horizon")?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_writes_take_the_fence_too() {
        let key = OUTBOX_FENCE.to_string();
        assert_eq!(
            PostgresDialect::LONE_WRITE_LOCKS,
            Some(format!("SELECT pg_advisory_xact_lock_shared({key})").as_str())
        );
    }

    #[test]
    fn writers_enter_through_the_fence() {
        let key = OUTBOX_FENCE.to_string();
        assert!(
            PostgresDialect::BEGIN_WRITE
                .ends_with(&format!("; SELECT pg_advisory_xact_lock_shared({key})"))
        );
    }
}
