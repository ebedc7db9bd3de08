//! `/imports`: organizers upload a CSV file of leads, follow its import (run by a
//! background job), download the report of refused rows and revert it.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::imports::{ImportRequest, parse_mapping};
use djcrm_domain::ports::Store;
use futures_util::TryStreamExt as _;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, FromRequest, Request, RequestBody};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, ApiResponse, Multipart, OpenApi};
use tokio::io::{AsyncRead, AsyncWriteExt};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params, page_parts};
use crate::auth::BearerAuth;
use crate::dto::{DuplicatesDto, ImportBody, ImportPage};
use crate::problem::{
    AUTHENTICATED, BAD_REQUEST, BY_ID, CONFLICT, FORBIDDEN, PAYLOAD_TOO_LARGE, QUERY,
    UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE,
};
use crate::problem::{ApiError, ProblemDetails};

/// A file of leads, as a form.
#[derive(Multipart, Debug)]
pub struct ImportForm {
    /// The CSV file (UTF-8, a header row first).
    file: Upload,
}

/// A CSV file sent as the request body, `text/csv` with any parameters (such as
/// `charset=utf-8`), streamed.
#[derive(Debug)]
pub struct CsvFile(Body);

impl Payload for CsvFile {
    const CONTENT_TYPE: &'static str = "text/csv";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/csv"))
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }
}

impl ParsePayload for CsvFile {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(Body::from_request(request, body).await?))
    }
}

/// A CSV file of leads.
#[derive(ApiRequest, Debug)]
pub enum ImportUpload {
    /// The file itself.
    Csv(CsvFile),
    /// The file in a form field named `file`.
    Form(ImportForm),
}

/// Upload result.
#[derive(ApiResponse)]
pub enum UploadResponse {
    /// The file is stored; a worker reads it. Follow it at `Location`.
    #[oai(status = 202)]
    Accepted(Json<ImportBody>, #[oai(header = "Location")] String),
}

/// The report of refused rows.
#[derive(ApiResponse)]
pub enum ReportResponse {
    /// One CSV row per problem: `line` (of the file; the header is line 1),
    /// `column` (as the file names it; empty for the whole row) and `reason`.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

/// The largest file an import accepts, in bytes, as request data.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit(pub u64);

/// The import endpoints.
pub struct ImportsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::from_problem(ProblemDetails::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the file exceeds {limit} bytes"),
    ))
}

fn spool_failed(error: &std::io::Error) -> ApiError {
    tracing::error!(%error, "an upload could not be spooled to a temporary file");
    ApiError::from_problem(ProblemDetails::internal())
}

/// Copies `body` to a temporary file, at most `limit` bytes: the client's pace
/// then never holds a transaction open.
async fn spool(body: Body, limit: u64) -> Result<(tokio::fs::File, u64), ApiError> {
    let file = tempfile::tempfile().map_err(|e| spool_failed(&e))?;
    let mut file = tokio::fs::File::from_std(file);
    let mut reader = tokio::io::AsyncReadExt::take(body.into_async_read(), limit + 1);
    let size = tokio::io::copy(&mut reader, &mut file)
        .await
        .map_err(|e| spool_failed(&e))?;
    if size > limit {
        return Err(too_large(limit));
    }
    file.flush().await.map_err(|e| spool_failed(&e))?;
    tokio::io::AsyncSeekExt::rewind(&mut file)
        .await
        .map_err(|e| spool_failed(&e))?;
    Ok((file, size))
}

#[OpenApi(tag = "ApiTags::Leads")]
impl<S: Store> ImportsApi<S> {
    /// Upload a CSV file of leads to import (organizers).
    ///
    /// The header row names the columns: `first_name` and `last_name` are needed,
    /// `email`, `phone`, `description`, `status`, `category` (by name, created when
    /// missing) and `agent_email` are read when present; common spellings (`First
    /// name`, `Surname`, `E-mail`...) and an export's own header are understood, and
    /// `map` names the rest. The file is checked and stored at once (422 when its
    /// header cannot be used, 413 past the size limit), then read by a background
    /// job: follow it with `GET /imports/{id}`.
    #[oai(path = "/imports", method = "post", operation_id = "uploadImport")]
    async fn upload(
        &self,
        auth: BearerAuth,
        /// What to do with rows whose email a lead already has (default `skip`).
        duplicates: Query<Option<DuplicatesDto>>,
        /// Header names mapped to columns, `HEADER=COLUMN` (e.g. `Given name=first_name`;
        /// `ignore` leaves a column alone); repeat for several.
        #[oai(validator(max_items = 50))]
        map: Query<Vec<String>>,
        /// The file's name, for a `text/csv` upload (a form sends its own).
        #[oai(validator(max_length = 255))]
        file_name: Query<Option<String>>,
        body: ImportUpload,
        max_bytes: Data<&ImportLimit>,
    ) -> ApiResult<
        UploadResponse,
        {
            AUTHENTICATED
                | BAD_REQUEST
                | FORBIDDEN
                | QUERY
                | UNPROCESSABLE
                | PAYLOAD_TOO_LARGE
                | UNSUPPORTED_MEDIA_TYPE
        },
    > {
        let mapping = parse_mapping(map.0.iter().map(String::as_str))
            .map_err(|e| ApiError::invalid_field("map", &e.to_string()))?;
        let limit = max_bytes.0.0;
        let (name, size, source): (_, _, Box<dyn AsyncRead + Unpin + Send>) = match body {
            ImportUpload::Csv(CsvFile(body)) => {
                let (file, size) = spool(body, limit).await?;
                (file_name.0, size, Box::new(file))
            }
            ImportUpload::Form(form) => {
                let size = u64::try_from(form.file.size()).unwrap_or(u64::MAX);
                if size > limit {
                    return Err(too_large(limit).into());
                }
                let name = form.file.file_name().map(str::to_owned).or(file_name.0);
                (name, size, Box::new(form.file.into_async_read()))
            }
        };
        let request = ImportRequest {
            file_name: name.unwrap_or_default(),
            duplicates: duplicates.0.unwrap_or_default().into(),
            mapping,
        };
        let import = self
            .crm
            .upload_import(&auth.0.actor, request, size, source)
            .await?;
        let location = format!("/api/v1/imports/{}", import.id);
        Ok(UploadResponse::Accepted(Json(import.into()), location))
    }

    /// The organization's imports, newest first (organizers).
    #[oai(path = "/imports", method = "get", operation_id = "listImports")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ImportPage>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let page = self
            .crm
            .imports(&auth.0.actor, &page_params(limit.0, cursor.0))
            .await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(ImportPage { items, next_cursor }))
    }

    /// One import and its progress: rows read, created, updated, skipped and
    /// rejected so far (organizers).
    #[oai(path = "/imports/:id", method = "get", operation_id = "getImport")]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ImportBody>, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        let import = self.crm.import(&auth.0.actor, id.0.into()).await?;
        Ok(Json(import.into()))
    }

    /// The rows an import refused and why, as CSV (organizers).
    #[oai(
        path = "/imports/:id/report",
        method = "get",
        operation_id = "getImportReport"
    )]
    async fn report(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<ReportResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        let actor = auth.0.actor;
        let id = id.0.into();
        let stream = self
            .crm
            .clone()
            .import_report(actor, id)
            .await?
            .map_err(std::io::Error::other);
        Ok(ReportResponse::Csv(
            Binary(Body::from_bytes_stream(stream)),
            "attachment; filename=\"import-report.csv\"".to_owned(),
        ))
    }

    /// Delete every lead the import created and mark it reverted; leads it updated
    /// stay as they are, and a running import stops (organizers).
    #[oai(
        path = "/imports/:id/revert",
        method = "post",
        operation_id = "revertImport"
    )]
    async fn revert(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ImportBody>, { AUTHENTICATED | FORBIDDEN | BY_ID | CONFLICT }> {
        let actor = auth.0.actor;
        let (import, _) = self
            .crm
            .revert_import(Some(&actor), actor.org_id, id.0.into())
            .await?;
        Ok(Json(import.into()))
    }
}
