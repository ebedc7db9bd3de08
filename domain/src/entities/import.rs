//! Imports: a batch of leads read from a CSV file, kept as one record so it can be
//! followed while it runs and reverted as a whole.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ImportId, OrgId, UserId};

/// A column of an imported file, as DJ CRM understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportColumn {
    /// The lead's first name.
    FirstName,
    /// The lead's last name.
    LastName,
    /// The lead's email: the key duplicates are found by.
    Email,
    /// The lead's phone.
    Phone,
    /// Free text about the lead.
    Description,
    /// The pipeline status (`new` when absent).
    Status,
    /// The category, by name; created when the organization has none of that name.
    Category,
    /// The agent to assign, by email.
    AgentEmail,
    /// A column read and left alone (e.g. an export's `id` and times).
    Ignore,
}

impl ImportColumn {
    /// Every column, [`Ignore`](Self::Ignore) last.
    pub const ALL: [Self; 9] = [
        Self::FirstName,
        Self::LastName,
        Self::Email,
        Self::Phone,
        Self::Description,
        Self::Status,
        Self::Category,
        Self::AgentEmail,
        Self::Ignore,
    ];

    /// Its name, as in an export's header and in `--map`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Description => "description",
            Self::Status => "status",
            Self::Category => "category",
            Self::AgentEmail => "agent_email",
            Self::Ignore => "ignore",
        }
    }

    /// The column named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// What an import does with a row whose email a live lead of the organization has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    /// Leave the lead as it is and count the row as skipped.
    #[default]
    Skip,
    /// Write the row's details over the lead's (its status is left to the pipeline).
    Update,
}

impl Duplicates {
    /// Its name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Update => "update",
        }
    }

    /// The mode named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Skip, Self::Update]
            .into_iter()
            .find(|d| d.as_str() == name)
    }
}

/// Who runs an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOrigin {
    /// A file uploaded through the API, read by a background job.
    Upload,
    /// A file an operator imports with `djcrm-admin`, read by that process.
    File,
}

impl ImportOrigin {
    /// Its name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::File => "file",
        }
    }

    /// The origin named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Upload, Self::File]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    /// Uploaded, waiting for a worker.
    Queued,
    /// Rows are being read; the counts grow with each committed batch.
    Running,
    /// Every row was read.
    Done,
    /// It stopped (see its error); the rows committed before stay until reverted.
    Failed,
    /// Its leads were deleted.
    Reverted,
}

impl ImportState {
    /// Its name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Reverted => "reverted",
        }
    }

    /// The state named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Done,
            Self::Failed,
            Self::Reverted,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// Whether rows may still be read.
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// How many rows an import has read, and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    /// Data rows read (the header excluded): where a resumed import goes on from.
    pub rows: u64,
    /// Leads created.
    pub created: u64,
    /// Existing leads updated (duplicates, in [`Duplicates::Update`]).
    pub updated: u64,
    /// Duplicates left alone (in [`Duplicates::Skip`]).
    pub skipped: u64,
    /// Rows refused, each with a [`Rejection`].
    pub rejected: u64,
}

impl ImportCounts {
    /// The sum of `self` and `other`.
    #[must_use]
    pub const fn plus(self, other: Self) -> Self {
        Self {
            rows: self.rows + other.rows,
            created: self.created + other.created,
            updated: self.updated + other.updated,
            skipped: self.skipped + other.skipped,
            rejected: self.rejected + other.rejected,
        }
    }
}

/// One batch of leads read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Its id.
    pub id: ImportId,
    /// The organization the leads go to.
    pub org_id: OrgId,
    /// Who asked for it; `None` for an operator.
    pub requested_by: Option<UserId>,
    /// Who reads the file.
    pub origin: ImportOrigin,
    /// The file's name, as given.
    pub file_name: String,
    /// The file's size in bytes.
    pub size_bytes: u64,
    /// Header names mapped to columns, over the default mapping.
    pub mapping: Vec<(String, ImportColumn)>,
    /// What to do with duplicates.
    pub duplicates: Duplicates,
    /// Where it stands.
    pub state: ImportState,
    /// What it has read so far.
    pub counts: ImportCounts,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it finished (done or failed).
    pub finished_at: Option<DateTime<Utc>>,
}

/// One row of a file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// Everything wrong with it.
    pub problems: Vec<Problem>,
}

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The column at fault, as the file names it; `None` for the row as a whole.
    pub column: Option<String>,
    /// What is wrong, for a person.
    pub reason: String,
}
