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
use std::sync::{Arc, Mutex, PoisonError};

use djcrm_domain::{DomainError, Lead, LeadId, OrgId};
use tokio::sync::oneshot;

use crate::engine::{ReadRow, Sql};
use crate::rows::{self, LEAD_COLUMNS};
use crate::{Dialect, RowOf, SqlStore};

/// Most leads one statement reads.
const MOST_PER_STATEMENT: usize = 64;

/// A read's answer: the lead, or `None` when the organization has no such lead.
type Answer = Result<Option<Lead>, DomainError>;

/// A read waiting for its statement.
struct Waiting {
    org: OrgId,
    id: LeadId,
    answer: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    /// Tasks sending statements; each serves the queue until it is empty.
    senders: usize,
}

/// The lead reads of one store waiting to be sent. Shared by the store's clones.
pub(crate) struct LeadBatches {
    queue: Mutex<Queue>,
    /// Most statements in flight at once.
    most_senders: usize,
}

impl LeadBatches {
    /// Batches sending at most `most_senders` statements at once (at least one).
    pub(crate) fn new(most_senders: usize) -> Self {
        Self {
            queue: Mutex::default(),
            most_senders: most_senders.max(1),
        }
    }

    /// Queues a read; a sender's slot when the caller must start a sender for it.
    fn enqueue(self: &Arc<Self>, read: Waiting) -> Option<SenderSlot> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.waiting.push(read);
        (queue.senders < self.most_senders).then(|| {
            queue.senders += 1;
            SenderSlot {
                batches: Arc::clone(self),
                held: true,
            }
        })
    }

    /// The next reads to send: the oldest and up to 63 more of its organization,
    /// oldest first (other organizations' reads are left to this sender's next turn
    /// or another sender). Empty when the queue is, and then the sender asking
    /// gives its slot back and stops.
    fn next(&self, slot: &mut SenderSlot) -> Vec<Waiting> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(org) = queue.waiting.first().map(|read| read.org) else {
            queue.senders -= 1;
            slot.held = false;
            return Vec::new();
        };
        let mut taken = 0;
        queue
            .waiting
            .extract_if(.., |read| {
                let take = read.org == org && taken < MOST_PER_STATEMENT;
                taken += usize::from(take);
                take
            })
            .collect()
    }
}

/// A sender's place among the most allowed, taken when its task is started. Given
/// back when the queue is empty, or when the task ends otherwise (a panic, the
/// runtime going away, the task never run): then, if no sender is left, the reads
/// still queued are let go, and their callers get an error instead of waiting.
struct SenderSlot {
    batches: Arc<LeadBatches>,
    held: bool,
}

impl Drop for SenderSlot {
    fn drop(&mut self) {
        if self.held {
            let mut queue = self
                .batches
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            queue.senders -= 1;
            if queue.senders == 0 {
                queue.waiting.clear();
            }
        }
    }
}

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
            .unwrap_or_else(|_| Err(DomainError::internal("reading a lead", None)))
    }

    /// Sends the queued reads, one organization's at a time, until none wait.
    async fn send_lead_batches(self, mut slot: SenderSlot) {
        loop {
            let batch = self.lead_batches.next(&mut slot);
            let Some(org) = batch.first().map(|read| read.org) else {
                return;
            };
            self.read_leads(org, batch).await;
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
                    let failed = DomainError::storage("reading a lead", Arc::clone(&error));
                    let _ = read.answer.send(Err(failed));
                }
            }
        }
    }
}
