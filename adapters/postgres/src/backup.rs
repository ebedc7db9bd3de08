//! Backups of a PostgreSQL store with `pg_dump` and `pg_restore`. The rows are
//! counted in a transaction whose snapshot `pg_dump` shares (`--snapshot`), so the
//! manifest describes exactly what the dump holds, taken while the server runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::Utc;
use djcrm_adapter_sql::backup::{BackupError, Manifest, TABLES, sha256_of};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// Rows per CRM table over `conn` (absent tables count 0).
async fn counts(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut counts = BTreeMap::new();
    for table in TABLES {
        let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
            .bind(table)
            .fetch_one(&mut *conn)
            .await
            .map_err(BackupError::database("listing tables"))?;
        let n: i64 = if exists.is_some() {
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *conn)
                .await
                .map_err(BackupError::database(format!("counting {table}")))?
        } else {
            0
        };
        counts.insert((*table).to_owned(), n);
    }
    Ok(counts)
}

fn run(tool: &str, args: &[&str]) -> Result<(), BackupError> {
    let output = Command::new(tool).args(args).output().map_err(|e| {
        BackupError::Tool(format!(
            "{tool} cannot run ({e}); install the PostgreSQL client tools"
        ))
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Tool(format!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// Dumps the store at `url` (while it serves) to `file` (which must not exist) and writes its
/// manifest.
///
/// # Errors
/// [`BackupError`] when the dump cannot be made or fails its checks.
pub async fn backup(url: &str, file: &Path) -> Result<Manifest, BackupError> {
    if file.exists() {
        return Err(BackupError::Mismatch(format!(
            "{} already exists",
            file.display()
        )));
    }
    let path = file
        .to_str()
        .ok_or_else(|| BackupError::Mismatch("the backup path is not UTF-8".to_owned()))?;
    let mut conn = PgConnection::connect(url)
        .await
        .map_err(BackupError::database("connecting"))?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut conn)
        .await
        .map_err(BackupError::database("opening a snapshot"))?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut conn)
        .await
        .map_err(BackupError::database("exporting the snapshot"))?;
    let created_at = Utc::now();
    let tables = counts(&mut conn).await?;
    let dumped = run(
        "pg_dump",
        &[
            "--format=custom",
            "--no-owner",
            "--snapshot",
            &snapshot,
            "--file",
            path,
            url,
        ],
    );
    let _ = sqlx::query("COMMIT").execute(&mut conn).await;
    let _ = conn.close().await;
    dumped?;
    run("pg_restore", &["--list", path])?;
    let manifest = Manifest {
        store: "postgres".to_owned(),
        created_at,
        tables,
        sha256: sha256_of(file)?,
    };
    manifest.write(file)?;
    Manifest::read_verified(file)?;
    Ok(manifest)
}

/// Restores backup `file` into the database at `url`. Refuses a database with
/// organizations unless `force`.
///
/// # Errors
/// [`BackupError::NotEmpty`], or [`BackupError`] when the backup fails its checks
/// or cannot be restored.
pub async fn restore(url: &str, file: &Path, force: bool) -> Result<Manifest, BackupError> {
    let manifest = Manifest::read_verified(file)?;
    let path = file
        .to_str()
        .ok_or_else(|| BackupError::Mismatch("the backup path is not UTF-8".to_owned()))?;
    let mut conn = PgConnection::connect(url)
        .await
        .map_err(BackupError::database("connecting"))?;
    let organizations = counts(&mut conn)
        .await?
        .get("organizations")
        .copied()
        .unwrap_or(0);
    if organizations > 0 && !force {
        return Err(BackupError::NotEmpty(organizations));
    }
    run(
        "pg_restore",
        &[
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            url,
            path,
        ],
    )?;
    let counted = counts(&mut conn).await?;
    let _ = conn.close().await;
    manifest.check_counts(&counted)?;
    Ok(manifest)
}
