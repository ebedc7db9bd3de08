//! Lead reads that arrive together go to the database together.
//!
//! A lead's detail is the read that most often misses the cache (a sales team
//! working through a list opens lead after lead), and alone each is a statement
//! and a round trip: measured under 32 clients on PostgreSQL, a detail that missed
//! cost three times one served from the cache. Here reads that arrive while the
//! database is busy with others wait in a queue and go as one statement
//! (`id IN (...)`), as GraphQL's DataLoader and Prisma's `findUnique` batch theirs.
//! A read that finds a statement slot free goes at once, so nothing ever waits for
//! company; only reads that would have queued for a connection anyway are grouped.
//!
//! Statements run in a task of their own, not in the caller's future: a caller
//! that gives up (its client went away) leaves its read to finish for the others
//! in its statement.

use std::collections::HashMap;
use std::sync::Arc;

use djcrm_domain::{DomainError, Lead, LeadId, OrgId};
use tokio::sync::oneshot;

use crate::batches::{Batches, SenderSlot};
use crate::engine::{ReadRow, Sql};
use crate::rows::{self, LEAD_COLUMNS};
use crate::{Dialect, RowOf, SqlStore};

const CONTEXT: &str = "reading a lead";

/// Most leads one statement reads.
const MOST_PER_STATEMENT: usize = 64;

/// A read's answer: the lead, or `None` when the organization has no such lead.
type Answer = Result<Option<Lead>, DomainError>;

/// A read waiting for its statement.
pub(crate) struct Waiting {
    org: OrgId,
    id: LeadId,
    answer: oneshot::Sender<Answer>,
}

/// The lead reads of one store waiting to be sent.
pub(crate) type LeadBatches = Batches<Waiting>;

impl<D: Dialect> SqlStore<D> {
    /// Lead `id` of `org`, read together with whatever other lead reads are
    /// waiting.
    pub(crate) async fn batched_lead(&self, org: OrgId, id: LeadId) -> Answer {
        let (answer, answered) = oneshot::channel();
        if let Some(slot) = self.lead_batches.enqueue(Waiting { org, id, answer }) {
            tokio::spawn(self.clone().send_lead_batches(slot));
        }
        // An answer is dropped unsent only when its sender's task ended abnormally.
        answered
            .await
            .unwrap_or_else(|_| Err(DomainError::internal(CONTEXT, None)))
    }

    /// Sends the queued reads, one organization's at a time, until none wait.
    async fn send_lead_batches(self, mut slot: SenderSlot<Waiting>) {
        loop {
            // The oldest read and up to 63 more of its organization; other
            // organizations' reads wait for this sender's next turn or another's.
            let mut taken = 1;
            let Some(turn) = slot.next(|oldest, read| {
                let joins = read.org == oldest.org && taken < MOST_PER_STATEMENT;
                taken += usize::from(joins);
                joins
            }) else {
                return;
            };
            for read in turn.overdue {
                let _ = read.answer.send(Err(crate::batches::overdue()));
            }
            if let Some(org) = turn.batch.first().map(|read| read.org) {
                self.read_leads(org, turn.batch).await;
            }
        }
    }

    /// Reads the leads `reads` ask for, all of `org`, and answers each.
    async fn read_leads(&self, org: OrgId, reads: Vec<Waiting>) {
        metrics::histogram!("djcrm_db_lead_reads_per_statement")
            .record(f64::from(u32::try_from(reads.len()).unwrap_or(u32::MAX)));
        let mut sql = Sql::new("SELECT ");
        sql.push(LEAD_COLUMNS)
            .push(" FROM leads WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id IN (");
        let mut asked: Vec<LeadId> = reads.iter().map(|read| read.id).collect();
        asked.sort_unstable();
        asked.dedup();
        // Padded to a power of two (the last id repeated): a handful of statement
        // shapes for the connections' prepared-statement caches, not one per count.
        if let Some(&last) = asked.last() {
            asked.resize(asked.len().next_power_of_two(), last);
        }
        for (n, id) in asked.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.push_bind(*id);
        }
        sql.push(") AND deleted_at IS NULL");
        match self.fetch_all(sql, "reading leads").await {
            Ok(found) => {
                let by_id: HashMap<LeadId, &RowOf<D>> = found
                    .iter()
                    .filter_map(|row| row.uuid("id").ok().map(|id| (LeadId::from(id), row)))
                    .collect();
                for read in reads {
                    // Each answer parses its own row: a corrupt one fails only its readers.
                    let lead = by_id.get(&read.id).map(|row| rows::lead(*row)).transpose();
                    let _ = read.answer.send(lead);
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for read in reads {
                    let failed = DomainError::storage(CONTEXT, Arc::clone(&error));
                    let _ = read.answer.send(Err(failed));
                }
            }
        }
    }
}
