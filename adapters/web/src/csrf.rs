//! Cross-site request forgery: every state-changing request (any method but GET,
//! HEAD, OPTIONS and TRACE) must carry the token of this browser, which lives in an
//! HttpOnly cookie and is written into each form (and a `data-csrf` attribute for
//! script requests). A page of another site can neither read the cookie nor guess
//! the token, so it cannot make a form of ours that passes. Checked once, here:
//! no handler can forget.
//!
//! The cookie is `SameSite=Lax`, not `Strict`: arriving from a link in a mail is a
//! cross-site navigation, which would not send a `Strict` cookie; the guard would
//! then issue a new token and break the forms open in the user's other tabs.
//! `Lax` costs nothing here, since the token, not the cookie, is the proof.
//!
//! Pages carry the token masked: a fresh one-time pad and the token's digest
//! XORed with it, so it differs on every response. Pages are sent compressed, next to text the
//! user chose (a search); an unchanging secret there could be read off the
//! compressed length one guessed character at a time (BREACH).

use std::sync::Arc;

use djcrm_application::tokens::generate_secret;
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

/// The token of `request` (set by [`guard`] before any page runs), masked afresh
/// for this page. Empty if no randomness could be drawn: the page's forms are
/// then refused, never accepted unchecked.
pub fn token(request: &Request) -> String {
    let token = request
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.as_str())
        .unwrap_or_default();
    mask(token).unwrap_or_else(|error| {
        tracing::error!(%error, "no randomness to mask the CSRF token");
        String::new()
    })
}

/// `token` behind a one-time pad: 32 random bytes, then the token's SHA-256 XORed
/// with them, in hex (128 characters, whatever the token's length).
fn mask(token: &str) -> Result<String, getrandom::Error> {
    let mut pad = [0u8; 32];
    getrandom::fill(&mut pad)?;
    let masked: Vec<u8> = Sha256::digest(token)
        .iter()
        .zip(&pad)
        .map(|(t, p)| t ^ p)
        .collect();
    Ok(format!("{}{}", hex(&pad), hex(&masked)))
}

/// The token's digest behind a masked token, if `presented` is one.
fn unmask(presented: &str) -> Option<Vec<u8>> {
    let bytes = from_hex(presented)?;
    let (pad, masked) = bytes.split_at(bytes.len() / 2);
    (pad.len() == 32 && masked.len() == 32)
        .then(|| pad.iter().zip(masked).map(|(p, m)| p ^ m).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// A cookie holding a new token, `secure` over TLS.
fn cookie(value: String, secure: bool) -> Cookie {
    let mut cookie = Cookie::new_with_str(COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
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

/// Whether `presented` (a masked token from a page) is `expected` behind its
/// mask. The digests are hashed once more before comparing, so the time taken
/// says nothing about how much of the digest matched.
fn matches(presented: &str, expected: &str) -> bool {
    let Some(digest) = unmask(presented) else {
        return false;
    };
    !expected.is_empty() && Sha256::digest(digest) == Sha256::digest(Sha256::digest(expected))
}

/// Whether the request is a multipart upload (the import form), whose token is in
/// the form's action URL: reading a file upload to find a field would mean
/// holding the whole file before knowing whether to accept it.
fn multipart(request: &Request) -> bool {
    request
        .content_type()
        .is_some_and(|kind| kind.starts_with("multipart/form-data"))
}

/// The token a request presents: the header (script requests), the query of a
/// multipart upload, or the form field.
async fn presented(request: &mut Request) -> Result<String, Failure> {
    if let Some(header) = request.header(HEADER) {
        return Ok(header.to_owned());
    }
    if multipart(request) {
        let query = request.uri().query().unwrap_or_default();
        return Ok(FormData::parse(query.as_bytes()).get(FIELD).to_owned());
    }
    let Ok(body) = request.take_body().into_bytes_limit(FORM_LIMIT).await else {
        return Err(Failure::TooLarge);
    };
    let presented = FormData::parse(&body).get(FIELD).to_owned();
    request.set_body(body);
    Ok(presented)
}

/// Whether the browser was reached over TLS: its cookies are then `Secure`
/// (read by the cookies set after the guard, such as the flash message).
#[derive(Debug, Clone, Copy)]
pub struct SecureCookies(pub bool);

/// Refuses a state-changing request without this browser's token; gives every
/// page its token. Assets need none and set no cookie (they are cached publicly).
pub async fn guard<E: Endpoint>(
    next: Arc<E>,
    mut request: Request,
    secure: bool,
) -> poem::Result<Response> {
    if crate::assets::is_asset(request.uri().path()) && request.method().is_safe() {
        return next.call(request).await.map(IntoResponse::into_response);
    }
    request.extensions_mut().insert(SecureCookies(secure));
    let existing = request
        .cookie()
        .get(COOKIE)
        .map(|c| c.value_str().to_owned())
        .filter(|v| !v.is_empty());
    if !request.method().is_safe() {
        let Some(expected) = existing.as_deref() else {
            return Ok(Failure::Csrf.into_response());
        };
        let presented = match presented(&mut request).await {
            Ok(presented) => presented,
            Err(failure) => return Ok(failure.into_response()),
        };
        if !matches(&presented, expected) {
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
    use super::{mask, matches, unmask};

    const TOKEN: &str = "djcrm_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_masked_token_matches_its_token() {
        let masked = mask(TOKEN).expect("randomness");
        assert_eq!(masked.len(), 128);
        assert!(matches(&masked, TOKEN));
    }

    #[test]
    fn a_masked_token_matches_no_other_token() {
        let masked = mask(TOKEN).expect("randomness");
        assert!(!matches(&masked, "djcrm_another"));
        assert!(!matches(&masked, ""));
    }

    #[test]
    fn each_page_gets_a_different_mask() {
        let (one, two) = (
            mask(TOKEN).expect("randomness"),
            mask(TOKEN).expect("randomness"),
        );
        assert_ne!(one, two);
    }

    #[test]
    fn the_bare_token_or_a_mangled_one_does_not_match() {
        assert!(!matches(TOKEN, TOKEN));
        assert!(!matches("", TOKEN));
        assert_eq!(unmask("abc"), None);
        assert_eq!(unmask("zz00"), None);
        let masked = mask(TOKEN).expect("randomness");
        let last = if masked.ends_with('0') { "1" } else { "0" };
        let flipped = format!("{}{last}", &masked[..masked.len() - 1]);
        assert!(!matches(&flipped, TOKEN));
    }
}
