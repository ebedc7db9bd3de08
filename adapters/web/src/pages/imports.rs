//! `/imports` (organizers): upload a CSV file of leads, follow its import (read
//! by a background job), read why rows were refused, download the full report and
//! revert the import.
//!
//! The upload is a multipart form (its CSRF token rides in the action's query,
//! checked by the guard before the body is read). The file is copied to a
//! temporary file first, at most the import limit: the store's transaction then
//! runs at the disk's pace, never at a slow client's.

use std::sync::Arc;

use askama::Template;
use djcrm_application::PageParams;
use djcrm_application::imports::{ImportRequest, parse_mapping};
use djcrm_domain::ports::Store;
use djcrm_domain::{DomainError, Duplicates, Import, ImportId, ImportState, Rejection};
use futures_util::TryStreamExt as _;
use poem::http::{StatusCode, header};
use poem::web::{Field, Multipart};
use poem::{Body, FromRequest, IntoResponse, Request, RequestBody, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::path_id;
use crate::Ui;
use crate::failure::Failure;
use crate::form::{FORM_LIMIT, Form, FormData, sentence};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{Viewer, viewer};
use crate::views::when;

/// Imports per page of the list.
const IMPORTS: i64 = 25;

/// Refused rows the import's page lists; the report holds them all.
const REJECTIONS: u32 = 50;

/// How much of an upload is copied at a time.
const CHUNK: usize = 64 * 1024;

/// An import as the list shows it.
struct ImportRow {
    id: ImportId,
    file_name: String,
    state: &'static str,
    badge: &'static str,
    imported: u64,
    rejected: u64,
    started: String,
    finished: String,
}

/// One problem of a refused row.
struct ProblemRow {
    line: u64,
    column: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "imports/list.html")]
struct ImportsPage {
    layout: Layout,
    imports: Vec<ImportRow>,
    next: Option<String>,
    form: Form,
    limit: String,
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct ImportPage {
    layout: Layout,
    import: ImportRow,
    size: String,
    duplicates: &'static str,
    rows: u64,
    created: u64,
    updated: u64,
    skipped: u64,
    error: Option<String>,
    /// Still queued or running: the counts grow, the page is worth reloading.
    open: bool,
    revertible: bool,
    problems: Vec<ProblemRow>,
    /// More rows were refused than the page lists.
    more: bool,
}

/// The state's name as the pages write it, and its badge.
fn state(state: ImportState) -> (&'static str, &'static str) {
    match state {
        ImportState::Queued => ("Queued", "badge-new"),
        ImportState::Running => ("Running", "badge-contacted"),
        ImportState::Done => ("Done", "badge-converted"),
        ImportState::Failed => ("Failed", "badge-lost"),
        ImportState::Reverted => ("Reverted", "badge-lost"),
    }
}

fn row(import: &Import) -> ImportRow {
    let (label, badge) = state(import.state);
    ImportRow {
        id: import.id,
        file_name: import.file_name.clone(),
        state: label,
        badge,
        imported: import.counts.created + import.counts.updated,
        rejected: import.counts.rejected,
        started: when(import.created_at),
        finished: import.finished_at.map_or_else(|| "—".to_owned(), when),
    }
}

/// `bytes` as a person reads a file size.
fn size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    if bytes >= MB {
        format!("{} MB", bytes / MB)
    } else if bytes >= KB {
        format!("{} KB", bytes / KB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The import limit in bytes.
fn limit<S: Store>(ui: &Ui<S>) -> u64 {
    u64::try_from(ui.settings.import_limit).unwrap_or(u64::MAX)
}

async fn list_page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    form: Form,
    cursor: Option<String>,
) -> Result<ImportsPage, Failure> {
    viewer.require_organizer()?;
    let page = ui
        .crm
        .imports(
            &viewer.actor,
            &PageParams {
                limit: Some(IMPORTS),
                cursor,
            },
        )
        .await?;
    Ok(ImportsPage {
        layout: viewer.layout("Imports", "imports"),
        imports: page.items.iter().map(row).collect(),
        next: page.next_cursor.map(|c| format!("/imports?cursor={c}")),
        form,
        limit: size(limit(ui)),
    })
}

/// The list with the upload form shown again, failed, answering `status`.
async fn again<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    form: Form,
    status: StatusCode,
) -> Result<Response, Failure> {
    let page = list_page(ui, viewer, form, None).await?;
    Ok(render(&page)?.with_status(status).into_response())
}

/// `GET /imports` (`?cursor=` pages back through older imports).
pub async fn list<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let cursor = FormData::query(&request)
        .filled("cursor")
        .map(str::to_owned);
    render(&list_page(&ui, &viewer, Form::new(), cursor).await?)
}

/// An uploaded file, copied to a temporary file and rewound.
struct Spooled {
    name: String,
    size: u64,
    file: tokio::fs::File,
}

/// What the upload form sent.
struct Sent {
    /// Its other fields, to show again when the upload fails.
    values: FormData,
    /// The file, if one came within the limit.
    file: Option<Spooled>,
    /// The file went past the limit (reading stopped there).
    too_large: bool,
}

fn malformed(error: impl std::fmt::Display) -> Failure {
    Failure::BadRequest(format!("the upload could not be read: {error}"))
}

fn spool_failed(error: std::io::Error) -> Failure {
    Failure::Internal(Box::new(error))
}

/// A text field of the form, no larger than any form of the UI.
async fn text(field: Field) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(FORM_LIMIT)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    Box::pin(field.into_async_read())
        .take(cap)
        .read_to_end(&mut bytes)
        .await
        .map_err(malformed)?;
    if bytes.len() > FORM_LIMIT {
        return Err(Failure::TooLarge);
    }
    String::from_utf8(bytes).map_err(malformed)
}

/// Copies the file field to a temporary file; `None` once it passes `limit`.
///
/// Past the limit the rest is still read and dropped, up to the limit again: a
/// browser still sending when the answer comes often shows a reset connection
/// instead of the page saying why. A larger file is cut off there.
async fn spool(field: Field, limit: u64) -> Result<Option<(tokio::fs::File, u64)>, Failure> {
    let mut reader = Box::pin(field.into_async_read());
    let file = tempfile::tempfile().map_err(spool_failed)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut buffer = vec![0u8; CHUNK];
    let mut size: u64 = 0;
    loop {
        // A read that fails is the client's doing (a cut connection, a broken
        // body); a write that fails is ours.
        let n = reader.read(&mut buffer).await.map_err(malformed)?;
        if n == 0 {
            break;
        }
        size = size.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if size > limit {
            drop(file);
            while size <= limit.saturating_mul(2) {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => size = size.saturating_add(u64::try_from(n).unwrap_or(u64::MAX)),
                }
            }
            return Ok(None);
        }
        file.write_all(&buffer[..n]).await.map_err(spool_failed)?;
    }
    file.flush().await.map_err(spool_failed)?;
    file.rewind().await.map_err(spool_failed)?;
    Ok(Some((file, size)))
}

/// Reads the multipart form: the `file` field spooled, the others kept as text.
async fn receive(request: &mut Request, limit: u64) -> Result<Sent, Failure> {
    let mut body = RequestBody::new(request.take_body());
    let mut multipart = Multipart::from_request(request, &mut body)
        .await
        .map_err(malformed)?;
    // Pairs rather than a serializer: the serializer is not `Send` across the
    // awaits below.
    let mut values: Vec<(String, String)> = Vec::new();
    let mut file = None;
    let mut too_large = false;
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            match spool(field, limit).await? {
                Some((spooled, size)) => {
                    file = Some(Spooled {
                        name: file_name,
                        size,
                        file: spooled,
                    });
                }
                None => {
                    // The rest of the body is left unread: nothing after a file
                    // that is refused anyway is worth receiving.
                    too_large = true;
                    break;
                }
            }
        } else {
            let value = text(field).await?;
            values.push((name, value));
        }
    }
    Ok(Sent {
        values: FormData::parse(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(values)
                .finish()
                .as_bytes(),
        ),
        file,
        too_large,
    })
}

/// `POST /imports`: stores the uploaded file as a queued import (its header is
/// checked at once) and goes to its page, where the background job's progress
/// shows.
pub async fn upload<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    // Refused before a byte of the file is read.
    viewer.require_organizer()?;
    let limit = limit(&ui);
    let sent = receive(&mut request, limit).await?;
    let form = Form::with(sent.values.clone());
    if sent.too_large {
        let message = format!(
            "The file is larger than {}: split it and import each part.",
            size(limit)
        );
        let form = form.error_on("file", &message);
        return again(&ui, &viewer, form, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    // A form sent without choosing a file carries an empty, nameless file part.
    let Some(spooled) = sent.file.filter(|f| f.size > 0 || !f.name.is_empty()) else {
        let form = form.error_on("file", "Choose a CSV file to import.");
        return again(&ui, &viewer, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mapping = match parse_mapping(sent.values.get("map").lines()) {
        Ok(mapping) => mapping,
        Err(error) => {
            let form = form.error_on("map", &sentence(&error.to_string()));
            return again(&ui, &viewer, form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let request_import = ImportRequest {
        file_name: spooled.name,
        duplicates: Duplicates::from_name(sent.values.get("duplicates")).unwrap_or_default(),
        mapping,
    };
    match ui
        .crm
        .upload_import(&viewer.actor, request_import, spooled.size, spooled.file)
        .await
    {
        Ok(import) => {
            flash(
                &request,
                true,
                &format!("{} is uploaded; its rows are being read.", import.file_name),
            );
            Ok(see_other(&format!("/imports/{}", import.id)))
        }
        Err(error) => {
            let form = form.failed(error)?;
            again(&ui, &viewer, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Each problem of `rejections` as a line of the table.
fn problems(rejections: &[Rejection]) -> Vec<ProblemRow> {
    rejections
        .iter()
        .flat_map(|r| {
            r.problems.iter().map(|p| ProblemRow {
                line: r.line,
                column: p.column.clone().unwrap_or_default(),
                reason: p.reason.clone(),
            })
        })
        .collect()
}

/// `GET /imports/{id}`: where the import stands, and the first refused rows.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: ImportId = path_id(&request)?;
    let import = ui.crm.import(&viewer.actor, id).await?;
    let rejections = ui
        .crm
        .import_rejections(&viewer.actor, id, 0, REJECTIONS)
        .await?;
    let counts = import.counts;
    render(&ImportPage {
        layout: viewer.layout(import.file_name.as_str(), "imports"),
        size: size(import.size_bytes),
        duplicates: match import.duplicates {
            Duplicates::Skip => "left as they are",
            Duplicates::Update => "updated from the file",
        },
        rows: counts.rows,
        created: counts.created,
        updated: counts.updated,
        skipped: counts.skipped,
        error: import.error.clone(),
        open: import.state.is_open(),
        revertible: import.state != ImportState::Reverted,
        more: counts.rejected > u64::from(REJECTIONS),
        problems: problems(&rejections),
        import: row(&import),
    })
}

/// `GET /imports/{id}/report`: every refused row as CSV (`line`, `column`,
/// `reason`), streamed page by page so a large report is never held whole.
pub async fn report<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: ImportId = path_id(&request)?;
    let stream = ui
        .crm
        .clone()
        .import_report(viewer.actor, id)
        .await?
        .map_err(std::io::Error::other);
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{id}-report.csv\""),
        )
        .body(Body::from_bytes_stream(stream)))
}

/// `POST /imports/{id}/revert`: deletes the leads the import created (those it
/// updated stay as they are); a running import stops at its next batch.
pub async fn revert<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: ImportId = path_id(&request)?;
    let actor = &viewer.actor;
    match ui.crm.revert_import(Some(actor), actor.org_id, id).await {
        Ok((_, deleted)) => {
            let leads = if deleted == 1 {
                "1 lead".to_owned()
            } else {
                format!("{deleted} leads")
            };
            flash(
                &request,
                true,
                &format!("The import is reverted: {leads} deleted."),
            );
        }
        // Reverted meanwhile (another tab, another organizer).
        Err(DomainError::Conflict { message, .. }) => flash(&request, false, &sentence(&message)),
        Err(error) => return Err(error.into()),
    }
    Ok(see_other(&format!("/imports/{id}")))
}
