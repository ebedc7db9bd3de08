//! The SQLite dialect.

use djcrm_adapter_sql::{Dialect, Placeholders, SearchPredicate, Sql, SqlDatabase};
use djcrm_domain::{OrgId, Position, SearchQuery};
use sqlx::{Pool, Sqlite, SqliteConnection};

/// Organizations with at most this many leads are searched by scanning their rows
/// (bounded work, whatever other tenants hold); larger ones through the trigram
/// index, whose cost grows with the matches of every tenant.
const SCAN_AT_MOST: i64 = 5_000;

/// SQLite: one writer at a time, so positions become visible in order.
#[derive(Debug, Clone, Copy)]
pub struct SqliteDialect;

/// `text` with GLOB's special characters made literal.
fn glob_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[') {
            escaped.push('[');
            escaped.push(c);
            escaped.push(']');
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// Whether the trigram index can serve a search for `needle`: it needs three
/// literal characters in a row, and bracketed GLOB classes are not literal.
fn trigram_serves(needle: &str) -> bool {
    needle.chars().count() >= 3 && !needle.contains(['*', '?', '['])
}

impl Dialect for SqliteDialect {
    type Db = Sqlite;

    // Takes the write lock up front, so a writer never fails halfway through a
    // transaction. Writers of this process queue on the store's writer pool; other
    // processes' (djcrm-admin) wait on the busy timeout.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // No data-modifying WITH; the statements cost no round trip in process anyway.
    const JOINED_INSERTS: bool = false;
    const LONE_WRITE_LOCKS: Option<&'static str> = None;
    const BINDS_PER_STATEMENT: usize = 32_766;
    // Measured re-importing 200,000 leads (each row a duplicate): with 2,000 emails
    // in one IN list SQLite stepped through the email index rather than seek each
    // one, 33,000 rows/s; 255 a statement, 88,000.
    const KEYS_PER_LOOKUP: usize = 255;
    // Measured importing 1,000,000 leads with numbered placeholders: 8,500 values a
    // statement spent 82% of the time in sqlite3_bind_parameter_name (3,350 rows/s),
    // 256 values 11% (15,900 rows/s).
    const BULK_PLACEHOLDERS: Placeholders = Placeholders::Anonymous;
    // The write lock already serialises every writer: nothing to lock.
    const LOCK_ROWS: &'static str = "";
    const SHARE_ROWS: &'static str = "";
    // SQLite's planner already walks the (organization_id, id) index for these.
    const BEGIN_PINNED_LIST: &'static str = "BEGIN";
    const EXPLAIN: &'static str = "EXPLAIN QUERY PLAN ";
    const EXPLAIN_COLUMN: &'static str = "detail";
    const ANALYZE: &'static str = "ANALYZE";
    const SIZE: &'static str =
        "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()";
    // Times are stored as RFC 3339 text in UTC: the day is the first ten characters.
    const UTC_DAY: (&'static str, &'static str) = ("substr(", ", 1, 10)");

    async fn search_predicate(
        conn: &mut SqliteConnection,
        org: OrgId,
        query: &SearchQuery,
    ) -> Result<SearchPredicate, sqlx::Error> {
        let needle = query.as_str().to_lowercase();
        let small = || {
            Sql::new(
                "SELECT COUNT(*) AS count FROM \
                 (SELECT 1 FROM leads WHERE organization_id = $1 AND deleted_at IS NULL LIMIT $2)",
            )
            .bind(org)
            .bind(SCAN_AT_MOST + 1)
        };
        let use_index = trigram_serves(&needle) && {
            let row = Sqlite::fetch_optional(conn, small()).await?;
            let count = row.map(|row| djcrm_adapter_sql::ReadRow::int(&row, "count"));
            count.transpose()?.unwrap_or(0) > SCAN_AT_MOST
        };
        Ok(if use_index {
            SearchPredicate {
                before: " AND rowid IN (SELECT rowid FROM leads_search WHERE search_text GLOB ",
                value: format!("*{}*", glob_literal(&needle)),
                after: ")",
            }
        } else {
            // instr() needs no escaping at all.
            SearchPredicate {
                before: " AND instr(search_text, ",
                value: needle,
                after: ") > 0",
            }
        })
    }

    async fn outbox_horizon(_pool: &Pool<Sqlite>) -> Result<Option<Position>, sqlx::Error> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_specials_are_bracketed() {
        assert_eq!(glob_literal("a*b?c[d"), "a[*]b[?]c[[]d");
    }

    #[test]
    fn only_literal_needles_use_the_index() {
        assert!(trigram_serves("example.com"));
        assert!(!trigram_serves("ab"));
        assert!(!trigram_serves("***"));
    }
}
