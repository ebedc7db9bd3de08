//! Backups of a SQLite store: `VACUUM INTO` writes a consistent snapshot while the
//! server runs; the copy is integrity-checked and counted before its manifest is
//! written. A restore copies it back over a store the server is not using.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::Utc;
use djcrm_adapter_sql::backup::{BackupError, Manifest, TABLES, sha256_of};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, SqlitePool};

use crate::SqliteStore;

/// Opens `file` read-only, on one connection.
async fn read_only(file: &Path) -> Result<SqlitePool, BackupError> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(BackupError::database(format!("opening {}", file.display())))
}

/// Rows per CRM table in `pool` (absent tables count 0).
async fn counts(pool: &SqlitePool) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut counts = BTreeMap::new();
    for table in TABLES {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_optional(pool)
                .await
                .map_err(BackupError::database("listing tables"))?;
        let n: i64 = if exists.is_some() {
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(pool)
                .await
                .map_err(BackupError::database(format!("counting {table}")))?
        } else {
            0
        };
        counts.insert((*table).to_owned(), n);
    }
    Ok(counts)
}

/// Writes a snapshot of `store` to `file` (which must not exist), checks it, and
/// writes its manifest.
///
/// # Errors
/// [`BackupError`] when the snapshot cannot be written or fails its checks.
pub async fn backup(store: &SqliteStore, file: &Path) -> Result<Manifest, BackupError> {
    if file.exists() {
        return Err(BackupError::Mismatch(format!(
            "{} already exists",
            file.display()
        )));
    }
    let target = file
        .to_str()
        .ok_or_else(|| BackupError::Mismatch("the backup path is not UTF-8".to_owned()))?;
    let created_at = Utc::now();
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(store.pool())
        .await
        .map_err(BackupError::database("writing the snapshot"))?;
    let copy = read_only(file).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy)
        .await
        .map_err(BackupError::database("checking the snapshot"))?;
    if check != "ok" {
        return Err(BackupError::Mismatch(format!(
            "the snapshot is damaged: {check}"
        )));
    }
    let tables = counts(&copy).await?;
    copy.close().await;
    let manifest = Manifest {
        store: "sqlite".to_owned(),
        created_at,
        tables,
        sha256: sha256_of(file)?,
    };
    manifest.write(file)?;
    Manifest::read_verified(file)?;
    Ok(manifest)
}

/// The file of a `sqlite://` URL.
fn path_of(url: &str) -> Result<PathBuf, BackupError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(BackupError::database(format!("reading the URL {url}")))?;
    Ok(options.get_filename().to_path_buf())
}

/// Restores backup `file` over the store at `url`, which the server must not be
/// using. Refuses a store with organizations unless `force`.
///
/// # Errors
/// [`BackupError::NotEmpty`], or [`BackupError`] when the backup fails its checks
/// or the store cannot be written.
pub async fn restore(url: &str, file: &Path, force: bool) -> Result<Manifest, BackupError> {
    let manifest = Manifest::read_verified(file)?;
    let target = path_of(url)?;
    if target.exists() && !force {
        let existing = read_only(&target).await?;
        let organizations = counts(&existing)
            .await?
            .get("organizations")
            .copied()
            .unwrap_or(0);
        existing.close().await;
        if organizations > 0 {
            return Err(BackupError::NotEmpty(organizations));
        }
    }
    let partial = target.with_extension("restoring");
    std::fs::copy(file, &partial).map_err(BackupError::file(format!(
        "copying to {}",
        partial.display()
    )))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&partial, &target).map_err(BackupError::file(format!(
        "moving into {}",
        target.display()
    )))?;
    let restored = read_only(&target).await?;
    let counted = counts(&restored).await?;
    restored.close().await;
    manifest.check_counts(&counted)?;
    Ok(manifest)
}
