//! The bookkeeping of background jobs: leases, sealed secrets, job runs.

use chrono::TimeDelta;
use djcrm_domain::jobs::{Job, JobKey, JobRun, RunState, Secret, Work};
use djcrm_domain::ports::{EventLog, JobLog, Store, UnitOfWork};
use djcrm_domain::{AgentId, Change, Event, LeadId, OrgId, Position};

use super::fixtures::{now, tenant};

fn job(org: OrgId, key: &str) -> Job {
    Job {
        key: JobKey::from_string(key.to_owned()),
        org_id: org,
        work: Work::LeadAssignedMail {
            lead_id: LeadId::new(),
            agent_id: AgentId::new(),
            by: None,
        },
    }
}

fn run(job: Job, state: RunState, error: Option<&str>) -> JobRun {
    JobRun {
        job,
        state,
        attempts: 3,
        error: error.map(str::to_owned),
        finished_at: now(),
    }
}

pub async fn a_free_lease_is_taken_at_cursor_zero<S: Store>(store: S) {
    let held = store
        .jobs()
        .lease("relay", "a", now(), now() + TimeDelta::seconds(30))
        .await;
    assert_eq!(held.expect("a query"), Some(0));
}

pub async fn a_held_lease_is_refused_to_another_holder<S: Store>(store: S) {
    let until = now() + TimeDelta::seconds(30);
    store
        .jobs()
        .lease("relay", "a", now(), until)
        .await
        .expect("taken");
    let other = store.jobs().lease("relay", "b", now(), until).await;
    assert_eq!(other.expect("a query"), None);
}

pub async fn an_expired_lease_goes_to_another_holder_with_its_cursor<S: Store>(store: S) {
    let jobs = store.jobs();
    let start = now();
    jobs.lease("relay", "a", start, start + TimeDelta::seconds(1))
        .await
        .expect("taken");
    assert!(jobs.advance("relay", "a", 42).await.expect("moved"));
    let later = start + TimeDelta::seconds(2);
    let taken = jobs
        .lease("relay", "b", later, later + TimeDelta::seconds(30))
        .await;
    assert_eq!(taken.expect("a query"), Some(42));
}

pub async fn only_the_holder_moves_the_cursor<S: Store>(store: S) {
    let jobs = store.jobs();
    jobs.lease("relay", "a", now(), now() + TimeDelta::seconds(30))
        .await
        .expect("taken");
    assert!(!jobs.advance("relay", "b", 7).await.expect("a query"));
    let cursor = jobs
        .lease("relay", "a", now(), now() + TimeDelta::seconds(30))
        .await;
    assert_eq!(cursor.expect("a query"), Some(0));
}

pub async fn a_sealed_secret_is_read_until_forgotten<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let change = Change::PasswordResetRequested { expires_at: now() };
    let event = Event::new(acme.org, None, acme.owner.id, change, now());
    let mut uow = store.begin().await.expect("begin");
    uow.append_event(&event).await.expect("appended");
    uow.seal(event.id, &Secret::new("djcrm_secret".to_owned()))
        .await
        .expect("sealed");
    uow.commit().await.expect("commit");
    let secret = store.jobs().secret(event.id).await.expect("a query");
    assert_eq!(
        secret.map(|s| s.expose().to_owned()).as_deref(),
        Some("djcrm_secret")
    );
    let position = store
        .events()
        .tail(Position::START, 10)
        .await
        .expect("a tail")
        .last()
        .expect("the event")
        .position;
    store
        .jobs()
        .forget_secrets(position)
        .await
        .expect("forgotten");
    assert_eq!(store.jobs().secret(event.id).await.expect("a query"), None);
}

pub async fn a_recorded_run_reads_back<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let failed = run(job(acme.org, "k-1"), RunState::Failed, Some("refused"));
    store.jobs().record(&failed).await.expect("recorded");
    let read = store.jobs().run(&failed.job.key).await.expect("a query");
    assert_eq!(read, Some(failed.clone()));
    assert!(
        !store
            .jobs()
            .is_done(&failed.job.key)
            .await
            .expect("a query")
    );
}

pub async fn a_failed_run_done_on_retry_is_done<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let job = job(acme.org, "k-2");
    let jobs = store.jobs();
    jobs.record(&run(job.clone(), RunState::Failed, Some("down")))
        .await
        .expect("recorded");
    jobs.record(&run(job.clone(), RunState::Done, None))
        .await
        .expect("recorded");
    assert!(jobs.is_done(&job.key).await.expect("a query"));
}

pub async fn a_done_run_stays_done<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let job = job(acme.org, "k-3");
    let jobs = store.jobs();
    jobs.record(&run(job.clone(), RunState::Done, None))
        .await
        .expect("recorded");
    jobs.record(&run(job.clone(), RunState::Failed, Some("late")))
        .await
        .expect("recorded");
    assert!(jobs.is_done(&job.key).await.expect("a query"));
}

pub async fn failed_runs_list_by_organization<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let jobs = store.jobs();
    let mine = run(job(acme.org, "k-4"), RunState::Failed, Some("x"));
    jobs.record(&mine).await.expect("recorded");
    jobs.record(&run(job(globex.org, "k-5"), RunState::Failed, Some("y")))
        .await
        .expect("recorded");
    jobs.record(&run(job(acme.org, "k-6"), RunState::Done, None))
        .await
        .expect("recorded");
    let listed = jobs
        .runs(Some(acme.org), RunState::Failed, 10)
        .await
        .expect("a list");
    assert_eq!(listed, vec![mine]);
    let everyone = jobs.runs(None, RunState::Failed, 10).await.expect("a list");
    assert_eq!(everyone.len(), 2);
}

pub async fn organizers_are_the_active_owners_and_organizers_of_every_tenant<S: Store>(store: S) {
    use djcrm_domain::Role;
    use djcrm_domain::ports::UserRepository;

    use super::fixtures::{stored_agent, stored_user};
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let otto = stored_user(&store, acme.org, "otto@acme.test", Role::Organizer).await;
    stored_agent(&store, acme.org, "grace@acme.test").await;
    let mut listed: Vec<_> = store
        .users()
        .organizers(None, 100)
        .await
        .expect("a list")
        .iter()
        .map(|u| u.id)
        .collect();
    let mut expected = vec![acme.owner.id, globex.owner.id, otto.id];
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    let after_first = store
        .users()
        .organizers(Some(expected[0]), 100)
        .await
        .expect("a list");
    assert_eq!(after_first.len(), 2, "paged by id");
}

pub async fn a_digest_counts_the_days_new_leads_conversions_and_untouched<S: Store>(store: S) {
    use djcrm_domain::ports::LeadRepository;
    use djcrm_domain::{ActivityKind, LeadStatus};

    use super::fixtures::{activity, stored_lead};
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    stored_lead(&store, &acme, "Grace").await;
    stored_lead(&store, &globex, "Other").await;
    let converted = activity(
        &ada,
        acme.owner.id,
        ActivityKind::StatusChanged {
            from: LeadStatus::Qualified,
            to: LeadStatus::Converted,
            note: None,
        },
    );
    let mut uow = store.begin().await.expect("begin");
    uow.append_activity(&converted).await.expect("appended");
    uow.commit().await.expect("commit");
    let (from, to) = (now() - TimeDelta::hours(1), now() + TimeDelta::hours(1));
    let day = store
        .leads()
        .digest(acme.org, from, to, to)
        .await
        .expect("a digest");
    assert_eq!((day.new_leads, day.conversions, day.untouched), (2, 1, 2));
    assert_eq!(day.oldest_untouched.len(), 2);
    let earlier = store
        .leads()
        .digest(acme.org, from - TimeDelta::days(1), from, from)
        .await
        .expect("a digest");
    assert_eq!(
        (earlier.new_leads, earlier.conversions, earlier.untouched),
        (0, 0, 0)
    );
}
