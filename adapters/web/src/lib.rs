//! # DJ CRM web UI
//!
//! The pages a sales team uses in the browser, rendered on the server with askama
//! templates over the same use cases as the API ([`djcrm_application::Crm`]): no
//! business rule lives here. Tailwind CSS and the CSP build of Alpine.js are built
//! from `frontend/` with npm and committed to `assets/`, so the binary embeds them
//! and a user with only cargo gets the whole UI.
//!
//! Sessions are the API's tokens, kept in an HttpOnly cookie; every state-changing
//! form carries a CSRF token ([`csrf`]); every page is served under a strict
//! Content-Security-Policy ([`security`]).

mod assets;
mod charts;
mod csrf;
mod failure;
mod form;
mod gzip;
mod layout;
mod pages;
mod security;
mod session;
mod views;

use std::future::Future;
use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::{Quota, RateLimiter, Store};
use poem::middleware::{CatchPanic, CookieJarManager};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, post};

pub use failure::Failure;

/// How logins and signups from one client address are limited (shared with the
/// API's limit on the same address: one budget whichever door is used).
#[derive(Clone)]
pub struct AuthLimit {
    /// Where hits are counted.
    pub limiter: Arc<dyn RateLimiter>,
    /// Attempts per client address.
    pub quota: Quota,
    /// Let attempts through when the limiter cannot answer.
    pub fail_open: bool,
}

/// Settings of the web UI.
#[derive(Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure`: the UI is reached over TLS (`http.public_url` is https).
    pub secure_cookies: bool,
    /// The limit on logins and signups per client address.
    pub auth_limit: AuthLimit,
    /// The largest CSV file an import accepts, in bytes (the API's limit too, so
    /// a file refused by one door is refused by the other).
    pub import_limit: usize,
}

/// What every page handler is given: the use cases and the settings.
pub(crate) struct Ui<S: Store> {
    pub crm: Arc<Crm<S>>,
    pub settings: WebSettings,
}

/// The paths the UI serves (the rest of the server's paths belong to the API).
#[must_use]
pub fn serves(path: &str) -> bool {
    !(path.starts_with("/api/") || matches!(path, "/api" | "/healthz" | "/readyz" | "/metrics"))
}

/// An endpoint running `handler` with the UI, answering its failure as a page.
fn page<S, F, Fut>(ui: &Arc<Ui<S>>, handler: F) -> impl Endpoint<Output = Response> + use<S, F, Fut>
where
    S: Store,
    F: Fn(Arc<Ui<S>>, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response, Failure>> + Send + 'static,
{
    let ui = ui.clone();
    poem::endpoint::make(move |request: Request| {
        let answer = handler(ui.clone(), request);
        async move { answer.await.unwrap_or_else(IntoResponse::into_response) }
    })
}

/// The web UI, to be served at `/` beside the API.
pub fn app<S: Store>(crm: Arc<Crm<S>>, settings: WebSettings) -> impl Endpoint<Output = Response> {
    use pages::{
        agents, auth, board, categories, dashboard, imports, lead, leads, settings as org, webhooks,
    };
    let secure = settings.secure_cookies;
    let ui = Arc::new(Ui { crm, settings });
    Route::new()
        .at("/", get(page(&ui, dashboard::show)))
        .at(
            "/login",
            get(page(&ui, auth::login_form)).post(page(&ui, auth::login)),
        )
        .at(
            "/signup",
            get(page(&ui, auth::signup_form)).post(page(&ui, auth::signup)),
        )
        .at("/logout", post(page(&ui, auth::logout)))
        .at(
            "/forgot-password",
            get(page(&ui, auth::forgot_form)).post(page(&ui, auth::forgot)),
        )
        .at(
            "/reset-password",
            get(page(&ui, auth::reset_form)).post(page(&ui, auth::reset)),
        )
        .at(
            "/accept-invitation",
            get(page(&ui, auth::accept_form)).post(page(&ui, auth::accept)),
        )
        .at(
            "/leads",
            get(page(&ui, leads::list)).post(page(&ui, leads::create)),
        )
        .at("/leads/new", get(page(&ui, leads::new_form)))
        .at("/leads/assign", post(page(&ui, leads::bulk_assign)))
        .at(
            "/leads/:id",
            get(page(&ui, lead::show)).post(page(&ui, lead::edit)),
        )
        .at("/leads/:id/status", post(page(&ui, lead::move_status)))
        .at("/leads/:id/assign", post(page(&ui, lead::assign)))
        .at("/leads/:id/notes", post(page(&ui, lead::note)))
        .at("/leads/:id/delete", post(page(&ui, lead::delete)))
        .at("/board", get(page(&ui, board::show)))
        .at("/board/move", post(page(&ui, board::move_card)))
        .at(
            "/agents",
            get(page(&ui, agents::list)).post(page(&ui, agents::add)),
        )
        .at("/agents/invite", post(page(&ui, agents::invite)))
        .at(
            "/agents/invitations/:id/resend",
            post(page(&ui, agents::resend_invitation)),
        )
        .at(
            "/agents/invitations/:id/revoke",
            post(page(&ui, agents::revoke_invitation)),
        )
        .at("/agents/:id", get(page(&ui, agents::show)))
        .at("/agents/:id/active", post(page(&ui, agents::set_active)))
        .at(
            "/categories",
            get(page(&ui, categories::list)).post(page(&ui, categories::add)),
        )
        .at(
            "/categories/:id/rename",
            post(page(&ui, categories::rename)),
        )
        .at(
            "/categories/:id/delete",
            post(page(&ui, categories::delete)),
        )
        .at(
            "/settings",
            get(page(&ui, org::show)).post(page(&ui, org::rename)),
        )
        .at(
            "/settings/sessions/:id/revoke",
            post(page(&ui, org::revoke)),
        )
        .at(
            "/webhooks",
            get(page(&ui, webhooks::list)).post(page(&ui, webhooks::create)),
        )
        .at(
            "/webhooks/:id",
            get(page(&ui, webhooks::show)).post(page(&ui, webhooks::update)),
        )
        .at("/webhooks/:id/delete", post(page(&ui, webhooks::delete)))
        .at(
            "/webhooks/:id/deliveries/:delivery/replay",
            post(page(&ui, webhooks::replay)),
        )
        .at(
            "/imports",
            get(page(&ui, imports::list)).post(page(&ui, imports::upload)),
        )
        .at("/imports/:id", get(page(&ui, imports::show)))
        .at("/imports/:id/report", get(page(&ui, imports::report)))
        .at("/imports/:id/revert", post(page(&ui, imports::revert)))
        .at(
            "/assets/:name",
            get(poem::endpoint::make_sync(assets::serve)),
        )
        .catch_error(|_: poem::error::NotFoundError| async { Failure::NotFound.into_response() })
        .catch_error(|_: poem::error::MethodNotAllowedError| async {
            Failure::MethodNotAllowed.into_response()
        })
        .with(CatchPanic::new().with_handler(|_| {
            tracing::error!("a page handler panicked");
            Failure::Internal("a page handler panicked".into()).into_response()
        }))
        .around(move |next, request| csrf::guard(next, request, secure))
        .with(CookieJarManager::new())
        .around(gzip::pages)
        .around(security::headers)
}
