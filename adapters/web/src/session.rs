//! Who is using the browser: the session cookie holds a token issued at login or
//! signup (the same kind the API's clients hold), so a session is revoked, listed
//! and expired exactly like a token, on every instance at once.

use chrono::{DateTime, Utc};
use djcrm_application::auth::Me;
use djcrm_domain::ports::Store;
use djcrm_domain::{Actor, DomainError};
use poem::Request;
use poem::web::cookie::{Cookie, SameSite};

use crate::Ui;
use crate::csrf;
use crate::failure::Failure;
use crate::layout::{Flash, Layout, Nav};

const COOKIE: &str = "djcrm_session";

/// The signed-in user of a request.
pub struct Viewer {
    /// Who they are to the use cases.
    pub actor: Actor,
    /// Their account and organization.
    pub me: Me,
    /// The token in the cookie (to log out, and to tell this session in the list).
    pub secret: String,
    /// This browser's CSRF token, for the page's forms.
    pub csrf: String,
    /// A message left by the previous request (after a redirect).
    pub flash: Option<Flash>,
}

impl Viewer {
    /// Whether the viewer manages the organization.
    pub fn organizer(&self) -> bool {
        self.actor.is_organizer()
    }

    /// The page layout for this viewer, titled `title`, with `active` lit in the
    /// navigation.
    pub fn layout(&self, title: impl Into<String>, active: &'static str) -> Layout {
        Layout {
            title: title.into(),
            csrf: self.csrf.clone(),
            nav: Some(Nav {
                user_name: self.me.user.full_name.as_str().to_owned(),
                organization: self.me.organization.name.as_str().to_owned(),
                organizer: self.organizer(),
                active,
            }),
            flash: self.flash.clone(),
        }
    }

    /// Refuses an agent: the page is the organizer's.
    pub fn require_organizer(&self) -> Result<(), Failure> {
        if self.organizer() {
            Ok(())
        } else {
            Err(Failure::Forbidden("this page is for organizers".to_owned()))
        }
    }
}

/// The page that was asked for, to come back to after logging in. A form's
/// target is not a page (it answers only its own POST): the dashboard instead.
fn wanted(request: &Request) -> String {
    if request.method() != poem::http::Method::GET {
        return "/".to_owned();
    }
    request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// The signed-in user, or `None` without a valid session (a stale cookie is
/// dropped).
pub async fn maybe_viewer<S: Store>(
    ui: &Ui<S>,
    request: &Request,
) -> Result<Option<Viewer>, Failure> {
    let Some(secret) = request
        .cookie()
        .get(COOKIE)
        .map(|c| c.value_str().to_owned())
    else {
        return Ok(None);
    };
    let actor = match ui.crm.authenticate(&secret).await {
        Ok(actor) => actor,
        Err(DomainError::Unauthenticated) => {
            end(request);
            return Ok(None);
        }
        Err(error) => return Err(error.into()),
    };
    let me = match ui.crm.me(&actor).await {
        Ok(me) => me,
        Err(DomainError::NotFound { .. } | DomainError::Unauthenticated) => {
            end(request);
            return Ok(None);
        }
        Err(error) => return Err(error.into()),
    };
    Ok(Some(Viewer {
        actor,
        me,
        secret,
        csrf: csrf::token(request),
        flash: crate::layout::take_flash(request),
    }))
}

/// The signed-in user, or a redirect to the login page that comes back here.
pub async fn viewer<S: Store>(ui: &Ui<S>, request: &Request) -> Result<Viewer, Failure> {
    maybe_viewer(ui, request)
        .await?
        .ok_or_else(|| Failure::SignIn {
            next: wanted(request),
        })
}

/// Starts a session with token `secret`, until `expires_at`.
pub fn start(request: &Request, secret: &str, expires_at: DateTime<Utc>, secure: bool) {
    let mut cookie = Cookie::new_with_str(COOKIE, secret);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(secure);
    let left = (expires_at - Utc::now()).num_seconds().max(0);
    cookie.set_max_age(std::time::Duration::from_secs(left.unsigned_abs()));
    request.cookie().add(cookie);
}

/// Ends the browser's session (the token itself is revoked by the use case).
pub fn end(request: &Request) {
    request.cookie().add(crate::layout::expired(COOKIE));
}
