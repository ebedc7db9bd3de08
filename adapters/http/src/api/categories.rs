//! Categories.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::Store;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params, page_parts};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{CategoryBody, CategoryNameBody, CategoryPage};
use crate::problem::{AUTHENTICATED, BY_ID, CONFLICT, FORBIDDEN, IDEMPOTENT, JSON_BODY, QUERY};

/// Category creation result.
#[derive(ApiResponse)]
pub enum CreateCategoryResponse {
    /// The category was created.
    #[oai(status = 201)]
    Created(Json<CategoryBody>, #[oai(header = "Location")] String),
}

/// Category deletion result.
#[derive(ApiResponse)]
pub enum DeleteCategoryResponse {
    /// Deleted; its leads are now uncategorised.
    #[oai(status = 204)]
    Deleted,
}

/// Category endpoints.
pub struct CategoriesApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Categories")]
impl<S: Store> CategoriesApi<S> {
    /// The organization's categories, newest first (everyone).
    #[oai(path = "/categories", method = "get", operation_id = "listCategories")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<CategoryPage>, { AUTHENTICATED | QUERY }> {
        let page = self
            .crm
            .categories(&auth.0.actor, &page_params(limit.0, cursor.0))
            .await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(CategoryPage { items, next_cursor }))
    }

    /// Create a category (organizers).
    #[oai(path = "/categories", method = "post", operation_id = "createCategory")]
    async fn create(
        &self,
        auth: BearerAuth,
        /// Makes a retry safe: the same key and body within 24 hours answer the first
        /// answer again without creating again; the same key with another body is a 422.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = "^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CategoryNameBody>,
    ) -> ApiResult<
        CreateCategoryResponse,
        { AUTHENTICATED | FORBIDDEN | JSON_BODY | CONFLICT | IDEMPOTENT },
    > {
        let category = self
            .crm
            .create_category(&auth.0.actor, &body.0.name)
            .await?;
        let location = format!("/api/v1/categories/{}", category.id);
        Ok(CreateCategoryResponse::Created(
            Json(category.into()),
            location,
        ))
    }

    /// One category (everyone).
    #[oai(path = "/categories/:id", method = "get", operation_id = "getCategory")]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<CategoryBody>, { AUTHENTICATED | BY_ID }> {
        Ok(Json(
            self.crm.category(&auth.0.actor, id.0.into()).await?.into(),
        ))
    }

    /// Rename a category (organizers).
    #[oai(
        path = "/categories/:id",
        method = "patch",
        operation_id = "renameCategory"
    )]
    async fn rename(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<CategoryNameBody>,
    ) -> ApiResult<Json<CategoryBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | JSON_BODY | CONFLICT }>
    {
        Ok(Json(
            self.crm
                .rename_category(&auth.0.actor, id.0.into(), &body.0.name)
                .await?
                .into(),
        ))
    }

    /// Delete a category; its leads become uncategorised (organizers).
    #[oai(
        path = "/categories/:id",
        method = "delete",
        operation_id = "deleteCategory"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<DeleteCategoryResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        self.crm.delete_category(&auth.0.actor, id.0.into()).await?;
        Ok(DeleteCategoryResponse::Deleted)
    }
}
