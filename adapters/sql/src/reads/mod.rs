//! The read ports, each a query on a read connection.

mod accounts;
mod catalog;
pub(crate) mod lead_batches;
pub(crate) mod leads;

use djcrm_domain::{Limit, PageRequest};

use crate::engine::Sql;

/// Appends the keyset condition and order of a newest-first page over `id_column`,
/// ordered by `order` (an index's columns, descending, ending with `id_column`), and
/// one row more than the page, so the page knows whether another follows.
pub(crate) fn push_page(sql: &mut Sql, id_column: &str, order: &str, page: PageRequest) {
    if let Some(after) = page.after {
        sql.push(" AND ")
            .push(id_column)
            .push(" < ")
            .push_bind(after.last_id());
    }
    sql.push(" ORDER BY ").push(order);
    push_limit(sql, page.limit);
}

/// `LIMIT` one more than `limit`.
pub(crate) fn push_limit(sql: &mut Sql, limit: Limit) {
    sql.push(" LIMIT ").push_bind(i64::from(limit.get()) + 1);
}
