//! Signing up, logging in and out, a forgotten password and an invitation: the
//! pages a signed-out visitor sees.

use std::sync::Arc;

use askama::Template;
use djcrm_application::auth::{LoginRequest, SignupRequest};
use djcrm_application::invitations::AcceptInvitationRequest;
use djcrm_application::passwords::ConfirmPasswordReset;
use djcrm_domain::DomainError;
use djcrm_domain::ports::Store;
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::{count_attempt, local};
use crate::failure::Failure;
use crate::form::{Form, FormData};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{self, maybe_viewer};
use crate::{Ui, csrf};

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    form: Form,
    next: String,
}

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    form: Form,
}

/// The forgot-password, reset and invitation pages: one field set each.
#[derive(Template)]
#[template(path = "auth/token.html")]
struct TokenPage {
    layout: Layout,
    form: Form,
    kind: TokenKind,
}

#[derive(PartialEq, Eq)]
enum TokenKind {
    Forgot,
    Reset,
    Accept,
}

impl TokenKind {
    fn is_forgot(&self) -> bool {
        *self == Self::Forgot
    }

    fn is_accept(&self) -> bool {
        *self == Self::Accept
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Forgot => "Forgot your password?",
            Self::Reset => "Choose a new password",
            Self::Accept => "Join your team",
        }
    }

    fn action(&self) -> &'static str {
        match self {
            Self::Forgot => "/forgot-password",
            Self::Reset => "/reset-password",
            Self::Accept => "/accept-invitation",
        }
    }
}

fn failed(page: &impl Template, status: StatusCode) -> Result<Response, Failure> {
    Ok(render(page)?.with_status(status).into_response())
}

/// `GET /login`.
pub async fn login_form<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    if maybe_viewer(&ui, &request).await?.is_some() {
        return Ok(see_other("/"));
    }
    let query = FormData::query(&request);
    render(&LoginPage {
        layout: Layout::signed_out("Log in", &request),
        next: local(query.get("next")).to_owned(),
        form: Form::new(),
    })
}

/// `POST /login`.
pub async fn login<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let data = FormData::body(&mut request).await?;
    count_attempt(&ui, &request).await?;
    let next = local(data.get("next")).to_owned();
    let attempt = LoginRequest {
        email: data.get("email").trim().to_owned(),
        password: data.get("password").to_owned(),
    };
    let page = |form: Form| LoginPage {
        layout: Layout::signed_out("Log in", &request),
        form,
        next: next.clone(),
    };
    match ui.crm.login(attempt).await {
        Ok(logged_in) => {
            begin(&ui, &request, &logged_in.token, logged_in.expires_at).await?;
            Ok(see_other(&next))
        }
        Err(DomainError::Unauthenticated) => {
            let mut form = Form::with(data);
            form.message =
                Some("That email and password do not match an active account.".to_owned());
            failed(&page(form), StatusCode::UNAUTHORIZED)
        }
        Err(error) => failed(
            &page(Form::with(data).failed(error)?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

/// Starts the session and renews the CSRF token (one seen signed out is not kept).
/// A session this browser already had is revoked: its token must not outlive the
/// cookie that held it.
async fn begin<S: Store>(
    ui: &Ui<S>,
    request: &Request,
    token: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), Failure> {
    match maybe_viewer(ui, request).await {
        Ok(Some(previous)) => {
            if let Err(error) = ui.crm.logout(&previous.actor, &previous.secret).await {
                tracing::warn!(%error, "the previous session of this browser was not revoked");
            }
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, "the previous session of this browser was not read");
        }
    }
    let secure = ui.settings.secure_cookies;
    session::start(request, token, expires_at, secure);
    csrf::renew(request, secure)?;
    Ok(())
}

/// `GET /signup`.
pub async fn signup_form<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    if maybe_viewer(&ui, &request).await?.is_some() {
        return Ok(see_other("/"));
    }
    render(&SignupPage {
        layout: Layout::signed_out("Sign up", &request),
        form: Form::new(),
    })
}

/// `POST /signup`.
pub async fn signup<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let data = FormData::body(&mut request).await?;
    count_attempt(&ui, &request).await?;
    let signup = SignupRequest {
        organization_name: data.get("organization_name").to_owned(),
        email: data.get("email").trim().to_owned(),
        password: data.get("password").to_owned(),
        full_name: data.get("full_name").to_owned(),
    };
    match ui.crm.signup(signup).await {
        Ok(signed_up) => {
            begin(&ui, &request, &signed_up.token, signed_up.expires_at).await?;
            flash(
                &request,
                true,
                "Welcome! Add your agents and categories, then your first leads.",
            );
            Ok(see_other("/"))
        }
        Err(error) => {
            let page = SignupPage {
                layout: Layout::signed_out("Sign up", &request),
                form: Form::with(data).failed(error)?,
            };
            failed(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `POST /logout`: revokes this session's token.
pub async fn logout<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = maybe_viewer(&ui, &request).await;
    // The browser forgets the session whatever happens next: on a shared
    // computer, "log out" must at least do that.
    session::end(&request);
    if let Some(viewer) = viewer? {
        ui.crm.logout(&viewer.actor, &viewer.secret).await?;
    }
    flash(&request, true, "You are logged out.");
    Ok(see_other("/login"))
}

fn token_page(kind: TokenKind, request: &Request, form: Form) -> TokenPage {
    TokenPage {
        layout: Layout::signed_out(kind.title(), request),
        form,
        kind,
    }
}

/// `GET /forgot-password`.
pub async fn forgot_form<S: Store>(_ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    render(&token_page(TokenKind::Forgot, &request, Form::new()))
}

/// `POST /forgot-password`: the same answer whether or not the email has an account.
pub async fn forgot<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let data = FormData::body(&mut request).await?;
    count_attempt(&ui, &request).await?;
    match ui
        .crm
        .request_password_reset(data.get("email").trim())
        .await
    {
        Ok(()) => {
            flash(
                &request,
                true,
                "If that email has an account, a link to choose a new password is on its way.",
            );
            Ok(see_other("/login"))
        }
        Err(error) => {
            let form = Form::with(data).failed(error)?;
            failed(
                &token_page(TokenKind::Forgot, &request, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// The token of the link, carried from the query into the form.
fn with_token(request: &Request) -> Form {
    let query = FormData::query(request);
    Form::with(FormData::parse(
        format!("token={}", crate::form::encode(query.get("token"))).as_bytes(),
    ))
}

/// `GET /reset-password?token=…`, the link of the mail.
pub async fn reset_form<S: Store>(_ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    render(&token_page(
        TokenKind::Reset,
        &request,
        with_token(&request),
    ))
}

/// `POST /reset-password`.
pub async fn reset<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let data = FormData::body(&mut request).await?;
    count_attempt(&ui, &request).await?;
    let confirm = ConfirmPasswordReset {
        token: data.get("token").to_owned(),
        password: data.get("password").to_owned(),
    };
    match ui.crm.confirm_password_reset(confirm).await {
        Ok(()) => {
            flash(&request, true, "Your password is changed. Log in with it.");
            Ok(see_other("/login"))
        }
        Err(DomainError::Unauthenticated) => {
            let form = Form::with(data).error_on(
                "password",
                "This link is no longer valid (used, expired or replaced). Ask for a new one.",
            );
            failed(
                &token_page(TokenKind::Reset, &request, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(error) => {
            let form = Form::with(data).failed(error)?;
            failed(
                &token_page(TokenKind::Reset, &request, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// `GET /accept-invitation?token=…`, the link of the invitation.
pub async fn accept_form<S: Store>(_ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    render(&token_page(
        TokenKind::Accept,
        &request,
        with_token(&request),
    ))
}

/// `POST /accept-invitation`: the new agent chooses a password and is signed in.
pub async fn accept<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let data = FormData::body(&mut request).await?;
    count_attempt(&ui, &request).await?;
    let acceptance = AcceptInvitationRequest {
        token: data.get("token").to_owned(),
        password: data.get("password").to_owned(),
    };
    match ui.crm.accept_invitation(acceptance).await {
        Ok(logged_in) => {
            begin(&ui, &request, &logged_in.token, logged_in.expires_at).await?;
            flash(&request, true, "Welcome to the team!");
            Ok(see_other("/"))
        }
        Err(DomainError::Unauthenticated) => {
            let form = Form::with(data).error_on(
                "password",
                "This invitation is no longer valid (used, expired or revoked). Ask for a new one.",
            );
            failed(
                &token_page(TokenKind::Accept, &request, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(error) => {
            let form = Form::with(data).failed(error)?;
            failed(
                &token_page(TokenKind::Accept, &request, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
