//! The relay: committed events in, jobs out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveTime, TimeDelta};
use djcrm_domain::jobs::{Job, JobKey, Work};
use djcrm_domain::ports::{
    Clock, EventLog, JobLog, JobQueue, Store, UserRepository, WebhookRepository,
};
use djcrm_domain::{
    BoxError, Change, DomainError, ImportOrigin, OrgId, Position, RecordedEvent, Webhook,
};

/// The name of the relay's lease and cursor.
pub const RELAY_LEASE: &str = "relay";

/// The name of the digest scheduler's lease; its cursor is the last day scheduled
/// (days since 1 January of year 1).
pub const DIGEST_LEASE: &str = "digest";

/// Organizers read per page when scheduling digests.
const ORGANIZERS_PER_PAGE: u32 = 500;

/// How often the relay checks whether the day's digests are due.
const DIGEST_CHECK: Duration = Duration::from_secs(60);

/// Events read per pass.
const BATCH: u32 = 200;

/// What one pass of the relay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayStep {
    /// Another worker holds the relay's lease.
    NotHolder,
    /// There was nothing new.
    Idle,
    /// It moved past this many events.
    Relayed(usize),
}

/// Why a pass of the relay stopped; the next pass starts again from the cursor.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The store failed.
    #[error("the relay could not read or move its cursor")]
    Store(#[from] DomainError),
    /// The queue refused a job.
    #[error("the relay could not enqueue a job")]
    Queue(#[source] BoxError),
}

/// How far the relay is behind the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLag {
    /// Events recorded and not yet relayed, counted up to the limit asked for.
    pub events: u64,
    /// How long the oldest of them has waited; zero when none waits.
    pub oldest: Duration,
}

/// How far the relay is behind at `now`, counting at most `limit` waiting events
/// (the metrics ask every few seconds; the count stops where it stops mattering).
///
/// # Errors
/// [`DomainError`] when the store cannot be read.
pub async fn outbox_lag<S: Store>(
    store: &S,
    now: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<OutboxLag, DomainError> {
    let cursor = store.jobs().cursor(RELAY_LEASE).await?;
    let waiting = store.events().tail(Position::new(cursor), limit).await?;
    let oldest = waiting
        .first()
        .and_then(|e| (now - e.event.occurred_at).to_std().ok())
        .unwrap_or_default();
    Ok(OutboxLag {
        events: u64::try_from(waiting.len()).unwrap_or(u64::MAX),
        oldest,
    })
}

/// Turns committed events into jobs. Run one in every worker: a lease lets one at a
/// time work, and another takes over when that one stops renewing it.
pub struct Relay<S: Store> {
    store: S,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    holder: String,
    lease: TimeDelta,
}

impl<S: Store> Relay<S> {
    /// A relay named `holder` (unique per process) over `store`, enqueueing on
    /// `queue`. It holds its lease for `lease` past each pass.
    pub fn new(
        store: S,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
        holder: impl Into<String>,
        lease: Duration,
    ) -> Self {
        Self {
            store,
            queue,
            clock,
            holder: holder.into(),
            lease: TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(30)),
        }
    }

    /// One pass: takes (or renews) the lease, reads the events after the cursor,
    /// enqueues their jobs, moves the cursor past them.
    ///
    /// # Errors
    /// [`RelayError`] when the store or the queue fails; nothing is lost, the next
    /// pass enqueues the same jobs again.
    pub async fn step(&self) -> Result<RelayStep, RelayError> {
        let jobs = self.store.jobs();
        let now = self.clock.now();
        let Some(cursor) = jobs
            .lease(RELAY_LEASE, &self.holder, now, now + self.lease)
            .await?
        else {
            return Ok(RelayStep::NotHolder);
        };
        let events = self
            .store
            .events()
            .tail(Position::new(cursor), BATCH)
            .await?;
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(RelayStep::Idle);
        };
        tracing::debug!(after = cursor, events = events.len(), "relaying events");
        let mut webhooks: HashMap<OrgId, Vec<Webhook>> = HashMap::new();
        for event in &events {
            let org = event.event.org_id;
            if let std::collections::hash_map::Entry::Vacant(entry) = webhooks.entry(org) {
                let active = self.store.webhooks().list(org).await?;
                entry.insert(active.into_iter().filter(|w| w.active).collect());
            }
            let deliveries = webhooks
                .get(&org)
                .into_iter()
                .flatten()
                .filter(|w| w.events.matches(event.event.event_type()))
                .map(|w| Job {
                    key: JobKey::for_delivery(w.id, event.event.id),
                    org_id: org,
                    work: Work::WebhookDelivery {
                        webhook_id: w.id,
                        event_id: event.event.id,
                    },
                });
            for job in self.jobs_for(event).await?.into_iter().chain(deliveries) {
                tracing::debug!(job = %job.key, "enqueueing");
                self.queue
                    .enqueue(&job)
                    .await
                    .map_err(|e| RelayError::Queue(Box::new(e)))?;
            }
        }
        if !jobs.advance(RELAY_LEASE, &self.holder, last.get()).await? {
            // The lease went to another relay meanwhile; it enqueues these again and
            // their keys make the copies harmless.
            return Ok(RelayStep::NotHolder);
        }
        jobs.forget_secrets(last).await?;
        Ok(RelayStep::Relayed(events.len()))
    }

    /// Schedules yesterday's digest (UTC) for every active organizer, once: under
    /// its own lease, with the last day scheduled as its cursor, and each job keyed
    /// by organizer and day. Organizers who joined after that day get none. Answers
    /// how many it scheduled.
    ///
    /// # Errors
    /// [`RelayError`] when the store or the queue fails; the next pass tries again
    /// (jobs already enqueued are keyed, so none is sent twice).
    pub async fn schedule_digests(&self) -> Result<usize, RelayError> {
        let now = self.clock.now();
        let Some(day) = now.date_naive().pred_opt() else {
            return Ok(0);
        };
        let number = i64::from(day.num_days_from_ce());
        let jobs = self.store.jobs();
        let Some(cursor) = jobs
            .lease(DIGEST_LEASE, &self.holder, now, now + self.lease)
            .await?
        else {
            return Ok(0);
        };
        if cursor >= number {
            return Ok(0);
        }
        let day_end = (day + TimeDelta::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        let mut scheduled = 0;
        let mut after = None;
        loop {
            let organizers = self
                .store
                .users()
                .organizers(after, ORGANIZERS_PER_PAGE)
                .await?;
            for user in organizers.iter().filter(|u| u.created_at < day_end) {
                let job = Job {
                    key: JobKey::for_digest(user.id, day),
                    org_id: user.org_id,
                    work: Work::DigestMail {
                        user_id: user.id,
                        day,
                    },
                };
                self.queue
                    .enqueue(&job)
                    .await
                    .map_err(|e| RelayError::Queue(Box::new(e)))?;
                scheduled += 1;
            }
            after = organizers.last().map(|u| u.id);
            if organizers.len() < ORGANIZERS_PER_PAGE as usize {
                break;
            }
        }
        jobs.advance(DIGEST_LEASE, &self.holder, number).await?;
        tracing::info!(%day, scheduled, "digests scheduled");
        Ok(scheduled)
    }

    /// Passes until `stop` resolves, pausing `idle` when there is nothing to do and
    /// backing off when the store or queue fails; checks every minute whether the
    /// day's digests are due.
    pub async fn run(&self, idle: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut failures: u32 = 0;
        let mut digests_checked: Option<tokio::time::Instant> = None;
        loop {
            if digests_checked.is_none_or(|at| at.elapsed() >= DIGEST_CHECK) {
                digests_checked = Some(tokio::time::Instant::now());
                if let Err(error) = self.schedule_digests().await {
                    tracing::warn!(error = %djcrm_domain::chain(&error), "scheduling digests failed");
                }
            }
            let pause = match self.step().await {
                Ok(RelayStep::Relayed(_)) => {
                    failures = 0;
                    Duration::ZERO
                }
                Ok(RelayStep::Idle | RelayStep::NotHolder) => {
                    failures = 0;
                    idle
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %djcrm_domain::chain(&error), "relay pass failed");
                    idle.saturating_mul(failures.min(30))
                }
            };
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// The jobs an event calls for.
    async fn jobs_for(&self, recorded: &RecordedEvent) -> Result<Vec<Job>, RelayError> {
        let event = &recorded.event;
        let job = |kind: &str, work| Job {
            key: JobKey::for_event(event.id, kind),
            org_id: event.org_id,
            work,
        };
        let work = match &event.change {
            Change::InvitationSent { .. } => {
                let Some(token) = self.sealed(recorded).await? else {
                    return Ok(Vec::new());
                };
                Work::InvitationMail {
                    invitation_id: event.subject_id.into(),
                    token,
                }
            }
            Change::PasswordResetRequested { expires_at } => {
                let Some(token) = self.sealed(recorded).await? else {
                    return Ok(Vec::new());
                };
                Work::PasswordResetMail {
                    user_id: event.subject_id.into(),
                    token,
                    expires_at: *expires_at,
                }
            }
            Change::LeadAssigned { agent_id, .. } => Work::LeadAssignedMail {
                lead_id: event.subject_id.into(),
                agent_id: *agent_id,
                by: event.actor_id,
            },
            Change::LeadCreated { lead } => match lead.agent_id {
                Some(agent_id) => Work::LeadAssignedMail {
                    lead_id: event.subject_id.into(),
                    agent_id,
                    by: event.actor_id,
                },
                None => return Ok(Vec::new()),
            },
            Change::ImportCreated {
                origin: ImportOrigin::Upload,
                ..
            } => Work::Import {
                import_id: event.subject_id.into(),
            },
            _ => return Ok(Vec::new()),
        };
        let kind = work.kind();
        Ok(vec![job(kind, work)])
    }

    async fn sealed(
        &self,
        recorded: &RecordedEvent,
    ) -> Result<Option<djcrm_domain::jobs::Secret>, RelayError> {
        let secret = self.store.jobs().secret(recorded.event.id).await?;
        if secret.is_none() {
            // Only when a secret was removed by hand: the mail cannot be written.
            tracing::error!(event_id = %recorded.event.id, position = %recorded.position,
                "an event's sealed secret is missing; its mail is skipped");
        }
        Ok(secret)
    }
}
