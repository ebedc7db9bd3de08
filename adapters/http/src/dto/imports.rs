//! Imports of leads from CSV files.

use chrono::{DateTime, Utc};
use djcrm_domain::{Duplicates, Import, ImportCounts, ImportOrigin, ImportState};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

/// What an import does with a row whose email a lead already has.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[oai(rename_all = "snake_case")]
pub enum DuplicatesDto {
    /// Leave the lead as it is; the row counts as skipped.
    #[default]
    Skip,
    /// Write the row's details over the lead's (its status is left to the pipeline).
    Update,
}

impl From<DuplicatesDto> for Duplicates {
    fn from(d: DuplicatesDto) -> Self {
        match d {
            DuplicatesDto::Skip => Self::Skip,
            DuplicatesDto::Update => Self::Update,
        }
    }
}

impl From<Duplicates> for DuplicatesDto {
    fn from(d: Duplicates) -> Self {
        match d {
            Duplicates::Skip => Self::Skip,
            Duplicates::Update => Self::Update,
        }
    }
}

/// Who reads an import's file.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ImportOriginDto {
    /// Uploaded through the API, read by a background job.
    Upload,
    /// Imported by an operator with `djcrm-admin`.
    File,
}

impl From<ImportOrigin> for ImportOriginDto {
    fn from(o: ImportOrigin) -> Self {
        match o {
            ImportOrigin::Upload => Self::Upload,
            ImportOrigin::File => Self::File,
        }
    }
}

/// Where an import stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ImportStateDto {
    /// Uploaded, waiting for a worker.
    Queued,
    /// Rows are being read.
    Running,
    /// Every row was read.
    Done,
    /// It stopped (see `error`); the rows read before stay until reverted.
    Failed,
    /// Its leads were deleted.
    Reverted,
}

impl From<ImportState> for ImportStateDto {
    fn from(s: ImportState) -> Self {
        match s {
            ImportState::Queued => Self::Queued,
            ImportState::Running => Self::Running,
            ImportState::Done => Self::Done,
            ImportState::Failed => Self::Failed,
            ImportState::Reverted => Self::Reverted,
        }
    }
}

/// What became of an import's rows so far.
#[derive(Object, Debug, Clone, Copy)]
pub struct ImportCountsBody {
    /// Data rows read (the header excluded).
    pub rows: u64,
    /// Leads created.
    pub created: u64,
    /// Existing leads updated (`duplicates=update`).
    pub updated: u64,
    /// Duplicates left alone (`duplicates=skip`).
    pub skipped: u64,
    /// Rows refused; `GET /imports/{id}/report` says why.
    pub rejected: u64,
}

impl From<ImportCounts> for ImportCountsBody {
    fn from(c: ImportCounts) -> Self {
        Self {
            rows: c.rows,
            created: c.created,
            updated: c.updated,
            skipped: c.skipped,
            rejected: c.rejected,
        }
    }
}

/// An import of leads.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ImportBody {
    /// Its id.
    pub id: Uuid,
    /// The file's name.
    pub file_name: String,
    /// The file's size in bytes.
    pub size_bytes: u64,
    /// Who reads the file.
    pub origin: ImportOriginDto,
    /// What happens to duplicates (by email).
    pub duplicates: DuplicatesDto,
    /// Where it stands.
    pub state: ImportStateDto,
    /// What became of the rows read so far.
    pub counts: ImportCountsBody,
    /// Why it failed.
    pub error: Option<String>,
    /// Who asked for it (absent for an operator).
    pub requested_by: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Import> for ImportBody {
    fn from(i: Import) -> Self {
        Self {
            id: i.id.as_uuid(),
            file_name: i.file_name,
            size_bytes: i.size_bytes,
            origin: i.origin.into(),
            duplicates: i.duplicates.into(),
            state: i.state.into(),
            counts: i.counts.into(),
            error: i.error,
            requested_by: i.requested_by.map(|u| u.as_uuid()),
            created_at: i.created_at,
            updated_at: i.updated_at,
            finished_at: i.finished_at,
        }
    }
}

impl Example for ImportBody {
    fn example() -> Self {
        let at = DateTime::from_timestamp(1_764_000_000, 0).unwrap_or_default();
        Self {
            id: Uuid::from_u128(0x0193_5e6c_4a00_7000_8000_0000_0000_0010),
            file_name: "trade-show.csv".to_owned(),
            size_bytes: 48_213,
            origin: ImportOriginDto::Upload,
            duplicates: DuplicatesDto::Skip,
            state: ImportStateDto::Done,
            counts: ImportCountsBody {
                rows: 412,
                created: 398,
                updated: 0,
                skipped: 11,
                rejected: 3,
            },
            error: None,
            requested_by: Some(Uuid::from_u128(0x0193_5e6c_4a00_7000_8000_0000_0000_0001)),
            created_at: at,
            updated_at: at,
            finished_at: Some(at),
        }
    }
}

/// A page of imports.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ImportPage {
    /// The imports, newest first.
    pub items: Vec<ImportBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Example for ImportPage {
    fn example() -> Self {
        Self {
            items: vec![ImportBody::example()],
            next_cursor: None,
        }
    }
}
