//! Response headers that keep browsers from misusing what we send: no content-type
//! sniffing, no referrer leaks, no framing, no caching of tokens, and a content
//! security policy (strict for the API, what the docs page needs for itself).

use poem::Response;
use poem::http::{HeaderName, HeaderValue, header};

/// The API serves JSON only: nothing in it may load or run anything.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The docs page runs its own inline script and styles, from our origin only.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn set(response: &mut Response, name: HeaderName, value: &'static str) {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
}

/// Adds the security headers for a response to a request for `path`.
pub fn secure(response: &mut Response, path: &str) {
    set(response, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(response, header::REFERRER_POLICY, "no-referrer");
    set(response, header::X_FRAME_OPTIONS, "DENY");
    let docs = path == "/api/docs" || path.starts_with("/api/docs/");
    set(
        response,
        header::CONTENT_SECURITY_POLICY,
        if docs { DOCS_POLICY } else { API_POLICY },
    );
    // Signup and login answer with a token: no cache may keep it.
    if path.starts_with("/api/v1/auth/") {
        set(response, header::CACHE_CONTROL, "no-store");
        set(response, header::PRAGMA, "no-cache");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(path: &str) -> Response {
        let mut response = Response::default();
        secure(&mut response, path);
        response
    }

    #[test]
    fn every_response_refuses_sniffing_and_framing() {
        let response = headers("/api/v1/leads");
        assert_eq!(
            response.header(header::X_CONTENT_TYPE_OPTIONS),
            Some("nosniff")
        );
        assert_eq!(
            response.header(header::CONTENT_SECURITY_POLICY),
            Some(API_POLICY)
        );
        assert_eq!(response.header(header::CACHE_CONTROL), None);
    }

    #[test]
    fn token_responses_are_not_stored() {
        let response = headers("/api/v1/auth/login");
        assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
    }

    #[test]
    fn the_docs_page_may_not_be_framed() {
        let policy = headers("/api/docs")
            .header(header::CONTENT_SECURITY_POLICY)
            .map(str::to_owned)
            .unwrap_or_default();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
}
