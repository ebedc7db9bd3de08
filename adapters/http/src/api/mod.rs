//! The operations of `/api/v1`, one `#[OpenApi]` struct per area.

pub mod agents;
pub mod auth;
pub mod categories;
pub mod events;
pub mod export;
pub mod health;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod leads;
pub mod organization;
pub mod stats;
pub mod webhooks;

use djcrm_application::PageParams;
use djcrm_domain::Page;
use poem_openapi::Tags;

use crate::problem::Problems;

/// What every operation returns: its documented success, or a problem from the
/// set `SET` of statuses it documents (see [`crate::problem`]).
pub type ApiResult<T, const SET: u16> = Result<T, Problems<SET>>;

/// The areas of the API, as OpenAPI tags.
#[derive(Tags)]
pub enum ApiTags {
    /// Signup, login, logout and the caller.
    Auth,
    /// The caller's organization.
    Organization,
    /// Agents of the organization.
    Agents,
    /// Lead categories.
    Categories,
    /// Leads, their pipeline and history.
    Leads,
    /// Pipeline and agent statistics.
    Stats,
    /// The organization's change feed.
    Events,
    /// Background jobs (mails, deliveries) that failed.
    Jobs,
    /// Webhooks: the organization's events pushed to its endpoints.
    Webhooks,
    /// Liveness and readiness.
    Health,
}

/// Paging query parameters, for the application.
pub fn page_params(limit: Option<i64>, cursor: Option<String>) -> PageParams {
    PageParams { limit, cursor }
}

/// `(items, next_cursor)` of a domain page, with items converted.
pub fn page_parts<T, U: From<T>>(page: Page<T>) -> (Vec<U>, Option<String>) {
    let next = page.next_cursor.map(|c| c.to_string());
    (page.items.into_iter().map(U::from).collect(), next)
}
