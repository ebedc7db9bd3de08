//! Leads, their pipeline and their history.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_application::leads::ListLeadsRequest;
use djcrm_domain::Lead;
use djcrm_domain::ports::Store;
use poem::Request;
use poem::http::header;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, page_params, page_parts};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::dto::{
    ActivityBody, ActivityPage, AssignBody, CreateLeadBody, LeadBody, LeadPage, LeadStatusDto,
    NoteBody, StatusChangeBody, UpdateLeadBody,
};
use crate::problem::{
    AUTHENTICATED, BY_ID, CONFLICT, FORBIDDEN, IDEMPOTENT, JSON_BODY, PRECONDITION_FAILED, QUERY,
};

/// The strong entity tag of a lead version.
#[must_use]
pub fn etag(lead: &Lead) -> String {
    format!("\"{}\"", lead.version())
}

/// No lead is ever at this version (they start at 1): what an `If-Match` that
/// names no version of ours asks for, so the change fails its precondition (412)
/// after its input is validated (422 first), like any stale tag.
const NO_VERSION: i64 = 0;

/// The version the request's `If-Match` asks for, read from the raw header: a
/// value that is not even text names no version (412), it is never ignored.
fn expected_version_of(request: &Request) -> Option<i64> {
    let raw = request.headers().get(header::IF_MATCH)?;
    expected_version(Some(&String::from_utf8_lossy(raw.as_bytes())))
}

/// The version an `If-Match` header asks for: `None` for absent or `*`.
fn expected_version(if_match: Option<&str>) -> Option<i64> {
    let raw = if_match.map(str::trim)?;
    if raw == "*" {
        return None;
    }
    // The first tag is the one that counts; weak tags never match strongly.
    let version = raw
        .split(',')
        .next()
        .map(str::trim)
        .and_then(|tag| tag.strip_prefix('"'))
        .and_then(|tag| tag.strip_suffix('"'))
        .and_then(|tag| tag.parse::<i64>().ok())
        .unwrap_or(NO_VERSION);
    Some(version)
}

/// A lead with its entity tag.
#[derive(ApiResponse)]
pub enum LeadResponse {
    /// The lead.
    #[oai(status = 200)]
    Ok(Json<LeadBody>, #[oai(header = "ETag")] String),
}

impl From<Lead> for LeadResponse {
    fn from(lead: Lead) -> Self {
        let tag = etag(&lead);
        Self::Ok(Json(lead.into()), tag)
    }
}

/// One lead, or word that the client's copy is current.
// Built once per request and moved straight into the response: boxing the body
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(ApiResponse)]
pub enum GetLeadResponse {
    /// The lead.
    #[oai(status = 200)]
    Ok(Json<LeadBody>, #[oai(header = "ETag")] String),
    /// The lead is unchanged since the `ETag` in `If-None-Match`.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

/// Whether `If-None-Match: held` names `tag` (weak comparison, as RFC 9110 asks).
fn none_match_holds(held: &str, tag: &str) -> bool {
    held.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

/// Lead creation result.
#[derive(ApiResponse)]
pub enum CreateLeadResponse {
    /// The lead was created in status `new`.
    #[oai(status = 201)]
    Created(
        Json<LeadBody>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// Lead deletion result.
#[derive(ApiResponse)]
pub enum DeleteLeadResponse {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

/// Note creation result.
#[derive(ApiResponse)]
pub enum CreateNoteResponse {
    /// The note was added to the history.
    #[oai(status = 201)]
    Created(Json<ActivityBody>, #[oai(header = "Location")] String),
}

/// Lead endpoints.
pub struct LeadsApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

#[OpenApi(tag = "ApiTags::Leads")]
impl<S: Store> LeadsApi<S> {
    /// Leads the caller may see, newest first. Agents see only their own.
    ///
    /// Filters combine: `status`, `category_id`, `agent_id` and `q` (a search of
    /// names and email). Pages follow `next_cursor`; a lead added while you
    /// page never makes another appear twice or go missing.
    #[oai(path = "/leads", method = "get", operation_id = "listLeads")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this status.
        status: Query<Option<LeadStatusDto>>,
        /// Only this category.
        category_id: Query<Option<Uuid>>,
        /// Only this agent's leads.
        agent_id: Query<Option<Uuid>>,
        /// Search first name, last name and email (case-insensitive substring).
        #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"))]
        q: Query<Option<String>>,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<LeadPage>, { AUTHENTICATED | FORBIDDEN | QUERY }> {
        let request = ListLeadsRequest {
            status: status.0.map(Into::into),
            category_id: category_id.0.map(Into::into),
            agent_id: agent_id.0.map(Into::into),
            q: q.0,
            page: page_params(limit.0, cursor.0),
        };
        let page = self.crm.leads(&auth.0.actor, request).await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(LeadPage { items, next_cursor }))
    }

    /// Create a lead (status `new`). An agent's lead is assigned to them.
    ///
    /// `category_id` and `agent_id` must name a category and an active agent of the
    /// organization (422 naming the field otherwise).
    #[oai(path = "/leads", method = "post", operation_id = "createLead")]
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
        body: JsonBody<CreateLeadBody>,
    ) -> ApiResult<
        CreateLeadResponse,
        { AUTHENTICATED | FORBIDDEN | JSON_BODY | CONFLICT | IDEMPOTENT },
    > {
        let lead = self.crm.create_lead(&auth.0.actor, body.0.into()).await?;
        let location = format!("/api/v1/leads/{}", lead.id);
        let tag = etag(&lead);
        Ok(CreateLeadResponse::Created(
            Json(lead.into()),
            location,
            tag,
        ))
    }

    /// One lead, with its `ETag`.
    ///
    /// With `If-None-Match` naming the current `ETag` (or `*`), the answer is 304
    /// with no body: the copy the client holds is current.
    #[oai(path = "/leads/:id", method = "get", operation_id = "getLead")]
    async fn get(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// `ETag`s the client holds (or `*`).
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ApiResult<GetLeadResponse, { AUTHENTICATED | BY_ID }> {
        let lead = self.crm.lead(&auth.0.actor, id.0.into()).await?;
        let tag = etag(&lead);
        if if_none_match
            .0
            .as_deref()
            .is_some_and(|held| none_match_holds(held, &tag))
        {
            return Ok(GetLeadResponse::NotModified(tag));
        }
        Ok(GetLeadResponse::Ok(Json(lead.into()), tag))
    }

    /// Edit a lead's details.
    ///
    /// Omit a field to keep it, send null to clear an optional one (names cannot be
    /// cleared). With `If-Match`, the edit applies only if the lead is still at that
    /// version (412 otherwise: fetch it again). A category must be one of the
    /// organization's (422 naming `category_id` otherwise).
    #[oai(path = "/leads/:id", method = "patch", operation_id = "updateLead")]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// The `ETag` the change is based on; a stale one gives 412.
        #[oai(name = "If-Match")]
        _if_match: Header<Option<String>>,
        request: &Request,
        body: JsonBody<UpdateLeadBody>,
    ) -> ApiResult<
        LeadResponse,
        { AUTHENTICATED | BY_ID | JSON_BODY | CONFLICT | PRECONDITION_FAILED },
    > {
        let expected = expected_version_of(request);
        let request = body.0.into_request()?;
        Ok(self
            .crm
            .update_lead(&auth.0.actor, id.0.into(), request, expected)
            .await?
            .into())
    }

    /// Delete a lead; it leaves lists and stats, its history is kept (organizers).
    #[oai(path = "/leads/:id", method = "delete", operation_id = "deleteLead")]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<DeleteLeadResponse, { AUTHENTICATED | FORBIDDEN | BY_ID }> {
        self.crm.delete_lead(&auth.0.actor, id.0.into()).await?;
        Ok(DeleteLeadResponse::Deleted)
    }

    /// Assign the lead to an agent, or unassign it with null (organizers).
    #[oai(
        path = "/leads/:id/assign",
        method = "post",
        operation_id = "assignLead"
    )]
    async fn assign(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// The `ETag` the change is based on; a stale one gives 412.
        #[oai(name = "If-Match")]
        _if_match: Header<Option<String>>,
        request: &Request,
        body: JsonBody<AssignBody>,
    ) -> ApiResult<
        LeadResponse,
        { AUTHENTICATED | FORBIDDEN | BY_ID | JSON_BODY | PRECONDITION_FAILED },
    > {
        let expected = expected_version_of(request);
        let agent = body.0.agent_id.map(Into::into);
        Ok(self
            .crm
            .assign_lead(&auth.0.actor, id.0.into(), agent, expected)
            .await?
            .into())
    }

    /// Move the lead in the pipeline (organizers, or the assigned agent).
    ///
    /// The legal moves: `new → contacted → qualified → converted`; `new`,
    /// `contacted` or `qualified → lost`; and `lost → contacted` to reopen. Any
    /// other move is a 422 naming `status`. The first move to `contacted` sets
    /// `first_contacted_at`. The optional note is kept in the history.
    #[oai(
        path = "/leads/:id/status",
        method = "post",
        operation_id = "changeLeadStatus"
    )]
    async fn status(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// The `ETag` the change is based on; a stale one gives 412.
        #[oai(name = "If-Match")]
        _if_match: Header<Option<String>>,
        request: &Request,
        body: JsonBody<StatusChangeBody>,
    ) -> ApiResult<LeadResponse, { AUTHENTICATED | BY_ID | JSON_BODY | PRECONDITION_FAILED }> {
        let expected = expected_version_of(request);
        let body = body.0;
        Ok(self
            .crm
            .change_lead_status(
                &auth.0.actor,
                id.0.into(),
                body.status.into(),
                body.note.as_deref(),
                expected,
            )
            .await?
            .into())
    }

    /// The lead's history, newest first.
    #[oai(
        path = "/leads/:id/activities",
        method = "get",
        operation_id = "listLeadActivities"
    )]
    async fn activities(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page size, 1 to 100 (default 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ActivityPage>, { AUTHENTICATED | BY_ID | QUERY }> {
        let page = self
            .crm
            .lead_history(&auth.0.actor, id.0.into(), &page_params(limit.0, cursor.0))
            .await?;
        let (items, next_cursor) = page_parts(page);
        Ok(Json(ActivityPage { items, next_cursor }))
    }

    /// Add a note to the lead's history.
    #[oai(
        path = "/leads/:id/notes",
        method = "post",
        operation_id = "addLeadNote"
    )]
    async fn add_note(
        &self,
        auth: BearerAuth,
        /// Makes a retry safe: the same key and body within 24 hours answer the first
        /// answer again without creating again; the same key with another body is a 422.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = "^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        id: Path<Uuid>,
        body: JsonBody<NoteBody>,
    ) -> ApiResult<CreateNoteResponse, { AUTHENTICATED | BY_ID | JSON_BODY | IDEMPOTENT }> {
        let note = self
            .crm
            .add_note(&auth.0.actor, id.0.into(), &body.0.body)
            .await?;
        let location = format!("/api/v1/leads/{}/activities", note.activity.lead_id);
        Ok(CreateNoteResponse::Created(Json(note.into()), location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        assert!(none_match_holds("\"3\"", "\"3\""));
        assert!(none_match_holds("W/\"3\"", "\"3\""));
        assert!(none_match_holds("\"1\", \"3\"", "\"3\""));
        assert!(none_match_holds("*", "\"3\""));
        assert!(!none_match_holds("\"2\"", "\"3\""));
    }

    #[test]
    fn if_match_accepts_strong_tags_and_star() {
        assert_eq!(expected_version(None), None);
        assert_eq!(expected_version(Some("*")), None);
        assert_eq!(expected_version(Some("\"7\"")), Some(7));
        assert_eq!(expected_version(Some(" \"7\", \"8\"")), Some(7));
    }

    #[test]
    fn if_match_that_cannot_match_is_a_412() {
        for bad in ["7", "W/\"7\"", "\"x\"", ""] {
            assert_eq!(expected_version(Some(bad)), Some(NO_VERSION), "{bad}");
        }
    }
}
