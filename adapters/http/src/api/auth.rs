//! Signup, login, logout, me.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::auth::LoginRequest;
use djcrm_domain::ports::Store;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{LoginBody, LoginResponseBody, MeBody, SignupBody, SignupResponseBody};
use crate::problem::{AUTHENTICATED, CONFLICT, IDEMPOTENT, JSON_BODY, STORED, UNAUTHORIZED};

/// Signup result.
#[derive(ApiResponse)]
pub enum SignupResponse {
    /// The organization and its owner were created; the owner is logged in.
    #[oai(status = 201)]
    Created(Json<SignupResponseBody>, #[oai(header = "Location")] String),
}

/// Logout result.
#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// The token no longer works.
    #[oai(status = 204)]
    LoggedOut,
}

/// Authentication endpoints.
pub struct AuthApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl<S: Store> AuthApi<S> {
    /// Create an organization and its owner; returns the owner's token.
    #[oai(path = "/auth/signup", method = "post", operation_id = "signup")]
    async fn signup(
        &self,
        /// Makes a retry safe: the same key and body from the same client address
        /// within 24 hours answer the first answer again (with the same token) without
        /// signing up again; the same key with another body is a 422.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = "^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<SignupBody>,
    ) -> ApiResult<SignupResponse, { JSON_BODY | CONFLICT | IDEMPOTENT | STORED }> {
        let signed_up = self.crm.signup(body.0.into()).await?;
        Ok(SignupResponse::Created(
            Json(SignupResponseBody {
                token: signed_up.token,
                expires_at: signed_up.expires_at,
                user: signed_up.user.into(),
                organization: signed_up.organization.into(),
            }),
            "/api/v1/me".to_owned(),
        ))
    }

    /// Exchange email and password for a new token.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        body: JsonBody<LoginBody>,
    ) -> ApiResult<Json<LoginResponseBody>, { JSON_BODY | UNAUTHORIZED | STORED }> {
        let body = body.0;
        let logged_in = self
            .crm
            .login(LoginRequest {
                email: body.email,
                password: body.password,
            })
            .await?;
        Ok(Json(LoginResponseBody {
            token: logged_in.token,
            expires_at: logged_in.expires_at,
            user: logged_in.user.into(),
        }))
    }

    /// Revoke the token used for this request.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> ApiResult<LogoutResponse, { AUTHENTICATED }> {
        self.crm.logout(&auth.0.actor, &auth.0.token).await?;
        Ok(LogoutResponse::LoggedOut)
    }

    /// The caller, their role and organization.
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<MeBody>, { AUTHENTICATED }> {
        let me = self.crm.me(&auth.0.actor).await?;
        Ok(Json(MeBody {
            role: me.user.role.into(),
            user: me.user.into(),
            organization: me.organization.into(),
            agent_id: me.agent_id.map(|a| a.as_uuid()),
        }))
    }
}
