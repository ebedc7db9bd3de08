//! Invitations of agents, and password resets: the flows that go through a mail.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::invitations::{AcceptInvitationRequest, InviteRequest};
use djcrm_application::passwords::ConfirmPasswordReset;
use djcrm_domain::ports::Store;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{
    AcceptInvitationBody, ConfirmPasswordResetBody, InvitationBody, InvitationPage, InviteBody,
    LoginResponseBody, PasswordResetBody,
};
use crate::problem::{
    AUTHENTICATED, BY_ID, CONFLICT, FORBIDDEN, JSON_BODY, QUERY, STORED, UNAUTHORIZED,
};

/// Invitation result.
#[derive(ApiResponse)]
pub enum InviteResponse {
    /// The invitation is stored; its mail is on its way.
    #[oai(status = 201)]
    Created(Json<InvitationBody>, #[oai(header = "Location")] String),
}

/// Acceptance result.
#[derive(ApiResponse)]
pub enum AcceptResponse {
    /// The agent was created and is logged in.
    #[oai(status = 201)]
    Created(Json<LoginResponseBody>, #[oai(header = "Location")] String),
}

/// Password reset request result.
#[derive(ApiResponse)]
pub enum ResetRequestedResponse {
    /// If an active account has this email, a reset mail is on its way. The answer
    /// is the same either way.
    #[oai(status = 202)]
    Accepted,
}

/// Password reset result.
#[derive(ApiResponse)]
pub enum ResetResponse {
    /// The password is set; every token of the account was revoked.
    #[oai(status = 204)]
    Reset,
}

/// Invitation and password reset endpoints.
pub struct InvitationsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Agents")]
impl<S: Store> InvitationsApi<S> {
    /// Invite someone by mail to join as an agent (organizers).
    ///
    /// The mail carries a single-use token that expires (7 days); the invitee
    /// accepts it with `POST /auth/accept-invitation`. 409 when the email has an
    /// account or a pending invitation.
    #[oai(
        path = "/agents/invitations",
        method = "post",
        operation_id = "inviteAgent"
    )]
    async fn invite(
        &self,
        auth: BearerAuth,
        body: JsonBody<InviteBody>,
    ) -> ApiResult<InviteResponse, { AUTHENTICATED | FORBIDDEN | JSON_BODY | CONFLICT }> {
        let body = body.0;
        let request = InviteRequest {
            email: body.email,
            full_name: body.full_name,
        };
        let invitation = self.crm.invite(&auth.0.actor, request).await?;
        let location = format!("/api/v1/agents/invitations/{}", invitation.id);
        Ok(InviteResponse::Created(
            Json(InvitationBody::at(invitation, self.crm.now())),
            location,
        ))
    }

    /// The open invitations, pending or expired, newest first (organizers).
    #[oai(
        path = "/agents/invitations",
        method = "get",
        operation_id = "listInvitations"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<InvitationPage>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let page = self
            .crm
            .invitations(&auth.0.actor, &page_params(limit.0, cursor.0))
            .await?;
        let now = self.crm.now();
        Ok(Json(InvitationPage {
            next_cursor: page.next_cursor.map(|c| c.to_string()),
            items: page
                .items
                .into_iter()
                .map(|i| InvitationBody::at(i, now))
                .collect(),
        }))
    }

    /// One invitation (organizers).
    #[oai(
        path = "/agents/invitations/:id",
        method = "get",
        operation_id = "getInvitation"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<InvitationBody>, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        let invitation = self.crm.invitation(&auth.0.actor, id.0.into()).await?;
        Ok(Json(InvitationBody::at(invitation, self.crm.now())))
    }

    /// Mail an open invitation again (organizers).
    ///
    /// It gets a new token (the old one stops working) and a new expiry. 409 when
    /// it was accepted or revoked.
    #[oai(
        path = "/agents/invitations/:id/resend",
        method = "post",
        operation_id = "resendInvitation"
    )]
    async fn resend(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<InvitationBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | CONFLICT }> {
        let invitation = self
            .crm
            .resend_invitation(&auth.0.actor, id.0.into())
            .await?;
        Ok(Json(InvitationBody::at(invitation, self.crm.now())))
    }

    /// Withdraw an invitation (organizers): its token stops working, and it stays
    /// listed as revoked. 409 when it was accepted.
    #[oai(
        path = "/agents/invitations/:id/revoke",
        method = "post",
        operation_id = "revokeInvitation"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<InvitationBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | CONFLICT }> {
        let invitation = self
            .crm
            .revoke_invitation(&auth.0.actor, id.0.into())
            .await?;
        Ok(Json(InvitationBody::at(invitation, self.crm.now())))
    }

    /// Accept an invitation: become an agent with the chosen password, logged in.
    ///
    /// The token works once; an unknown, used, revoked or expired token is a 401.
    #[oai(
        path = "/auth/accept-invitation",
        method = "post",
        operation_id = "acceptInvitation",
        tag = "ApiTags::Auth"
    )]
    async fn accept(
        &self,
        body: JsonBody<AcceptInvitationBody>,
    ) -> ApiResult<AcceptResponse, { JSON_BODY | UNAUTHORIZED | CONFLICT | STORED }> {
        let body = body.0;
        let logged_in = self
            .crm
            .accept_invitation(AcceptInvitationRequest {
                token: body.token,
                password: body.password,
            })
            .await?;
        Ok(AcceptResponse::Created(
            Json(LoginResponseBody {
                token: logged_in.token,
                expires_at: logged_in.expires_at,
                user: logged_in.user.into(),
            }),
            "/api/v1/me".to_owned(),
        ))
    }

    /// Ask for a password reset mail.
    ///
    /// Always 202, whether or not an account has this email, so accounts cannot be
    /// discovered here. Limited per email and per client address (429).
    #[oai(
        path = "/auth/password-reset",
        method = "post",
        operation_id = "requestPasswordReset",
        tag = "ApiTags::Auth"
    )]
    async fn request_reset(
        &self,
        body: JsonBody<PasswordResetBody>,
    ) -> ApiResult<ResetRequestedResponse, { JSON_BODY | STORED }> {
        self.crm.request_password_reset(&body.0.email).await?;
        Ok(ResetRequestedResponse::Accepted)
    }

    /// Set a new password with the token from the reset mail.
    ///
    /// The token works once; an unknown, used or expired token is a 401. Every
    /// token of the account is revoked: log in again.
    #[oai(
        path = "/auth/password-reset/confirm",
        method = "post",
        operation_id = "confirmPasswordReset",
        tag = "ApiTags::Auth"
    )]
    async fn confirm_reset(
        &self,
        body: JsonBody<ConfirmPasswordResetBody>,
    ) -> ApiResult<ResetResponse, { JSON_BODY | UNAUTHORIZED | STORED }> {
        let body = body.0;
        self.crm
            .confirm_password_reset(ConfirmPasswordReset {
                token: body.token,
                password: body.password,
            })
            .await?;
        Ok(ResetResponse::Reset)
    }
}
