//! What really differs between the databases; everything else is written once.

use std::future::Future;

use djcrm_domain::{OrgId, Position, SearchQuery};
use sqlx::Pool;

use crate::engine::{Placeholders, Sql, SqlDatabase};

/// A condition on `leads` that matches the search text: SQL around one bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPredicate {
    /// The text before the bound value (starting with ` AND `).
    pub before: &'static str,
    /// The bound value (a pattern or a needle).
    pub value: String,
    /// The text after it.
    pub after: &'static str,
}

impl SearchPredicate {
    /// Appends the condition to `sql`.
    pub fn push_to(self, sql: &mut Sql) {
        sql.push(self.before).push_bind(self.value).push(self.after);
    }
}

/// One SQL database's particulars.
pub trait Dialect: Send + Sync + 'static {
    /// The sqlx database.
    type Db: SqlDatabase;

    /// What opens a write transaction: one simple query, which may take the
    /// transaction's first locks too (one round trip for both).
    const BEGIN_WRITE: &'static str;
    /// Whether several inserts can go in one statement (a data-modifying `WITH`),
    /// saving a round trip each.
    const JOINED_INSERTS: bool;
    /// When set, a unit of work whose held rows (new leads, history, events) fit in
    /// one statement and that sent nothing else sends that statement alone, as its
    /// own transaction (no `BEGIN`, no `COMMIT`), running this query first in its
    /// `WITH` to take what [`BEGIN_WRITE`](Self::BEGIN_WRITE) takes. Needs
    /// [`JOINED_INSERTS`](Self::JOINED_INSERTS).
    const LONE_WRITE_LOCKS: Option<&'static str>;
    /// Bound values per multi-row statement: large ones save round trips (and, on
    /// SQLite, the per-statement work of virtual tables such as the search index).
    const BINDS_PER_STATEMENT: usize;
    /// Keys per lookup of many rows by key (`IN (...)`).
    const KEYS_PER_LOOKUP: usize;
    /// How multi-row statements write their placeholders. SQLite looks a numbered
    /// parameter's name up in a list as long as the statement's
    /// (`sqlite3_bind_parameter_name`, once per value when sqlx binds), so numbered
    /// values cost the square of their count; anonymous ones are bound in one pass.
    const BULK_PLACEHOLDERS: Placeholders;
    /// What follows a `SELECT` that locks the rows it reads against changes until the
    /// transaction ends.
    const LOCK_ROWS: &'static str;
    /// What follows a `SELECT` that keeps the rows it reads from changing until the
    /// transaction ends, without blocking other readers that do the same.
    const SHARE_ROWS: &'static str;
    /// What opens the read transaction of a listing that must walk its index in
    /// order rather than sort. Without fresh statistics a planner can think a tenant
    /// has a handful of rows and sort all of them for one page.
    const BEGIN_PINNED_LIST: &'static str;
    /// What turns a query into its plan.
    const EXPLAIN: &'static str;
    /// The column of a plan row that holds the plan's text.
    const EXPLAIN_COLUMN: &'static str;
    /// The statement that refreshes the planner's statistics.
    const ANALYZE: &'static str;
    /// The query of the database's size in bytes, as column `n`.
    const SIZE: &'static str;
    /// What goes before and after a timestamp column to get its UTC day as
    /// `YYYY-MM-DD` text.
    const UTC_DAY: (&'static str, &'static str);

    /// The condition that matches `query` (lower-cased search text) among the leads
    /// of `org`. It may look at the organization first (how many leads it has) to
    /// pick the cheaper way.
    fn search_predicate(
        conn: &mut <Self::Db as sqlx::Database>::Connection,
        org: OrgId,
        query: &SearchQuery,
    ) -> impl Future<Output = Result<SearchPredicate, sqlx::Error>> + Send;

    /// The highest outbox position a reader may return now: every transaction that
    /// could still commit a lower one has ended. `None` when positions always become
    /// visible in order (one writer at a time).
    fn outbox_horizon(
        pool: &Pool<Self::Db>,
    ) -> impl Future<Output = Result<Option<Position>, sqlx::Error>> + Send;
}
