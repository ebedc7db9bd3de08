//! The pages, one module per area; each handler reads the request, calls use
//! cases and renders a template or redirects.

pub mod agents;
pub mod auth;
pub mod board;
pub mod categories;
pub mod dashboard;
pub mod lead;
pub mod leads;
pub mod settings;

use std::str::FromStr;

use djcrm_application::limits::whole_seconds;
use djcrm_domain::ports::Store;
use poem::Request;

use crate::Ui;
use crate::failure::Failure;

/// The `:id` of the path, parsed; one that does not parse names nothing.
pub fn path_id<T: FromStr>(request: &Request) -> Result<T, Failure> {
    request
        .raw_path_param("id")
        .and_then(|id| id.parse().ok())
        .ok_or(Failure::NotFound)
}

/// The client's address: the peer's IP (a proxy's forwarded headers are not
/// trusted), the same key the API counts attempts under.
fn client_address(request: &Request) -> String {
    request
        .remote_addr()
        .as_socket_addr()
        .map_or_else(|| request.remote_addr().to_string(), |a| a.ip().to_string())
}

/// Counts a login, signup, reset or acceptance against the client address's limit.
pub async fn count_attempt<S: Store>(ui: &Ui<S>, request: &Request) -> Result<(), Failure> {
    let limit = &ui.settings.auth_limit;
    let key = format!("auth:address:{}", client_address(request));
    match limit.limiter.hit(&key, limit.quota).await {
        Ok(standing) if standing.allowed => Ok(()),
        Ok(standing) => Err(Failure::RateLimited {
            retry_after: whole_seconds(standing.retry_after),
        }),
        Err(error) if limit.fail_open => {
            tracing::warn!(%error, "the rate limiter is unavailable; letting the attempt through");
            Ok(())
        }
        Err(error) => {
            tracing::warn!(%error, "the rate limiter is unavailable; refusing the attempt");
            Err(Failure::Busy { retry_after: 5 })
        }
    }
}

/// A local path to go to after logging in: never another site.
pub fn local(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}
