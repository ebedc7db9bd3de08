//! The pages, one module per area; each handler reads the request, calls use
//! cases and renders a template or redirects.

pub mod agents;
pub mod auth;
pub mod board;
pub mod categories;
pub mod dashboard;
pub mod imports;
pub mod lead;
pub mod leads;
pub mod settings;
pub mod webhooks;

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

/// A local path to go to after logging in: never another site. Browsers drop
/// tabs and line breaks inside URLs and read `\\` as `/`, so a path holding any of
/// them could turn into `//elsewhere` on the way: refused, like `//` itself.
pub fn local(next: &str) -> &str {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if safe { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local;

    #[test]
    fn a_local_path_with_its_query_is_kept() {
        assert_eq!(
            local("/leads?status=new&q=a%20b"),
            "/leads?status=new&q=a%20b"
        );
    }

    #[test]
    fn another_site_is_refused() {
        for next in ["https://evil.test/", "//evil.test", "evil.test", ""] {
            assert_eq!(local(next), "/", "{next:?}");
        }
    }

    #[test]
    fn backslashes_and_control_characters_are_refused() {
        for next in [
            "/\\evil.test",
            "/\\/evil.test",
            "/\t/evil.test",
            "/\n/evil.test",
            "/ /evil.test",
            "/leads\\x",
        ] {
            assert_eq!(local(next), "/", "{next:?}");
        }
    }
}
