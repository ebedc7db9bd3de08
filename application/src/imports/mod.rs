//! Importing leads from CSV files: an operator's file read by `djcrm-admin`, or an
//! organizer's upload read by a background job. Either way an import is one
//! batch with an id: its rows are checked by the domain's value objects, written
//! a batch of rows per transaction, de-duplicated by email, reported row by row
//! when refused, and revertible as a whole. It records `import.created` and
//! `import.completed` (or `import.failed`), not an event per row.

mod columns;
mod rows;
mod run;

use djcrm_domain::ports::{ImportRepository, Store, UnitOfWork};
use djcrm_domain::{
    Actor, Change, DomainError, Duplicates, Import, ImportColumn, ImportCounts, ImportId,
    ImportOrigin, ImportState, OrgId, Page, Rejection,
};
use tokio::io::{AsyncRead, AsyncReadExt};

pub use columns::{Columns, ColumnsError, parse_mapping};
pub use rows::MAX_ROW_BYTES;
pub use run::{BATCH_ROWS, Importer};

use crate::Crm;
use crate::PageParams;
use crate::policy::require_organizer;

/// How much of an uploaded file one stored part holds.
pub const PART_BYTES: usize = 1024 * 1024;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header cannot be used; nothing was imported.
    #[error(transparent)]
    Columns(#[from] ColumnsError),
    /// The file could not be read on (the rows before stay imported).
    #[error("reading the file: {0}")]
    Read(String),
    /// The import was reverted or finished meanwhile, or another process runs it.
    #[error("the import is {} and is no longer read here", .0.as_str())]
    Stopped(ImportState),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] DomainError),
}

/// Hears how an import goes, e.g. to draw a progress bar or write a report.
pub trait ImportObserver: Send {
    /// The file's columns are known.
    fn columns(&mut self, _columns: &Columns) {}
    /// A batch was written; `bytes` of the file are read.
    fn progress(&mut self, _import: &Import, _bytes: u64) {}
    /// A row was refused.
    fn rejected(&mut self, _rejection: &Rejection) {}
}

impl ImportObserver for () {}

/// What to import, and how.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The file's name, as the user knows it.
    pub file_name: String,
    /// What to do with rows whose email a lead already has.
    pub duplicates: Duplicates,
    /// Header names mapped to columns, over the defaults.
    pub mapping: Vec<(String, ImportColumn)>,
}

impl ImportRequest {
    /// A new import of `org` by `requested_by`, of `size_bytes`, in `state`.
    fn import(
        self,
        org: OrgId,
        requested_by: Option<djcrm_domain::UserId>,
        origin: ImportOrigin,
        size_bytes: u64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Import {
        let name: String = self.file_name.trim().chars().take(255).collect();
        Import {
            id: ImportId::new(),
            org_id: org,
            requested_by,
            origin,
            file_name: if name.is_empty() {
                "leads.csv".to_owned()
            } else {
                name
            },
            size_bytes,
            mapping: self.mapping,
            duplicates: self.duplicates,
            state: match origin {
                ImportOrigin::Upload => ImportState::Queued,
                ImportOrigin::File => ImportState::Running,
            },
            counts: ImportCounts::default(),
            error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        }
    }
}

/// The columns of a report of refused rows: one row per problem.
pub const REPORT_COLUMNS: [&str; 3] = ["line", "column", "reason"];

/// `rejections` as CSV rows of a report (after its header row, when `header`).
///
/// # Errors
/// [`DomainError::Internal`] if the encoder fails.
pub fn report_csv(rejections: &[Rejection], header: bool) -> Result<Vec<u8>, DomainError> {
    let failed = |e: csv::Error| DomainError::internal("encoding a report", Some(Box::new(e)));
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    if header {
        writer.write_record(REPORT_COLUMNS).map_err(failed)?;
    }
    for rejection in rejections {
        let line = rejection.line.to_string();
        for problem in &rejection.problems {
            let column = problem.column.as_deref().unwrap_or("");
            writer
                .write_record([line.as_str(), column, problem.reason.as_str()])
                .map_err(failed)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| DomainError::internal("encoding a report", Some(e.to_string().into())))
}

/// How many refused rows one chunk of a streamed report holds.
pub const REPORT_PAGE: u32 = 500;

impl<S: Store> Crm<S> {
    /// The report of an import's refused rows as CSV chunks: the header, then a
    /// page of rows at a time, so a large report is never held whole. The import
    /// is looked up first, so a wrong id is an error rather than an empty file.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] or [`DomainError::Forbidden`] before the stream
    /// starts; a page that cannot be read ends the stream with its error.
    pub async fn import_report(
        self: std::sync::Arc<Self>,
        actor: Actor,
        id: ImportId,
    ) -> Result<impl futures_util::Stream<Item = Result<Vec<u8>, DomainError>> + Send, DomainError>
    {
        self.import(&actor, id).await?;
        let header = futures_util::stream::iter([report_csv(&[], true)]);
        let pages = futures_util::stream::try_unfold(Some(0u64), move |after| {
            let crm = self.clone();
            async move {
                let Some(after) = after else {
                    return Ok(None);
                };
                let page = crm
                    .import_rejections(&actor, id, after, REPORT_PAGE)
                    .await?;
                if page.is_empty() {
                    return Ok(None);
                }
                let next = page.last().map(|r| r.line);
                let full = page.len() == REPORT_PAGE as usize;
                let bytes = report_csv(&page, false)?;
                Ok(Some((bytes, if full { next } else { None })))
            }
        });
        Ok(futures_util::StreamExt::chain(header, pages))
    }
}

/// Reads from `source` until `buffer` is full or the source ends; how much.
async fn fill<R: AsyncRead + Unpin>(source: &mut R, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = source.read(&mut buffer[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// The header row at the start of `bytes`, checked against `mapping`.
fn check_header(bytes: &[u8], mapping: &[(String, ImportColumn)]) -> Result<(), ColumnsError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|_| ColumnsError::Empty)?
        .iter()
        .map(|h| std::str::from_utf8(h).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ColumnsError::HeaderEncoding)?;
    Columns::resolve(headers, mapping).map(drop)
}

/// The events of a new import.
fn created(import: &Import) -> Change {
    Change::ImportCreated {
        file_name: import.file_name.clone(),
        origin: import.origin,
        duplicates: import.duplicates,
        size_bytes: import.size_bytes,
    }
}

impl<S: Store> Crm<S> {
    /// Stores an organizer's upload of `size_bytes` from `source` as a queued
    /// import, for a background job to read. The header is checked first, so a
    /// file that cannot be imported is refused at once.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `file` (empty, unreadable, no names) or
    ///   `map` (a header the file lacks).
    pub async fn upload_import<R: AsyncRead + Unpin + Send>(
        &self,
        actor: &Actor,
        request: ImportRequest,
        size_bytes: u64,
        mut source: R,
    ) -> Result<Import, DomainError> {
        require_organizer(actor, "only organizers can import leads")?;
        let unreadable =
            |e: std::io::Error| DomainError::invalid("file", format!("could not be read: {e}"));
        let mut part = vec![0; PART_BYTES];
        let first = fill(&mut source, &mut part).await.map_err(unreadable)?;
        check_header(&part[..first], &request.mapping).map_err(|e| {
            let field = if matches!(e, ColumnsError::UnknownHeader(_)) {
                "map"
            } else {
                "file"
            };
            DomainError::invalid(field, e.to_string())
        })?;
        let now = self.clock.now();
        let import = request.import(
            actor.org_id,
            Some(actor.user_id),
            ImportOrigin::Upload,
            size_bytes,
            now,
        );
        let mut uow = self.store.begin().await?;
        uow.insert_import(&import).await?;
        let mut length = first;
        let mut n = 0;
        while length > 0 {
            uow.insert_upload_part(import.org_id, import.id, n, &part[..length])
                .await?;
            n += 1;
            length = fill(&mut source, &mut part).await.map_err(unreadable)?;
        }
        uow.append_event(&run::import_event(&import, created(&import), now))
            .await?;
        uow.commit().await?;
        Ok(import)
    }

    /// Registers an operator's import of a file of `size_bytes` into `org`, running
    /// (the caller reads it with [`importer`](Self::importer)).
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when the organization does not exist.
    pub async fn start_import(
        &self,
        org: OrgId,
        request: ImportRequest,
        size_bytes: u64,
    ) -> Result<Import, DomainError> {
        let now = self.clock.now();
        let import = request.import(org, None, ImportOrigin::File, size_bytes, now);
        let mut uow = self.store.begin().await?;
        uow.organization_for_update(org).await?;
        uow.insert_import(&import).await?;
        uow.append_event(&run::import_event(&import, created(&import), now))
            .await?;
        uow.commit().await?;
        Ok(import)
    }

    /// An import of `org` as it would be registered, kept in memory: for a dry run.
    #[must_use]
    pub fn draft_import(&self, org: OrgId, request: ImportRequest, size_bytes: u64) -> Import {
        request.import(org, None, ImportOrigin::File, size_bytes, self.clock.now())
    }

    /// The importer over this CRM's store.
    #[must_use]
    pub fn importer(&self) -> Importer<'_, S> {
        Importer::new(&self.store, self.clock.as_ref())
    }

    /// One import of the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn import(&self, actor: &Actor, id: ImportId) -> Result<Import, DomainError> {
        require_organizer(actor, "only organizers can see imports")?;
        self.store.imports().get(actor.org_id, id).await
    }

    /// The organization's imports, newest first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn imports(
        &self,
        actor: &Actor,
        page: &PageParams,
    ) -> Result<Page<Import>, DomainError> {
        require_organizer(actor, "only organizers can see imports")?;
        let page = page.parse()?;
        self.store.imports().list(actor.org_id, page).await
    }

    /// An organization's imports, newest first (operators).
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn imports_of(
        &self,
        org: OrgId,
        page: &PageParams,
    ) -> Result<Page<Import>, DomainError> {
        let page = page.parse()?;
        self.store.imports().list(org, page).await
    }

    /// At most `limit` rows the import refused, from the line after `after`.
    ///
    /// # Errors
    /// As [`import`](Self::import).
    pub async fn import_rejections(
        &self,
        actor: &Actor,
        id: ImportId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Rejection>, DomainError> {
        self.import(actor, id).await?;
        self.store
            .imports()
            .rejections(actor.org_id, id, after, limit)
            .await
    }

    /// Deletes every live lead the import created (leads it updated stay as they
    /// are) and marks it reverted; a running import stops at its next batch.
    /// `actor` is `None` for an operator. Answers the import and how many leads
    /// were deleted.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    /// - [`DomainError::Conflict`] on `state` when it is already reverted.
    pub async fn revert_import(
        &self,
        actor: Option<&Actor>,
        org: OrgId,
        id: ImportId,
    ) -> Result<(Import, u64), DomainError> {
        if let Some(actor) = actor {
            require_organizer(actor, "only organizers can revert imports")?;
            if actor.org_id != org {
                return Err(DomainError::not_found("import"));
            }
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut import = uow.import_for_update(org, id).await?;
        if import.state == ImportState::Reverted {
            return Err(DomainError::Conflict {
                field: "state",
                message: "the import is already reverted".to_owned(),
            });
        }
        let by = actor.map(|a| a.user_id);
        let deleted = uow.revert_import(org, id, by, now).await?;
        import.state = ImportState::Reverted;
        import.updated_at = now;
        import.finished_at = import.finished_at.or(Some(now));
        uow.save_import(&import).await?;
        uow.delete_upload(org, id).await?;
        let reverted = Change::ImportReverted {
            leads_deleted: deleted,
        };
        uow.append_event(&djcrm_domain::Event::new(org, by, id, reverted, now))
            .await?;
        uow.commit().await?;
        Ok((import, deleted))
    }
}

/// An uploaded file's parts, read from the store one at a time as one stream.
pub fn upload_reader<S: Store>(
    store: &S,
    org: OrgId,
    id: ImportId,
) -> impl AsyncRead + Unpin + Send + '_ {
    let parts = futures_util::stream::try_unfold(0u64, move |part| async move {
        let bytes = store
            .imports()
            .upload_part(org, id, part)
            .await
            .map_err(std::io::Error::other)?;
        Ok::<_, std::io::Error>(bytes.map(|b| (bytes::Bytes::from(b), part + 1)))
    });
    tokio_util::io::StreamReader::new(Box::pin(parts))
}
