//! Imports: their records, rejected rows and uploaded files, and the bulk writes
//! of their leads.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::ImportRepository;
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, DomainError, Duplicates, Email, Import, ImportColumn,
    ImportCounts, ImportId, ImportOrigin, ImportState, Lead, LeadId, OrgId, Page, PageRequest,
    Rejection, UserId,
};

use crate::appends;
use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::{corrupt, on_lead_write, storage};
use crate::reads::push_page;
use crate::rows;
use crate::transaction::SqlUnitOfWork;
use crate::{Dialect, SqlStore};

const IMPORT_COLUMNS: &str = "id, organization_id, requested_by, origin, file_name, size_bytes, \
     mapping, duplicates, state, rows_read, created, updated, skipped, rejected, error, \
     created_at, updated_at, finished_at";

/// Values bound per refused row.
const REJECTION_BINDS: usize = 4;

/// Lead ids per chunk of history written by a revert.
const REVERTED_PER_CHUNK: usize = 500;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn import(row: &impl ReadRow) -> Result<Import, DomainError> {
    let col = || storage("reading an import");
    let number = |column: &str| -> Result<u64, DomainError> {
        Ok(u64::try_from(row.int(column).map_err(col())?).unwrap_or(0))
    };
    let origin = row.text("origin").map_err(col())?;
    let duplicates = row.text("duplicates").map_err(col())?;
    let state = row.text("state").map_err(col())?;
    let mapping: Vec<(String, ImportColumn)> =
        serde_json::from_str(&row.text("mapping").map_err(col())?)
            .map_err(|e| corrupt("import mapping", e))?;
    Ok(Import {
        id: row.uuid("id").map_err(col())?.into(),
        org_id: row.uuid("organization_id").map_err(col())?.into(),
        requested_by: row.opt_uuid("requested_by").map_err(col())?.map(Into::into),
        origin: ImportOrigin::from_name(&origin).ok_or_else(|| corrupt("import origin", origin))?,
        file_name: row.text("file_name").map_err(col())?,
        size_bytes: number("size_bytes")?,
        mapping,
        duplicates: Duplicates::from_name(&duplicates)
            .ok_or_else(|| corrupt("import duplicates", duplicates))?,
        state: ImportState::from_name(&state).ok_or_else(|| corrupt("import state", state))?,
        counts: ImportCounts {
            rows: number("rows_read")?,
            created: number("created")?,
            updated: number("updated")?,
            skipped: number("skipped")?,
            rejected: number("rejected")?,
        },
        error: row.opt_text("error").map_err(col())?,
        created_at: row.time("created_at").map_err(col())?,
        updated_at: row.time("updated_at").map_err(col())?,
        finished_at: row.opt_time("finished_at").map_err(col())?,
    })
}

fn rejection(row: &impl ReadRow) -> Result<Rejection, DomainError> {
    let col = || storage("reading rejected rows");
    Ok(Rejection {
        line: u64::try_from(row.int("line").map_err(col())?).unwrap_or(0),
        problems: serde_json::from_str(&row.text("problems").map_err(col())?)
            .map_err(|e| corrupt("rejected row", e))?,
    })
}

impl<D: Dialect> ImportRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: ImportId) -> Result<Import, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(IMPORT_COLUMNS)
            .push(" FROM imports WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading an import")
            .await?
            .ok_or(DomainError::not_found("import"))
            .and_then(|row| import(&row))
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Import>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(IMPORT_COLUMNS)
            .push(" FROM imports WHERE organization_id = ")
            .push_bind(org);
        push_page(&mut sql, "id", "organization_id DESC, id DESC", page);
        let rows = self.fetch_all(sql, "listing imports").await?;
        let imports = rows.iter().map(import).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetched(imports, page.limit, |i| {
            i.id.as_uuid()
        }))
    }

    async fn rejections(
        &self,
        org: OrgId,
        id: ImportId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Rejection>, DomainError> {
        let sql = Sql::new(
            "SELECT line, problems FROM import_rejections \
             WHERE organization_id = $1 AND import_id = $2 AND line > $3 \
             ORDER BY organization_id, import_id, line LIMIT $4",
        )
        .bind(org)
        .bind(id)
        .bind(count(after))
        .bind(i64::from(limit));
        let rows = self.fetch_all(sql, "reading rejected rows").await?;
        rows.iter().map(rejection).collect()
    }

    async fn upload_part(
        &self,
        org: OrgId,
        id: ImportId,
        part: u64,
    ) -> Result<Option<Vec<u8>>, DomainError> {
        let sql = Sql::new(
            "SELECT bytes FROM import_uploads \
             WHERE organization_id = $1 AND import_id = $2 AND part = $3",
        )
        .bind(org)
        .bind(id)
        .bind(count(part));
        self.fetch_optional(sql, "reading an uploaded file")
            .await?
            .map(|row| {
                row.bytes("bytes")
                    .map_err(storage("reading an uploaded file"))
            })
            .transpose()
    }
}

/// The writes of imports, called by the unit of work's trait methods.
impl<D: Dialect> SqlUnitOfWork<D> {
    async fn run(&mut self, sql: Sql, context: &'static str) -> Result<(), DomainError> {
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(storage(context))
    }

    pub(crate) async fn insert_import_row(&mut self, import: &Import) -> Result<(), DomainError> {
        let mapping = serde_json::to_string(&import.mapping)
            .map_err(|e| DomainError::storage("storing an import", e))?;
        let sql = Sql::new(
            "INSERT INTO imports (id, organization_id, requested_by, origin, file_name, \
             size_bytes, mapping, duplicates, state, rows_read, created, updated, skipped, \
             rejected, error, created_at, updated_at, finished_at) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(import.id)
        .bind(import.org_id)
        .bind(import.requested_by)
        .bind(import.origin.as_str())
        .bind(import.file_name.as_str())
        .bind(count(import.size_bytes))
        .bind(mapping)
        .bind(import.duplicates.as_str())
        .bind(import.state.as_str())
        .bind(count(import.counts.rows))
        .bind(count(import.counts.created))
        .bind(count(import.counts.updated))
        .bind(count(import.counts.skipped))
        .bind(count(import.counts.rejected))
        .bind(import.error.clone())
        .bind(import.created_at)
        .bind(import.updated_at)
        .bind(import.finished_at);
        self.run(sql, "storing an import").await
    }

    pub(crate) async fn locked_import(
        &mut self,
        org: OrgId,
        id: ImportId,
    ) -> Result<Import, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(IMPORT_COLUMNS)
            .push(" FROM imports WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id)
            .push(D::LOCK_ROWS);
        self.fetch_optional(sql, "locking an import")
            .await?
            .ok_or(DomainError::not_found("import"))
            .and_then(|row| import(&row))
    }

    pub(crate) async fn save_import_row(&mut self, import: &Import) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE imports SET state = $1, rows_read = $2, created = $3, updated = $4, \
             skipped = $5, rejected = $6, error = $7, updated_at = $8, finished_at = $9 \
             WHERE organization_id = $10 AND id = $11 RETURNING id",
        )
        .bind(import.state.as_str())
        .bind(count(import.counts.rows))
        .bind(count(import.counts.created))
        .bind(count(import.counts.updated))
        .bind(count(import.counts.skipped))
        .bind(count(import.counts.rejected))
        .bind(import.error.clone())
        .bind(import.updated_at)
        .bind(import.finished_at)
        .bind(import.org_id)
        .bind(import.id);
        if self.touched(sql, "saving an import").await? {
            Ok(())
        } else {
            Err(DomainError::not_found("import"))
        }
    }

    pub(crate) async fn insert_upload_row(
        &mut self,
        org: OrgId,
        import: ImportId,
        part: u64,
        bytes: &[u8],
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO import_uploads (organization_id, import_id, part, bytes) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(import)
        .bind(count(part))
        .bind(bytes.to_vec());
        self.run(sql, "storing an uploaded file").await
    }

    pub(crate) async fn delete_upload_rows(
        &mut self,
        org: OrgId,
        import: ImportId,
    ) -> Result<(), DomainError> {
        let sql =
            Sql::new("DELETE FROM import_uploads WHERE organization_id = $1 AND import_id = $2")
                .bind(org)
                .bind(import);
        self.run(sql, "removing an uploaded file").await
    }

    pub(crate) async fn insert_lead_rows(
        &mut self,
        import: ImportId,
        leads: &[Lead],
    ) -> Result<(), DomainError> {
        for sql in appends::imported_lead_statements::<D>(leads, import)? {
            D::Db::execute(self.conn().await?, sql)
                .await
                .map_err(on_lead_write("storing imported leads"))?;
        }
        Ok(())
    }

    pub(crate) async fn leads_by_email(
        &mut self,
        org: OrgId,
        emails: &[Email],
    ) -> Result<Vec<Lead>, DomainError> {
        let mut found = Vec::new();
        for chunk in emails.chunks(D::KEYS_PER_LOOKUP) {
            let mut sql = Sql::bulk("SELECT ", D::BULK_PLACEHOLDERS);
            sql.push(rows::LEAD_COLUMNS)
                .push(" FROM leads WHERE organization_id = ")
                .push_bind(org)
                .push(" AND deleted_at IS NULL AND email IN (");
            for (n, email) in chunk.iter().enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                sql.push_bind(email.as_str());
            }
            sql.push(")");
            if !D::LOCK_ROWS.is_empty() {
                // Locks taken in one order cannot deadlock with another import's.
                // Without locks the order is of no use, and with thousands of
                // emails it led SQLite's planner to read the tenant's every lead
                // in id order rather than look each email up.
                sql.push(" ORDER BY id").push(D::LOCK_ROWS);
            }
            let rows = self.fetch_all(sql, "finding duplicates").await?;
            found.extend(rows::all(&rows, rows::lead)?);
        }
        Ok(found)
    }

    pub(crate) async fn insert_rejection_rows(
        &mut self,
        org: OrgId,
        import: ImportId,
        rejections: &[Rejection],
    ) -> Result<(), DomainError> {
        for chunk in rejections.chunks(D::BINDS_PER_STATEMENT / REJECTION_BINDS) {
            let mut sql = Sql::bulk(
                "INSERT INTO import_rejections (organization_id, import_id, line, problems) VALUES ",
                D::BULK_PLACEHOLDERS,
            );
            for (n, rejection) in chunk.iter().enumerate() {
                let problems = serde_json::to_string(&rejection.problems)
                    .map_err(|e| DomainError::storage("storing rejected rows", e))?;
                sql.push(if n == 0 { "(" } else { ", (" })
                    .push_bind(org)
                    .push(", ")
                    .push_bind(import)
                    .push(", ")
                    .push_bind(count(rejection.line))
                    .push(", ")
                    .push_bind(problems)
                    .push(")");
            }
            self.run(sql, "storing rejected rows").await?;
        }
        Ok(())
    }

    pub(crate) async fn revert_import_rows(
        &mut self,
        org: OrgId,
        import: ImportId,
        actor: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        let context = "reverting an import";
        let ids = Sql::new(
            "SELECT id FROM leads WHERE organization_id = $1 AND import_id = $2 \
             AND deleted_at IS NULL ORDER BY id",
        )
        .bind(org)
        .bind(import);
        let rows = self.fetch_all(ids, context).await?;
        let ids = rows
            .iter()
            .map(|row| row.uuid("id").map(LeadId::from).map_err(storage(context)))
            .collect::<Result<Vec<_>, _>>()?;
        // The history is written straight away, a chunk at a time, rather than
        // buffered with the unit of work's appends: a batch can be a million leads.
        for chunk in ids.chunks(REVERTED_PER_CHUNK) {
            let deleted: Vec<Activity> = chunk
                .iter()
                .map(|&lead_id| Activity {
                    id: ActivityId::new(),
                    org_id: org,
                    lead_id,
                    actor_id: actor,
                    kind: ActivityKind::Deleted,
                    created_at: now,
                })
                .collect();
            for sql in appends::activity_statements::<D>(&deleted)? {
                self.run(sql, context).await?;
            }
        }
        let delete = Sql::new(
            "UPDATE leads SET deleted_at = $1, updated_at = $1, version = version + 1 \
             WHERE organization_id = $2 AND import_id = $3 AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(org)
        .bind(import);
        self.run(delete, context).await?;
        Ok(u64::try_from(ids.len()).unwrap_or(u64::MAX))
    }
}
