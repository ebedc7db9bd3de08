//! Bearer-token authentication as a poem-openapi security scheme: the token is
//! resolved once, and every operation receives the resulting [`Actor`].

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::Store;
use djcrm_domain::{Actor, DomainError};
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::problem::ApiError;

/// Resolves a bearer token secret to the caller. Object safe, so the security
/// scheme (which cannot be generic) can reach the store-generic [`Crm`].
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync {
    /// Who holds `secret`.
    async fn authenticate(&self, secret: &str) -> Result<Actor, DomainError>;
}

#[async_trait::async_trait]
impl<S: Store> Authenticator for Crm<S> {
    async fn authenticate(&self, secret: &str) -> Result<Actor, DomainError> {
        Crm::authenticate(self, secret).await
    }
}

/// The authenticated caller, and the token they used (for logout).
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who is calling.
    pub actor: Actor,
    /// The secret they presented.
    pub token: String,
}

/// `Authorization: Bearer <token>`, with a token from signup or login.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "opaque", checker = "check_bearer")]
pub struct BearerAuth(pub Principal);

/// The bearer token of `request`, if it has one; the scheme name is matched in any
/// case (RFC 9110), as the security scheme does. For the middleware that key by token
/// before the operation runs (idempotency, rate limits).
pub(crate) fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(poem::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn check_bearer(request: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let authenticator = request
        .data::<Arc<dyn Authenticator>>()
        .ok_or_else(|| ApiError::from(DomainError::internal("finding the authenticator", None)))?;
    let actor = authenticator
        .authenticate(&bearer.token)
        .await
        .map_err(ApiError::from)?;
    Ok(Principal {
        actor,
        token: bearer.token,
    })
}
