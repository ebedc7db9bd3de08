//! Reading a file into leads: a batch of rows per transaction, each batch
//! recorded on the import (so it can be followed, and resumed after a crash),
//! duplicates found by email, every row checked by the domain.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csv_async::{AsyncReaderBuilder, ByteRecord};
use djcrm_domain::ports::{Clock, Store, UnitOfWork};
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, AgentId, Category, CategoryId, Change, DomainError,
    Duplicates, Email, Event, Import, ImportCounts, ImportState, Lead, LeadEdit, LeadId, Rejection,
};
use tokio::io::AsyncRead;

use super::columns::{Columns, ColumnsError};
use super::rows::{self, Candidate};
use super::{ImportError, ImportObserver};
use crate::catalog;

/// Rows per transaction unless told otherwise.
pub const BATCH_ROWS: usize = 2000;

/// Rows after which an import first refreshes the planner's statistics, then
/// each time it has read four times as many.
const FIRST_REFRESH: u64 = 10_000;

/// Reads files into leads for one store.
pub struct Importer<'a, S: Store> {
    store: &'a S,
    clock: &'a dyn Clock,
    batch_rows: usize,
}

/// What a batch found out about the organization, kept from one batch to the next.
struct Known {
    /// Categories by lower-cased name.
    categories: HashMap<String, CategoryId>,
    /// Active agents by email.
    agents: HashMap<String, AgentId>,
}

impl<'a, S: Store> Importer<'a, S> {
    /// An importer writing to `store` at the time `clock` tells.
    pub fn new(store: &'a S, clock: &'a dyn Clock) -> Self {
        Self {
            store,
            clock,
            batch_rows: BATCH_ROWS,
        }
    }

    /// The importer, committing `rows` rows at a time.
    #[must_use]
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Reads `source` into `import` (stored and running, or with `dry_run` only in
    /// memory), from the row after the last one it counted. With `dry_run` every
    /// batch is checked against the store and rolled back; duplicates between two
    /// batches of one file are then not seen.
    ///
    /// # Errors
    /// - [`ImportError::Columns`] when the header cannot be used (the import is
    ///   recorded as failed).
    /// - [`ImportError::Stopped`] when the import was reverted, or is run elsewhere.
    /// - [`ImportError::Read`] or [`ImportError::Store`]: the import stays running,
    ///   to be resumed.
    pub async fn run<R: AsyncRead + Unpin + Send>(
        &self,
        mut import: Import,
        source: R,
        dry_run: bool,
        observer: &mut dyn ImportObserver,
    ) -> Result<Import, ImportError> {
        let mut reader = AsyncReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .create_reader(source);
        let headers = match reader.byte_headers().await {
            Ok(headers) => headers
                .iter()
                .map(|h| std::str::from_utf8(h).map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ColumnsError::HeaderEncoding),
            Err(error) => return Err(ImportError::Read(error.to_string())),
        };
        let columns = match headers.and_then(|h| Columns::resolve(h, &import.mapping)) {
            Ok(columns) => columns,
            Err(error) => {
                if !dry_run {
                    self.fail(&import, &error.to_string()).await?;
                }
                return Err(ImportError::Columns(error));
            }
        };
        observer.columns(&columns);
        let mut known = Known {
            categories: catalog::categories(self.store, import.org_id)
                .await?
                .into_iter()
                .map(|c| (c.name.as_str().to_lowercase(), c.id))
                .collect(),
            agents: catalog::agents(self.store, import.org_id)
                .await?
                .into_iter()
                .filter(|a| a.active)
                .map(|a| (a.email.as_str().to_owned(), a.id))
                .collect(),
        };
        let mut skip = import.counts.rows;
        let mut next_refresh = FIRST_REFRESH.max(skip.saturating_mul(4));
        let mut batch: Vec<(u64, ByteRecord)> = Vec::with_capacity(self.batch_rows);
        let mut record = ByteRecord::new();
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .await
                .map_err(|e| ImportError::Read(e.to_string()))?;
            if more {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let line = record.position().map_or(0, csv_async::Position::line);
                batch.push((line, std::mem::take(&mut record)));
            }
            if batch.len() >= self.batch_rows || (!more && !batch.is_empty()) {
                let bytes = record.position().map_or(0, csv_async::Position::byte);
                import = self
                    .batch(import, &columns, &batch, &mut known, dry_run, observer)
                    .await?;
                observer.progress(&import, bytes);
                batch.clear();
                if !dry_run && import.counts.rows >= next_refresh {
                    // Without fresh statistics a planner takes a tenant that grew
                    // from nothing to be tiny, and finds duplicates by reading all
                    // of its leads: measured on PostgreSQL, every batch slower
                    // than the last.
                    self.refresh_statistics().await;
                    next_refresh = next_refresh.saturating_mul(4);
                }
            }
            if !more {
                break;
            }
        }
        if dry_run {
            return Ok(import);
        }
        let import = self.finish(import).await?;
        self.refresh_statistics().await;
        Ok(import)
    }

    /// Refreshes the planner's statistics; a failure only slows later queries,
    /// so it is logged, not returned.
    async fn refresh_statistics(&self) {
        if let Err(error) = self.store.refresh_statistics().await {
            tracing::warn!(error = %djcrm_domain::chain(&error),
                "the planner's statistics were not refreshed during an import");
        }
    }

    /// Writes one batch of rows in one transaction.
    async fn batch(
        &self,
        import: Import,
        columns: &Columns,
        records: &[(u64, ByteRecord)],
        known: &mut Known,
        dry_run: bool,
        observer: &mut dyn ImportObserver,
    ) -> Result<Import, ImportError> {
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut import = if dry_run {
            import
        } else {
            let stored = uow.import_for_update(import.org_id, import.id).await?;
            if stored.state != ImportState::Running || stored.counts.rows != import.counts.rows {
                return Err(ImportError::Stopped(stored.state));
            }
            stored
        };
        let mut rejected = Vec::new();
        let mut candidates = Vec::with_capacity(records.len());
        for (line, record) in records {
            match rows::read(columns, record, *line) {
                Ok(candidate) => candidates.push(candidate),
                Err(rejection) => rejected.push(rejection),
            }
        }
        let emails: Vec<Email> = candidates.iter().filter_map(|c| c.email.clone()).collect();
        let mut existing: HashMap<String, Lead> = uow
            .leads_by_email_for_update(import.org_id, &emails)
            .await?
            .into_iter()
            .filter_map(|lead| Some((lead.email.as_ref()?.as_str().to_owned(), lead)))
            .collect();
        let mut batch = Batch {
            import: &import,
            now,
            created: Vec::new(),
            by_email: HashMap::new(),
            activities: Vec::new(),
            counts: ImportCounts::default(),
        };
        let mut categories = known.categories.clone();
        for candidate in candidates {
            let line = candidate.line;
            let agent = match &candidate.agent {
                Some(email) => match known.agents.get(email.as_str()) {
                    Some(id) => Some(*id),
                    None => {
                        rejected.push(Rejection {
                            line,
                            problems: vec![djcrm_domain::Problem {
                                column: agent_header(columns),
                                reason: "no active agent of the organization has this email"
                                    .to_owned(),
                            }],
                        });
                        continue;
                    }
                },
                None => None,
            };
            let category = match &candidate.category {
                Some(name) => {
                    Some(category_id(&mut uow, &import, &mut categories, name, now).await?)
                }
                None => None,
            };
            batch
                .apply(&mut uow, candidate, agent, category, &mut existing)
                .await?;
        }
        let mut counts = batch.counts;
        let created = std::mem::take(&mut batch.created);
        let activities = std::mem::take(&mut batch.activities);
        if !dry_run {
            // A dry run's import is not stored, so its leads could not name it;
            // everything else of the batch is still checked, then rolled back.
            uow.insert_imported_leads(import.id, &created).await?;
            for activity in &activities {
                uow.append_activity(activity).await?;
            }
        }
        counts.rows = u64::try_from(records.len()).unwrap_or(u64::MAX);
        counts.rejected = u64::try_from(rejected.len()).unwrap_or(u64::MAX);
        import.counts = import.counts.plus(counts);
        import.updated_at = now;
        if !dry_run {
            uow.insert_rejections(import.org_id, import.id, &rejected)
                .await?;
            uow.save_import(&import).await?;
            uow.commit().await?;
            known.categories = categories;
        }
        for rejection in &rejected {
            observer.rejected(rejection);
        }
        Ok(import)
    }

    /// Marks the import done, drops its upload and records `import.completed`.
    async fn finish(&self, import: Import) -> Result<Import, ImportError> {
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut stored = uow.import_for_update(import.org_id, import.id).await?;
        if stored.state != ImportState::Running {
            return Err(ImportError::Stopped(stored.state));
        }
        stored.state = ImportState::Done;
        stored.updated_at = now;
        stored.finished_at = Some(now);
        uow.save_import(&stored).await?;
        uow.delete_upload(stored.org_id, stored.id).await?;
        let completed = Change::ImportCompleted {
            counts: stored.counts,
        };
        uow.append_event(&import_event(&stored, completed, now))
            .await?;
        uow.commit().await?;
        Ok(stored)
    }

    /// Marks the import failed with `reason`, drops its upload and records
    /// `import.failed`; the rows committed before stay until it is reverted.
    ///
    /// # Errors
    /// [`DomainError`] when the store fails.
    pub async fn fail(&self, import: &Import, reason: &str) -> Result<(), DomainError> {
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut stored = uow.import_for_update(import.org_id, import.id).await?;
        if !stored.state.is_open() {
            return Ok(());
        }
        stored.state = ImportState::Failed;
        stored.error = Some(reason.to_owned());
        stored.updated_at = now;
        stored.finished_at = Some(now);
        uow.save_import(&stored).await?;
        uow.delete_upload(stored.org_id, stored.id).await?;
        let failed = Change::ImportFailed {
            reason: reason.to_owned(),
            counts: stored.counts,
        };
        uow.append_event(&import_event(&stored, failed, now))
            .await?;
        uow.commit().await
    }
}

/// An event about `import`, by whoever asked for it.
pub(super) fn import_event(import: &Import, change: Change, now: DateTime<Utc>) -> Event {
    Event::new(import.org_id, import.requested_by, import.id, change, now)
}

fn agent_header(columns: &Columns) -> Option<String> {
    (0..columns.headers().len())
        .find(|&i| columns.column(i) == djcrm_domain::ImportColumn::AgentEmail)
        .and_then(|i| columns.headers().get(i).cloned())
}

/// The id of the category named `name`, created (with its event) when the
/// organization has none of that name.
async fn category_id<U: UnitOfWork>(
    uow: &mut U,
    import: &Import,
    categories: &mut HashMap<String, CategoryId>,
    name: &djcrm_domain::CategoryName,
    now: DateTime<Utc>,
) -> Result<CategoryId, DomainError> {
    let key = name.as_str().to_lowercase();
    if let Some(id) = categories.get(&key) {
        return Ok(*id);
    }
    let category = Category {
        id: CategoryId::new(),
        org_id: import.org_id,
        name: name.clone(),
        created_at: now,
        updated_at: now,
    };
    uow.insert_category(&category).await?;
    let created = Change::CategoryCreated {
        name: category.name.as_str().to_owned(),
    };
    uow.append_event(&Event::new(
        import.org_id,
        import.requested_by,
        category.id,
        created,
        now,
    ))
    .await?;
    categories.insert(key, category.id);
    Ok(category.id)
}

/// The writes one batch collects.
struct Batch<'i> {
    import: &'i Import,
    now: DateTime<Utc>,
    created: Vec<Lead>,
    /// Leads created in this batch, by email: a later row with the same email is
    /// their duplicate.
    by_email: HashMap<String, usize>,
    activities: Vec<Activity>,
    counts: ImportCounts,
}

impl Batch<'_> {
    fn activity(&mut self, lead: LeadId, kind: ActivityKind) {
        self.activities.push(Activity {
            id: ActivityId::new(),
            org_id: self.import.org_id,
            lead_id: lead,
            actor_id: self.import.requested_by,
            kind,
            created_at: self.now,
        });
    }

    async fn apply<U: UnitOfWork>(
        &mut self,
        uow: &mut U,
        row: Candidate,
        agent: Option<AgentId>,
        category: Option<CategoryId>,
        existing: &mut HashMap<String, Lead>,
    ) -> Result<(), DomainError> {
        let key = row.email.as_ref().map(|e| e.as_str().to_owned());
        if let Some(key) = &key {
            if let Some(lead) = existing.get_mut(key) {
                if self.import.duplicates == Duplicates::Skip {
                    self.counts.skipped += 1;
                    return Ok(());
                }
                let expected = lead.version();
                let kinds = update(lead, &row, agent, category, self.now);
                if !kinds.is_empty() {
                    uow.save_lead(lead, expected).await?;
                    let id = lead.id;
                    for kind in kinds {
                        self.activity(id, kind);
                    }
                }
                self.counts.updated += 1;
                return Ok(());
            }
            if let Some(&index) = self.by_email.get(key) {
                if self.import.duplicates == Duplicates::Skip {
                    self.counts.skipped += 1;
                } else {
                    // Not written yet: the later row's values simply win.
                    overwrite(&mut self.created[index], row, agent, category);
                    self.counts.updated += 1;
                }
                return Ok(());
            }
        }
        let mut lead = Lead::new(
            LeadId::new(),
            self.import.org_id,
            row.first_name,
            row.last_name,
            self.now,
        )
        .with_imported_status(row.status.unwrap_or(djcrm_domain::LeadStatus::New));
        lead.email = row.email;
        lead.phone = row.phone;
        lead.description = row.description;
        lead.category_id = category;
        lead.agent_id = agent;
        self.activity(lead.id, ActivityKind::Created);
        if let Some(key) = key {
            self.by_email.insert(key, self.created.len());
        }
        self.created.push(lead);
        self.counts.created += 1;
        Ok(())
    }
}

/// The values `row` gives, over a lead this batch has not written yet.
fn overwrite(
    lead: &mut Lead,
    row: Candidate,
    agent: Option<AgentId>,
    category: Option<CategoryId>,
) {
    lead.first_name = row.first_name;
    lead.last_name = row.last_name;
    lead.phone = row.phone.or(lead.phone.take());
    lead.description = row.description.or(lead.description.take());
    lead.category_id = category.or(lead.category_id);
    lead.agent_id = agent.or(lead.agent_id);
}

/// Writes a duplicate row's details over `lead`: the values the row gives, the
/// others kept; the history entries of what changed. The status is the pipeline's.
fn update(
    lead: &mut Lead,
    row: &Candidate,
    agent: Option<AgentId>,
    category: Option<CategoryId>,
    now: DateTime<Utc>,
) -> Vec<ActivityKind> {
    let edit = LeadEdit {
        first_name: Some(row.first_name.clone()),
        last_name: Some(row.last_name.clone()),
        email: None,
        phone: row.phone.clone().map(Some),
        description: row.description.clone().map(Some),
        category_id: category.map(Some),
    };
    let mut kinds = Vec::new();
    let fields = lead.edit(edit, now);
    if !fields.is_empty() {
        kinds.push(ActivityKind::Updated { fields });
    }
    if agent.is_some() && lead.assign(agent, now).is_some() {
        kinds.push(ActivityKind::Assigned { agent_id: agent });
    }
    kinds
}
