//! What a page answers when it cannot do what was asked: an HTML error page with
//! the right status, or a redirect to the login page. Mapped once, here.

use askama::Template;
use djcrm_domain::DomainError;
use poem::http::StatusCode;
use poem::web::Redirect;
use poem::{IntoResponse, Response};

use crate::layout::Layout;

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// No valid session: log in, then come back to `next`.
    #[error("sign in required")]
    SignIn {
        /// The page to return to.
        next: String,
    },
    /// No such page, or a record the caller may not see.
    #[error("not found")]
    NotFound,
    /// The caller's role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A form without the CSRF token of this browser.
    #[error("the form's security token is missing or stale")]
    Csrf,
    /// A form larger than any the UI sends.
    #[error("the form is too large")]
    TooLarge,
    /// Input that no form of the UI would send (a tampered or hand-made request).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too many attempts.
    #[error("too many attempts; retry in {retry_after} s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after: u32,
    },
    /// The server is busy (password hashing queue, rate limiter down).
    #[error("busy; retry in {retry_after} s")]
    Busy {
        /// Seconds until a retry may succeed.
        retry_after: u32,
    },
    /// Something broke on our side; logged with its cause.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Failure {
    /// A failure from a page template that would not render.
    pub fn render(error: askama::Error) -> Self {
        Self::Internal(Box::new(error))
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn explanation(&self) -> (&'static str, String) {
        match self {
            Self::SignIn { .. } => ("Sign in", "Please sign in.".to_owned()),
            Self::NotFound => (
                "Not found",
                "There is nothing here, or it is not yours to see.".to_owned(),
            ),
            Self::Forbidden(why) => ("Not allowed", format!("You cannot do this: {why}.")),
            Self::MethodNotAllowed => ("Not allowed", "This page does not take that request.".to_owned()),
            Self::Csrf => (
                "Form expired",
                "This form's security token is missing or stale. Go back, reload the page and try again.".to_owned(),
            ),
            Self::TooLarge => ("Too large", "The form sent more than any form here holds.".to_owned()),
            Self::BadRequest(why) => ("Bad request", format!("The request could not be understood: {why}.")),
            Self::RateLimited { retry_after } => (
                "Too many attempts",
                format!("Too many attempts from here. Try again in {retry_after} seconds."),
            ),
            Self::Busy { retry_after } => (
                "Busy",
                format!("The server is busy. Try again in {retry_after} seconds."),
            ),
            Self::Internal(_) => (
                "Something went wrong",
                "Something went wrong on our side; nothing was half-saved. Try again in a moment.".to_owned(),
            ),
        }
    }
}

impl From<DomainError> for Failure {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Unauthenticated => Self::SignIn {
                next: "/".to_owned(),
            },
            DomainError::NotFound { .. } => Self::NotFound,
            DomainError::Forbidden(why) => Self::Forbidden(why.to_owned()),
            DomainError::RateLimited {
                retry_after_seconds,
            } => Self::RateLimited {
                retry_after: retry_after_seconds,
            },
            DomainError::Busy {
                retry_after_seconds,
                ..
            } => Self::Busy {
                retry_after: retry_after_seconds,
            },
            error @ (DomainError::Validation(_)
            | DomainError::Conflict { .. }
            | DomainError::InvalidTransition { .. }
            | DomainError::PreconditionFailed { .. }) => Self::BadRequest(error.to_string()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if let Self::SignIn { next } = &self {
            let target = if next == "/" {
                "/login".to_owned()
            } else {
                format!("/login?next={}", crate::form::encode(next))
            };
            return Redirect::see_other(target).into_response();
        }
        if let Self::Internal(cause) = &self {
            tracing::error!(error = %cause, "a page failed");
        }
        let status = self.status();
        let (heading, message) = self.explanation();
        let page = ErrorPage {
            layout: Layout::bare(heading),
            heading,
            message,
        };
        let mut response = match page.render() {
            Ok(html) => poem::web::Html(html).with_status(status).into_response(),
            Err(_) => heading.with_status(status).into_response(),
        };
        if let Self::RateLimited { retry_after } | Self::Busy { retry_after } = self {
            response
                .headers_mut()
                .insert(poem::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}
