//! Every category and agent of an organization, read a page at a time: what an
//! export names leads' categories and agents by, and what an import finds them by.

use djcrm_domain::ports::{AgentRepository, CategoryRepository, Store};
use djcrm_domain::{Agent, Category, DomainError, Limit, OrgId, PageRequest};

/// Records per page read.
const PAGE: i64 = 100;

fn limit() -> Result<Limit, DomainError> {
    Limit::new(PAGE).map_err(|e| DomainError::invalid("limit", e.to_string()))
}

/// Every category of `org`.
///
/// # Errors
/// [`DomainError`] when the store fails.
pub async fn categories<S: Store>(store: &S, org: OrgId) -> Result<Vec<Category>, DomainError> {
    let limit = limit()?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .categories()
            .list(org, PageRequest { limit, after })
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

/// Every agent of `org`, active or not.
///
/// # Errors
/// [`DomainError`] when the store fails.
pub async fn agents<S: Store>(store: &S, org: OrgId) -> Result<Vec<Agent>, DomainError> {
    let limit = limit()?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .agents()
            .list(org, PageRequest { limit, after })
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}
