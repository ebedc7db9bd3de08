//! The daily digest, with a clock the test moves: scheduled once per organizer per
//! day however many workers try, naming the day's numbers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use djcrm_adapter_argon2::Argon2Hasher;
use djcrm_adapter_memory::{MemoryCache, MemoryRateLimiter};
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};
use djcrm_application::auth::{ProvisionUserRequest, SignupRequest};
use djcrm_application::jobs::{Links, Outcome, Relay, Worker};
use djcrm_application::leads::CreateLeadRequest;
use djcrm_application::{Crm, CrmSettings, Ports};
use djcrm_domain::jobs::{Job, Work};
use djcrm_domain::ports::{Clock, JobQueue, Mail, MailError, Mailer, QueueError};
use djcrm_domain::{LeadStatus, Role};

/// A clock the test sets.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().expect("the clock") = at;
    }

    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().expect("the clock") += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("the clock")
    }
}

/// A queue that keeps what it is given.
#[derive(Default)]
pub struct Kept(pub Mutex<Vec<Job>>);

#[async_trait::async_trait]
impl JobQueue for Kept {
    async fn enqueue(&self, job: &Job) -> Result<(), QueueError> {
        self.0.lock().expect("the queue").push(job.clone());
        Ok(())
    }
    async fn depth(&self) -> Result<u64, QueueError> {
        Ok(self.0.lock().expect("the queue").len() as u64)
    }
    async fn ping(&self) -> Result<(), QueueError> {
        Ok(())
    }
}

/// A mailer that keeps what it sends.
#[derive(Default)]
pub struct Outbox(pub Mutex<Vec<Mail>>);

#[async_trait::async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        self.0.lock().expect("the outbox").push(mail.clone());
        Ok(format!("<{}@test>", mail.key))
    }
}

fn day_at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .expect("a time")
}

/// A CRM over an in-memory store, on a clock the test moves (30 November, 10:00).
pub struct World {
    pub store: SqliteStore,
    pub clock: Arc<TestClock>,
    pub crm: Crm<SqliteStore>,
}

pub async fn world() -> World {
    let store = djcrm_adapter_sqlite::connect(&SqliteOptions::new("sqlite::memory:"))
        .await
        .expect("a store");
    let clock = Arc::new(TestClock(Mutex::new(day_at(30, 10))));
    let ports = Ports {
        hasher: Arc::new(Argon2Hasher::new(1, Duration::from_secs(5))),
        clock: clock.clone(),
        limiter: Arc::new(MemoryRateLimiter::new()),
        cache: Arc::new(MemoryCache::default()),
    };
    let crm = Crm::new(store.clone(), ports, CrmSettings::default());
    World { store, clock, crm }
}

fn relay(w: &World, queue: &Arc<Kept>, holder: &str) -> Relay<SqliteStore> {
    Relay::new(
        w.store.clone(),
        queue.clone(),
        w.clock.clone(),
        holder,
        Duration::from_secs(30),
    )
}

/// Acme on 30 November: its owner, an organizer, two new leads, one converted.
async fn a_day_at_acme(w: &World) {
    let owner = w
        .crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = w.crm.authenticate(&owner.token).await.expect("the owner");
    w.crm
        .provision_user(ProvisionUserRequest {
            org_id: actor.org_id,
            email: "otto@acme.test".into(),
            full_name: "Otto Organizer".into(),
            role: Role::Organizer,
            password: "organizer password".into(),
        })
        .await
        .expect("an organizer");
    let ada = w
        .crm
        .create_lead(&actor, CreateLeadRequest::named("Ada", "Lovelace"))
        .await
        .expect("a lead");
    w.crm
        .create_lead(&actor, CreateLeadRequest::named("Grace", "Hopper"))
        .await
        .expect("a lead");
    for status in [
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Converted,
    ] {
        w.crm
            .change_lead_status(&actor, ada.id, status, None, None)
            .await
            .expect("a move");
    }
}

#[tokio::test]
async fn each_organizer_gets_one_digest_of_the_day_however_many_workers_try() {
    let w = world().await;
    a_day_at_acme(&w).await;
    let queue = Arc::new(Kept::default());
    w.clock.set(day_at(30, 23));
    assert_eq!(
        relay(&w, &queue, "a")
            .schedule_digests()
            .await
            .expect("a pass"),
        0,
        "the 30th is not over"
    );
    w.clock.set(day_at(30, 23) + TimeDelta::hours(2));
    // Someone who joined after the day gets no digest of it.
    let owner = w.crm.login(djcrm_application::auth::LoginRequest {
        email: "olive@acme.test".into(),
        password: "correct horse battery".into(),
    });
    let org = w
        .crm
        .authenticate(&owner.await.expect("a login").token)
        .await
        .expect("the owner")
        .org_id;
    w.crm
        .provision_user(ProvisionUserRequest {
            org_id: org,
            email: "late@acme.test".into(),
            full_name: "Late Joiner".into(),
            role: Role::Organizer,
            password: "organizer password".into(),
        })
        .await
        .expect("a late organizer");
    let first = relay(&w, &queue, "a")
        .schedule_digests()
        .await
        .expect("a pass");
    assert_eq!(first, 2, "the owner and the organizer");
    assert_eq!(
        relay(&w, &queue, "a")
            .schedule_digests()
            .await
            .expect("a pass"),
        0
    );
    w.clock.set(day_at(30, 23) + TimeDelta::hours(3));
    assert_eq!(
        relay(&w, &queue, "b")
            .schedule_digests()
            .await
            .expect("a pass"),
        0,
        "another worker, once the lease is free, finds the day done"
    );
    let jobs = queue.0.lock().expect("the queue").clone();
    assert!(
        jobs.iter()
            .all(|j| matches!(j.work, Work::DigestMail { .. }))
    );
}

#[tokio::test]
async fn a_digest_names_the_days_numbers_and_is_sent_once() {
    let w = world().await;
    a_day_at_acme(&w).await;
    let queue = Arc::new(Kept::default());
    w.clock.set(day_at(30, 23) + TimeDelta::hours(8));
    relay(&w, &queue, "a")
        .schedule_digests()
        .await
        .expect("a pass");
    let outbox = Arc::new(Outbox::default());
    let worker = Worker::new(
        w.store.clone(),
        outbox.clone(),
        w.clock.clone(),
        Links::new("https://crm.example"),
    );
    let jobs = queue.0.lock().expect("the queue").clone();
    for job in &jobs {
        assert_eq!(
            worker.perform(job, 1, 3).await.expect("sent"),
            Outcome::Done
        );
        assert_eq!(
            worker.perform(job, 1, 3).await.expect("skipped"),
            Outcome::AlreadyDone
        );
    }
    let sent = outbox.0.lock().expect("the outbox").clone();
    assert_eq!(sent.len(), 2);
    let olive = sent
        .iter()
        .find(|m| m.to.as_str() == "olive@acme.test")
        .expect("the owner's digest");
    assert!(olive.subject.contains("Acme"), "{}", olive.subject);
    assert!(
        olive.subject.contains("Monday 30 November 2026"),
        "{}",
        olive.subject
    );
    for line in ["New leads: 2", "Conversions: 1", "untouched for 7 days: 0"] {
        assert!(olive.text.contains(line), "no {line:?} in:\n{}", olive.text);
    }
}
