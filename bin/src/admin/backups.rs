//! `djcrm-admin backup` and `restore`, on whichever store is configured.

use std::path::Path;

use djcrm_adapter_sql::backup::{BackupError, Manifest};
use serde_json::json;

use super::{Failure, Report, fail};
use crate::config::Settings;

/// A store that can write a backup of itself.
pub(super) trait Backup {
    fn backup_to(
        &self,
        settings: &Settings,
        file: &Path,
    ) -> impl std::future::Future<Output = Result<Manifest, BackupError>> + Send;
}

impl Backup for djcrm_adapter_sqlite::SqliteStore {
    async fn backup_to(&self, _settings: &Settings, file: &Path) -> Result<Manifest, BackupError> {
        djcrm_adapter_sqlite::backup::backup(self, file).await
    }
}

impl Backup for djcrm_adapter_postgres::PostgresStore {
    async fn backup_to(&self, settings: &Settings, file: &Path) -> Result<Manifest, BackupError> {
        djcrm_adapter_postgres::backup::backup(&settings.database.url, file).await
    }
}

fn report(manifest: &Manifest, verb: &str, file: &Path) -> Report {
    let rows: i64 = manifest.tables.values().sum();
    Report {
        json: json!({
            "file": file.display().to_string(),
            "store": manifest.store,
            "created_at": manifest.created_at,
            "tables": manifest.tables,
            "sha256": manifest.sha256,
        }),
        text: format!(
            "{verb} {} ({} store, {rows} rows in {} tables, sha256 {}); verified",
            file.display(),
            manifest.store,
            manifest.tables.len(),
            manifest.sha256
        ),
    }
}

pub(super) async fn backup<S: Backup>(
    store: &S,
    settings: &Settings,
    file: &Path,
) -> Result<Report, Failure> {
    let manifest = store
        .backup_to(settings, file)
        .await
        .map_err(|e| fail(djcrm_domain::chain(&e)))?;
    Ok(report(&manifest, "backed up to", file))
}

pub(super) async fn restore(
    settings: &Settings,
    file: &Path,
    force: bool,
) -> Result<Report, Failure> {
    let url = &settings.database.url;
    let manifest = if url.starts_with("sqlite:") {
        djcrm_adapter_sqlite::backup::restore(url, file, force).await
    } else {
        djcrm_adapter_postgres::backup::restore(url, file, force).await
    }
    .map_err(|e| fail(djcrm_domain::chain(&e)))?;
    Ok(report(&manifest, "restored from", file))
}
