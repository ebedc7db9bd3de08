//! Cross-site request forgery: every POST must carry the token of this browser,
//! which lives in an HttpOnly `SameSite=Strict` cookie and is written into each
//! form (and a `data-csrf` attribute for script requests). A page of another site
//! can neither read the cookie nor guess the token, so it cannot make a form of
//! ours that passes. Checked once, here, for every POST: no handler can forget.

use std::sync::Arc;

use djcrm_application::tokens::generate_secret;
use poem::http::Method;
use poem::web::cookie::{Cookie, SameSite};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

use crate::failure::Failure;
use crate::form::{FORM_LIMIT, FormData};

const COOKIE: &str = "djcrm_csrf";
const HEADER: &str = "x-csrf-token";
/// The form field holding the token.
pub const FIELD: &str = "csrf";

/// This browser's token, for the page to write into its forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The token of `request` (set by [`guard`] before any page runs).
pub fn token(request: &Request) -> String {
    request
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

/// A cookie holding a new token, `secure` over TLS.
fn cookie(value: String, secure: bool) -> Cookie {
    let mut cookie = Cookie::new_with_str(COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie
}

/// Gives `request` a fresh token (at login: a token seen before signing in is not
/// kept after it).
pub fn renew(request: &Request, secure: bool) -> Result<String, Failure> {
    let token = generate_secret()?;
    request.cookie().add(cookie(token.clone(), secure));
    Ok(token)
}

/// Compares digests, so the time taken says nothing about how much matched.
fn same(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && Sha256::digest(presented) == Sha256::digest(expected)
}

/// Refuses a POST without this browser's token; gives every request its token.
pub async fn guard<E: Endpoint>(
    next: Arc<E>,
    mut request: Request,
    secure: bool,
) -> poem::Result<Response> {
    let existing = request
        .cookie()
        .get(COOKIE)
        .map(|c| c.value_str().to_owned())
        .filter(|v| !v.is_empty());
    if request.method() == Method::POST {
        let Some(expected) = existing.as_deref() else {
            return Ok(Failure::Csrf.into_response());
        };
        let presented = match request.header(HEADER) {
            Some(header) => header.to_owned(),
            None => {
                let Ok(body) = request.take_body().into_bytes_limit(FORM_LIMIT).await else {
                    return Ok(Failure::TooLarge.into_response());
                };
                let presented = FormData::parse(&body).get(FIELD).to_owned();
                request.set_body(body);
                presented
            }
        };
        if !same(&presented, expected) {
            return Ok(Failure::Csrf.into_response());
        }
    }
    let token = match existing {
        Some(token) => token,
        None => match generate_secret() {
            Ok(token) => {
                request.cookie().add(cookie(token.clone(), secure));
                token
            }
            Err(error) => return Ok(Failure::from(error).into_response()),
        },
    };
    request.extensions_mut().insert(CsrfToken(token));
    next.call(request).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn only_the_same_token_passes() {
        assert!(same("djcrm_abc", "djcrm_abc"));
        assert!(!same("djcrm_abd", "djcrm_abc"));
        assert!(!same("", "djcrm_abc"));
    }

    #[test]
    fn no_token_is_never_a_match() {
        assert!(!same("", ""));
    }
}
