//! What every page shares: the title, the navigation, the CSRF token for its
//! forms, the asset links and a message left by the previous request.

use askama::Template;
use poem::web::Html;
use poem::web::cookie::{Cookie, SameSite};
use poem::{IntoResponse, Request, Response};

use crate::assets;
use crate::failure::Failure;
use crate::form::encode;

const FLASH_COOKIE: &str = "djcrm_flash";

/// The layout of a page (`base.html`).
pub struct Layout {
    /// The page's title.
    pub title: String,
    /// This browser's CSRF token.
    pub csrf: String,
    /// The navigation, for a signed-in user.
    pub nav: Option<Nav>,
    /// A message from the previous request.
    pub flash: Option<Flash>,
}

impl Layout {
    /// A layout without navigation (signed out, or an error page).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            csrf: String::new(),
            nav: None,
            flash: None,
        }
    }

    /// A signed-out page's layout, with the CSRF token for its form.
    pub fn signed_out(title: impl Into<String>, request: &Request) -> Self {
        Self {
            csrf: crate::csrf::token(request),
            flash: take_flash(request),
            ..Self::bare(title)
        }
    }

    /// The stylesheet's fingerprinted path.
    pub fn css(&self) -> &'static str {
        assets::path("app.css")
    }

    /// The script's fingerprinted path.
    pub fn js(&self) -> &'static str {
        assets::path("app.js")
    }

    /// The theme script's fingerprinted path (runs before the page paints).
    pub fn theme_js(&self) -> &'static str {
        assets::path("theme.js")
    }
}

/// The navigation of a signed-in user.
pub struct Nav {
    /// The user's name.
    pub user_name: String,
    /// Their organization's name.
    pub organization: String,
    /// Whether the organizer's pages are shown.
    pub organizer: bool,
    /// The section lit in the navigation.
    pub active: &'static str,
}

/// A message shown once, on the page a form redirected to.
#[derive(Debug, Clone)]
pub struct Flash {
    /// Whether it reports a success (or a refusal).
    pub ok: bool,
    /// The message.
    pub message: String,
}

/// The longest message a flash carries (a cookie is capped near 4 KB, and a
/// message is one or two sentences; a longer one is cut at a character).
const FLASH_LIMIT: usize = 600;

/// Leaves `message` for the next page of this browser.
pub fn flash(request: &Request, ok: bool, message: &str) {
    let cut = message
        .char_indices()
        .map(|(at, c)| at + c.len_utf8())
        .take_while(|end| *end <= FLASH_LIMIT)
        .last()
        .unwrap_or(0);
    let value = format!("{}{}", if ok { '+' } else { '-' }, encode(&message[..cut]));
    let mut cookie = Cookie::new_with_str(FLASH_COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    let secure = request
        .extensions()
        .get::<crate::csrf::SecureCookies>()
        .is_some_and(|s| s.0);
    cookie.set_secure(secure);
    request.cookie().add(cookie);
}

/// The message left for this page, removed so it shows once.
pub fn take_flash(request: &Request) -> Option<Flash> {
    let cookie = request.cookie().get(FLASH_COOKIE)?;
    request.cookie().add(expired(FLASH_COOKIE));
    let value = cookie.value_str();
    let (ok, rest) = match value.split_at_checked(1)? {
        ("+", rest) => (true, rest),
        (_, rest) => (false, rest),
    };
    let message: String = form_urlencoded::parse(format!("m={rest}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    Some(Flash { ok, message })
}

/// A cookie that makes the browser forget `name` (same path as when set: a
/// removal on another path would leave it in place).
pub fn expired(name: &'static str) -> Cookie {
    let mut cookie = Cookie::new_with_str(name, "");
    cookie.set_path("/");
    cookie.set_max_age(std::time::Duration::ZERO);
    cookie
}

/// `page` as an HTML response.
pub fn render<T: Template>(page: &T) -> Result<Response, Failure> {
    let html = page.render().map_err(Failure::render)?;
    Ok(Html(html).into_response())
}

/// A redirect after a form: the browser loads `to` with GET (Post/Redirect/Get).
pub fn see_other(to: &str) -> Response {
    poem::web::Redirect::see_other(to).into_response()
}
