//! The caller's organization.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::organization::UpdateOrganizationRequest;
use djcrm_domain::ports::Store;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::{ApiResult, ApiTags};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{OrganizationBody, UpdateOrganizationBody};
use crate::problem::{AUTHENTICATED, FORBIDDEN, JSON_BODY};

/// Organization endpoints.
pub struct OrganizationApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Organization")]
impl<S: Store> OrganizationApi<S> {
    /// The caller's organization (organizers).
    #[oai(
        path = "/organization",
        method = "get",
        operation_id = "getOrganization"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
    ) -> ApiResult<Json<OrganizationBody>, { AUTHENTICATED | FORBIDDEN }> {
        Ok(Json(self.crm.organization(&auth.0.actor).await?.into()))
    }

    /// Change the organization's settings (organizers).
    #[oai(
        path = "/organization",
        method = "patch",
        operation_id = "updateOrganization"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        body: JsonBody<UpdateOrganizationBody>,
    ) -> ApiResult<Json<OrganizationBody>, { AUTHENTICATED | FORBIDDEN | JSON_BODY }> {
        let request = UpdateOrganizationRequest { name: body.0.name };
        Ok(Json(
            self.crm
                .update_organization(&auth.0.actor, request)
                .await?
                .into(),
        ))
    }
}
