//! The outbox contract: the events of committed units of work come back, in
//! position order and each once, to their organization's feed and to relays tailing
//! every organization; nothing of a dropped unit of work ever does; and a reader
//! never skips an event, even when concurrent writers commit out of position order.
//! Written once (generic over [`Store`]) and run against every store by
//! `outbox_contract!`.
//!
//! SQLite runs on a file here, not in memory: the concurrency tests need readers
//! and writers on connections of their own (an in-memory store has one).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};
use djcrm_domain::events::{AgentField, AgentSnapshot, LeadSnapshot, LoginFailure, Revocation};
use djcrm_domain::ports::{EventLog, Store, UnitOfWork};
use djcrm_domain::{
    ActivityId, AgentId, CategoryId, Change, Event, EventId, EventType, FeedQuery, LeadField,
    LeadStatus, Limit, OrgId, Position, RecordedEvent, Role, TokenId, UserId,
};
use tokio::time::{Instant, sleep, timeout};

use crate::contract::fixtures::{Tenant, agent, email, lead, now, tenant};
use crate::contract::postgres;

/// Writers in the stress test, each committing or dropping this many units of work.
const WRITERS: u64 = 8;
const UNITS: u64 = 25;

/// A store on a SQLite file of its own, removed with the directory.
async fn sqlite_file() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    let mut options = SqliteOptions::new(url);
    // Every writer of the stress test and the tailer hold a connection at once.
    options.max_connections = 16;
    let store = djcrm_adapter_sqlite::connect(&options)
        .await
        .expect("a SQLite store on a file");
    (store, dir)
}

/// An event of the tenant, told apart by `label`.
fn event(t: &Tenant, label: &str) -> Event {
    let change = Change::CategoryCreated {
        name: label.to_owned(),
    };
    Event::new(t.org, Some(t.owner.id), CategoryId::new(), change, now())
}

/// Events of the tenant, one per label.
fn events(t: &Tenant, labels: &[&str]) -> Vec<Event> {
    labels.iter().map(|label| event(t, label)).collect()
}

/// Appends `events` in one unit of work, and commits it.
async fn commit_events<S: Store>(store: &S, events: &[Event]) {
    let mut uow = store.begin().await.expect("begin");
    for event in events {
        uow.append_event(event).await.expect("an event");
    }
    uow.commit().await.expect("commit");
}

/// A feed query for everything after `after`, a page as large as allowed.
fn everything_after(after: Position) -> FeedQuery {
    FeedQuery {
        after,
        limit: Limit::new(100).expect("a valid limit"),
        types: Vec::new(),
    }
}

fn events_of(recorded: &[RecordedEvent]) -> Vec<Event> {
    recorded.iter().map(|r| r.event.clone()).collect()
}

fn last_position(recorded: &[RecordedEvent]) -> Position {
    recorded.last().map_or(Position::START, |r| r.position)
}

fn strictly_increasing(recorded: &[RecordedEvent]) -> bool {
    recorded.windows(2).all(|w| w[0].position < w[1].position)
}

pub async fn committed_events_come_back_oldest_first_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second", "third"]);
    commit_events(&store, &written[..2]).await;
    commit_events(&store, &written[2..]).await;
    let feed = store
        .events()
        .feed(acme.org, &everything_after(Position::START))
        .await
        .expect("a feed");
    assert_eq!(events_of(&feed.events), written);
}

pub async fn committed_events_have_increasing_positions<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    commit_events(&store, &events(&acme, &["first", "second"])).await;
    commit_events(&store, &events(&acme, &["third"])).await;
    let feed = store
        .events()
        .feed(acme.org, &everything_after(Position::START))
        .await
        .expect("a feed");
    let positions: Vec<Position> = feed.events.iter().map(|r| r.position).collect();
    assert!(
        positions.first() > Some(&Position::START) && strictly_increasing(&feed.events),
        "{positions:?}"
    );
}

/// Payloads carry every kind of data a change holds (snapshots, lists, enums,
/// instants, text with newlines and accents) and no actor for an operator.
pub async fn every_kind_of_change_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = lead(acme.org, "Ada");
    ada.email = Some(email("ada@example.com"));
    let alice = AgentSnapshot::from(&agent(acme.org, "alice@acme.test"));
    let changes = [
        Change::LeadCreated {
            lead: LeadSnapshot::from(&ada),
        },
        Change::LeadUpdated {
            fields: vec![LeadField::FirstName, LeadField::Email],
            lead: LeadSnapshot::from(&ada),
        },
        Change::LeadAssigned {
            agent_id: AgentId::new(),
            previous_agent_id: None,
            version: 2,
        },
        Change::LeadUnassigned {
            previous_agent_id: AgentId::new(),
            version: 3,
        },
        Change::LeadStatusChanged {
            from: LeadStatus::New,
            to: LeadStatus::Contacted,
            note: Some("Called \"twice\",\nreached ünïcødé voicemail".to_owned()),
            version: 4,
        },
        Change::LeadDeleted { version: 5 },
        Change::NoteAdded {
            activity_id: ActivityId::new(),
            body: "Prefers email".to_owned(),
        },
        Change::AgentUpdated {
            fields: vec![AgentField::FullName, AgentField::Active],
            agent: alice.clone(),
        },
        Change::AgentDeactivated { agent: alice },
        Change::CategoryRenamed {
            from: "Web".to_owned(),
            to: "Website".to_owned(),
        },
        Change::CategoryDeleted {
            name: "Website".to_owned(),
            leads_uncategorised: 3,
        },
        Change::OrganizationUpdated {
            previous_name: "Acme".to_owned(),
            name: "Acme Corporation".to_owned(),
        },
        Change::UserSignedUp {
            organization_name: "Acme".to_owned(),
            email: "owner@acme.test".to_owned(),
            full_name: "Someone".to_owned(),
        },
        Change::UserCreated {
            email: "org@acme.test".to_owned(),
            full_name: "Org".to_owned(),
            role: Role::Organizer,
        },
        Change::UserLoggedIn {
            token_id: TokenId::new(),
        },
        Change::UserLoginFailed {
            reason: LoginFailure::WrongPassword,
        },
        Change::TokenIssued {
            user_id: acme.owner.id,
            expires_at: now() + TimeDelta::hours(1),
        },
        Change::TokenRevoked {
            user_id: acme.owner.id,
            reason: Revocation::Deactivated,
        },
    ];
    let written: Vec<Event> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| {
            // Every third one by an operator, who is nobody's user.
            let actor = (i % 3 != 0).then_some(acme.owner.id);
            Event::new(acme.org, actor, ada.id, change, now())
        })
        .collect();
    commit_events(&store, &written).await;
    let feed = store
        .events()
        .feed(acme.org, &everything_after(Position::START))
        .await
        .expect("a feed");
    assert_eq!(events_of(&feed.events), written);
}

pub async fn a_dropped_unit_of_works_events_never_appear<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    uow.append_event(&event(&acme, "rolled back"))
        .await
        .expect("an event");
    drop(uow);
    let feed = store
        .events()
        .feed(acme.org, &everything_after(Position::START))
        .await
        .expect("a feed");
    let tailed = store
        .events()
        .tail(Position::START, 100)
        .await
        .expect("a tail");
    assert!(
        feed.events.is_empty() && tailed.is_empty(),
        "{:?} {tailed:?}",
        feed.events
    );
}

pub async fn another_organizations_events_never_appear_in_a_feed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let theirs = event(&globex, "theirs");
    commit_events(&store, &[event(&acme, "ours"), theirs.clone()]).await;
    commit_events(&store, &[event(&acme, "ours again")]).await;
    let feed = store
        .events()
        .feed(globex.org, &everything_after(Position::START))
        .await
        .expect("a feed");
    assert_eq!(events_of(&feed.events), vec![theirs]);
}

pub async fn a_feed_returns_only_the_types_asked_for<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let created = event(&acme, "Web");
    let by = Some(acme.owner.id);
    let subject = created.subject_id;
    let renamed = Change::CategoryRenamed {
        from: "Web".to_owned(),
        to: "Website".to_owned(),
    };
    let renamed = Event::new(acme.org, by, subject, renamed, now());
    let deleted = Change::CategoryDeleted {
        name: "Website".to_owned(),
        leads_uncategorised: 0,
    };
    let deleted = Event::new(acme.org, by, subject, deleted, now());
    commit_events(&store, &[created.clone(), renamed, deleted.clone()]).await;
    let query = FeedQuery {
        types: vec![EventType::CategoryCreated, EventType::CategoryDeleted],
        ..everything_after(Position::START)
    };
    let feed = store.events().feed(acme.org, &query).await.expect("a feed");
    assert_eq!(events_of(&feed.events), vec![created, deleted]);
}

pub async fn a_feed_returns_at_most_limit_events_and_says_more_remain<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second", "third"]);
    commit_events(&store, &written).await;
    let query = FeedQuery {
        limit: Limit::new(2).expect("a valid limit"),
        ..everything_after(Position::START)
    };
    let feed = store.events().feed(acme.org, &query).await.expect("a feed");
    assert_eq!(
        (events_of(&feed.events), feed.has_more),
        (written[..2].to_vec(), true)
    );
}

pub async fn a_feed_read_to_its_end_has_no_more<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second"]);
    commit_events(&store, &written).await;
    let query = FeedQuery {
        limit: Limit::new(2).expect("a valid limit"),
        ..everything_after(Position::START)
    };
    let feed = store.events().feed(acme.org, &query).await.expect("a feed");
    assert_eq!((events_of(&feed.events), feed.has_more), (written, false));
}

pub async fn a_feed_continues_after_the_position_given<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second", "third"]);
    commit_events(&store, &written).await;
    let query = FeedQuery {
        limit: Limit::new(1).expect("a valid limit"),
        ..everything_after(Position::START)
    };
    let first = store.events().feed(acme.org, &query).await.expect("a feed");
    let rest = store
        .events()
        .feed(
            acme.org,
            &everything_after(first.next_after(Position::START)),
        )
        .await
        .expect("a feed");
    assert_eq!(events_of(&rest.events), written[1..].to_vec());
}

pub async fn tail_spans_organizations<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let written = [
        event(&acme, "acme first"),
        event(&globex, "globex"),
        event(&acme, "acme again"),
    ];
    for one in &written {
        commit_events(&store, std::slice::from_ref(one)).await;
    }
    let tailed = store
        .events()
        .tail(Position::START, 100)
        .await
        .expect("a tail");
    assert_eq!(events_of(&tailed), written);
}

pub async fn tail_returns_at_most_limit_events<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second", "third"]);
    commit_events(&store, &written).await;
    let tailed = store
        .events()
        .tail(Position::START, 2)
        .await
        .expect("a tail");
    assert_eq!(events_of(&tailed), written[..2].to_vec());
}

pub async fn tail_continues_after_the_position_given<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let written = events(&acme, &["first", "second", "third"]);
    commit_events(&store, &written).await;
    let first = store
        .events()
        .tail(Position::START, 1)
        .await
        .expect("a tail");
    let rest = store
        .events()
        .tail(last_position(&first), 100)
        .await
        .expect("a tail");
    assert_eq!(events_of(&rest), written[1..].to_vec());
}

/// How a test reads the outbox: tailing every organization, or one feed.
#[derive(Debug, Clone, Copy)]
enum Reader {
    Tail,
    Feed(OrgId),
}

impl Reader {
    async fn read<S: Store>(self, store: &S, from: Position) -> Vec<RecordedEvent> {
        match self {
            Self::Tail => store.events().tail(from, 100).await.expect("a tail"),
            Self::Feed(org) => {
                let feed = store.events().feed(org, &everything_after(from)).await;
                feed.expect("a feed").events
            }
        }
    }

    /// Reads on from the last position returned until `count` events are in, for
    /// at most five seconds (a skipped event never comes: the test then fails).
    async fn read_until<S: Store>(
        self,
        store: &S,
        mut seen: Vec<RecordedEvent>,
        count: usize,
    ) -> Vec<RecordedEvent> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while seen.len() < count && Instant::now() < deadline {
            let more = self.read(store, last_position(&seen)).await;
            if more.is_empty() {
                sleep(Duration::from_millis(10)).await;
            }
            seen.extend(more);
        }
        seen
    }
}

/// Unit of work A appends first (and sends a statement, which writes its held
/// event: a store may hold events until then) and commits last; B appends second
/// and commits first. On PostgreSQL, B's event is visible above A's position while A is still
/// open: a reader that returned it then and read on from there would never see A's.
/// The reader starts while A is open and must end with both, once each, in order.
///
/// SQLite has one writer at a time: there B waits for A (its `begin` blocks until
/// A commits), so the same steps run in commit order and check the same promise.
async fn a_late_commit_is_never_skipped<S: Store>(store: S, reader: fn(OrgId) -> Reader) {
    let acme = tenant(&store, "Acme").await;
    let reader = reader(acme.org);
    let store = Arc::new(store);
    let early = event(&acme, "appended first, committed last");
    let late = event(&acme, "appended last, committed first");

    let mut a = store.begin().await.expect("A begins");
    a.append_event(&early).await.expect("A appends");
    a.user_for_update(acme.org, acme.owner.id)
        .await
        .expect("A's next statement, which writes what it held");
    let mut b = tokio::spawn({
        let store = Arc::clone(&store);
        let late = late.clone();
        async move { commit_events(&*store, &[late]).await }
    });
    // PostgreSQL lets B commit now; on SQLite B is still waiting when this ends.
    let b_done = timeout(Duration::from_millis(500), &mut b).await.ok();

    // On PostgreSQL this read waits for A to end; it must not return B alone.
    let first_read = tokio::spawn({
        let store = Arc::clone(&store);
        async move { reader.read(&*store, Position::START).await }
    });
    sleep(Duration::from_millis(100)).await;
    a.commit().await.expect("A commits");
    match b_done {
        Some(joined) => joined.expect("B commits"),
        None => b.await.expect("B commits"),
    }
    let first_read = timeout(Duration::from_secs(5), first_read)
        .await
        .expect("the read ends once A has")
        .expect("the reader");

    let mut seen = reader.read_until(&*store, first_read, 2).await;
    // One more read: nothing may come twice.
    seen.extend(reader.read(&*store, last_position(&seen)).await);
    assert!(strictly_increasing(&seen), "{seen:?}");
    assert_eq!(events_of(&seen), vec![early, late]);
}

pub async fn tailing_never_skips_a_late_commit<S: Store>(store: S) {
    a_late_commit_is_never_skipped(store, |_| Reader::Tail).await;
}

pub async fn a_feed_never_skips_a_late_commit<S: Store>(store: S) {
    a_late_commit_is_never_skipped(store, Reader::Feed).await;
}

/// A pause of 0 to 2 ms, pseudo-random from `n` (no randomness needed, and the
/// same run each time).
fn jitter(n: u64) -> Duration {
    Duration::from_micros(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 53)
}

/// One writer: `UNITS` units of work, each appending one or two events and pausing
/// before it ends, so that writers overlap; every fifth is dropped (rolled back).
/// The events it committed.
async fn write_units<S: Store>(
    store: Arc<S>,
    org: OrgId,
    actor: UserId,
    writer: u64,
) -> Vec<Event> {
    let mut committed = Vec::new();
    for unit in 0..UNITS {
        let n = writer * UNITS + unit;
        let events: Vec<Event> = (0..=n % 2)
            .map(|i| {
                let change = Change::CategoryCreated {
                    name: format!("writer {writer}, unit {unit}, event {i}"),
                };
                Event::new(org, Some(actor), CategoryId::new(), change, now())
            })
            .collect();
        let mut uow = store.begin().await.expect("begin");
        for event in &events {
            uow.append_event(event).await.expect("an event");
        }
        sleep(jitter(n)).await;
        if n % 5 == 4 {
            drop(uow);
        } else {
            uow.commit().await.expect("commit");
            committed.extend(events);
        }
    }
    committed
}

/// Tails every organization from the last position returned, in small batches,
/// until the writers are done and a read started after that returns nothing new.
async fn tail_until_done<S: Store>(store: Arc<S>, done: Arc<AtomicBool>) -> Vec<RecordedEvent> {
    let mut seen: Vec<RecordedEvent> = Vec::new();
    loop {
        // Read the flag before the outbox: an empty read begun after every writer
        // ended means nothing more will come.
        let finished = done.load(Ordering::SeqCst);
        let more = store
            .events()
            .tail(last_position(&seen), 50)
            .await
            .expect("a tail");
        if more.is_empty() {
            if finished {
                return seen;
            }
            sleep(Duration::from_millis(1)).await;
        }
        seen.extend(more);
    }
}

fn ids(events: impl IntoIterator<Item = Event>) -> Vec<EventId> {
    let mut ids: Vec<EventId> = events.into_iter().map(|e| e.id).collect();
    ids.sort();
    ids
}

/// Many writers commit and roll back concurrently while a relay tails the outbox:
/// it sees exactly the committed events (none skipped, none twice, none rolled
/// back), in strictly increasing positions.
pub async fn concurrent_tailing_sees_every_committed_event_exactly_once<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let store = Arc::new(store);
    let done = Arc::new(AtomicBool::new(false));
    let tailer = tokio::spawn(tail_until_done(Arc::clone(&store), Arc::clone(&done)));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = Arc::clone(&store);
            tokio::spawn(write_units(store, acme.org, acme.owner.id, writer))
        })
        .collect();
    let mut committed = Vec::new();
    for writer in writers {
        committed.extend(writer.await.expect("a writer"));
    }
    done.store(true, Ordering::SeqCst);
    let tailed = timeout(Duration::from_secs(10), tailer)
        .await
        .expect("the tailer catches up")
        .expect("the tailer");
    assert!(strictly_increasing(&tailed), "positions out of order");
    assert_eq!(ids(tailed.into_iter().map(|r| r.event)), ids(committed));
}

/// Runs every outbox test against one store. Several worker threads, so writers,
/// readers and the test itself make progress side by side.
macro_rules! outbox_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;
            outbox_contract!(@tests $make;
                committed_events_come_back_oldest_first_as_written,
                committed_events_have_increasing_positions,
                every_kind_of_change_reads_back_as_written,
                a_dropped_unit_of_works_events_never_appear,
                another_organizations_events_never_appear_in_a_feed,
                a_feed_returns_only_the_types_asked_for,
                a_feed_returns_at_most_limit_events_and_says_more_remain,
                a_feed_read_to_its_end_has_no_more,
                a_feed_continues_after_the_position_given,
                tail_spans_organizations,
                tail_returns_at_most_limit_events,
                tail_continues_after_the_position_given,
                tailing_never_skips_a_late_commit,
                a_feed_never_skips_a_late_commit,
                concurrent_tailing_sees_every_committed_event_exactly_once,
            );
        }
    };
    (@tests $make:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let (store, _database) = $make;
                super::$test(store).await;
            }
        )*
    };
}

outbox_contract!(sqlite_store, sqlite_file().await);
outbox_contract!(postgres_store, postgres().await);
