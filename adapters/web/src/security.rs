//! Response headers of every page: a Content-Security-Policy that allows our own
//! scripts and styles only (no inline script, no `eval`: Alpine runs its CSP
//! build), no framing, no sniffing, and no caching of private pages.

use std::sync::Arc;

use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The policy of every page. Inline SVG is markup, not a style or a script, so the
/// charts need nothing more.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Adds the headers to whatever `next` answers.
pub async fn headers<E: Endpoint>(next: Arc<E>, request: Request) -> poem::Result<Response> {
    let asset = crate::assets::is_asset(request.uri().path());
    let mut response = next.call(request).await?.into_response();
    let headers = response.headers_mut();
    let set = |headers: &mut poem::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if !asset {
        // Pages hold the organization's data: never kept by a shared cache, and
        // not shown from the back-forward cache after logging out.
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    Ok(response)
}
