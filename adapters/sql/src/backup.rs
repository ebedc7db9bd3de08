//! What a backup says about itself: the rows of each table and the file's SHA-256,
//! written beside it (`<file>.manifest.json`) and checked after writing and before
//! restoring.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The CRM's tables, counted in a manifest.
pub const TABLES: &[&str] = &[
    "organizations",
    "users",
    "api_tokens",
    "agents",
    "categories",
    "leads",
    "activities",
    "outbox",
    "idempotency_keys",
    "invitations",
    "password_resets",
    "sealed_secrets",
    "leases",
    "job_runs",
    "webhooks",
    "webhook_deliveries",
    "imports",
    "import_rejections",
    "import_uploads",
];

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file or its manifest could not be read or written.
    #[error("{context}")]
    File {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The database failed.
    #[error("{context}")]
    Database {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: sqlx::Error,
    },
    /// A tool (`pg_dump`, `pg_restore`) failed or is missing.
    #[error("{0}")]
    Tool(String),
    /// The backup does not match its manifest, or a restore does not match the
    /// backup.
    #[error("verification failed: {0}")]
    Mismatch(String),
    /// The target store has data and `--force` was not given.
    #[error("the target store is not empty ({0} organizations); pass --force to overwrite it")]
    NotEmpty(i64),
}

impl BackupError {
    /// A file error while `context`.
    pub fn file(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::File { context, source }
    }

    /// A database error while `context`.
    pub fn database(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Self {
        let context = context.into();
        move |source| Self::Database { context, source }
    }
}

/// A backup's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `sqlite` or `postgres`.
    pub store: String,
    /// When the snapshot was taken.
    pub created_at: DateTime<Utc>,
    /// Rows per table, in the snapshot.
    pub tables: BTreeMap<String, i64>,
    /// The backup file's SHA-256, hex.
    pub sha256: String,
}

impl Manifest {
    /// Where the manifest of backup `file` is kept.
    #[must_use]
    pub fn path_of(file: &Path) -> PathBuf {
        let mut name = file.as_os_str().to_owned();
        name.push(".manifest.json");
        PathBuf::from(name)
    }

    /// Writes the manifest beside `file`.
    ///
    /// # Errors
    /// [`BackupError::File`] when it cannot be written.
    pub fn write(&self, file: &Path) -> Result<(), BackupError> {
        let path = Self::path_of(file);
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| BackupError::Mismatch(format!("cannot encode the manifest: {e}")))?;
        std::fs::write(&path, json)
            .map_err(BackupError::file(format!("writing {}", path.display())))
    }

    /// Reads the manifest of `file` and checks the file's checksum against it.
    ///
    /// # Errors
    /// [`BackupError::File`] when either cannot be read; [`BackupError::Mismatch`]
    /// when the checksum differs.
    pub fn read_verified(file: &Path) -> Result<Self, BackupError> {
        let path = Self::path_of(file);
        let raw = std::fs::read(&path)
            .map_err(BackupError::file(format!("reading {}", path.display())))?;
        let manifest: Self = serde_json::from_slice(&raw).map_err(|e| {
            BackupError::Mismatch(format!("{} is not a manifest: {e}", path.display()))
        })?;
        let actual = sha256_of(file)?;
        if actual != manifest.sha256 {
            return Err(BackupError::Mismatch(format!(
                "{} has checksum {actual}, its manifest says {}",
                file.display(),
                manifest.sha256
            )));
        }
        Ok(manifest)
    }

    /// Fails unless `counts` are the manifest's.
    ///
    /// # Errors
    /// [`BackupError::Mismatch`] naming the first table that differs.
    pub fn check_counts(&self, counts: &BTreeMap<String, i64>) -> Result<(), BackupError> {
        for (table, expected) in &self.tables {
            let actual = counts.get(table).copied().unwrap_or(0);
            if actual != *expected {
                return Err(BackupError::Mismatch(format!(
                    "{table} has {actual} rows, the backup {expected}"
                )));
            }
        }
        Ok(())
    }
}

/// The SHA-256 of a file, hex, read in blocks.
///
/// # Errors
/// [`BackupError::File`] when it cannot be read.
pub fn sha256_of(file: &Path) -> Result<String, BackupError> {
    let read = BackupError::file(format!("reading {}", file.display()));
    let mut input = std::fs::File::open(file).map_err(read)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = input
            .read(&mut block)
            .map_err(BackupError::file(format!("reading {}", file.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
