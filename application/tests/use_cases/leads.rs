//! Lead writes: what is saved, recorded and committed, and when nothing is.

use std::sync::Arc;

use djcrm_application::leads::{CreateLeadRequest, UpdateLeadRequest};
use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::MockUnitOfWork;
use djcrm_domain::{
    Activity, ActivityKind, Agent, AgentId, Change, Description, DomainError, Event, Lead, LeadId,
    LeadStatus, OrgId,
};
use mockall::Sequence;
use mockall::predicate::eq;

use crate::support::{
    Captured, TestStore, active_agent, agent_actor, assert_not_found, captured, commits_once, crm,
    done, invalid_fields, lead, lead_at, locking, now, ok, only, organizer, push,
    record_activities, record_events,
};

#[tokio::test]
async fn an_agents_new_lead_is_assigned_to_them_and_recorded_in_one_unit_of_work() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let own = actor.agent_id.expect("an agent");
    let mut store = TestStore::default();
    store
        .agents
        .expect_get()
        .times(1)
        .with(eq(org), eq(own))
        .returning(|org, id| done(Ok(active_agent(org, id))));
    let mut uow = MockUnitOfWork::new();
    uow.expect_agent_for_share()
        .times(1)
        .with(eq(org), eq(own))
        .returning(|org, id| done(Ok(active_agent(org, id))));
    let inserted: Captured<Lead> = captured();
    let sink = Arc::clone(&inserted);
    uow.expect_insert_lead().times(1).returning(move |lead| {
        push(&sink, lead.clone());
        ok()
    });
    let activities = record_activities(&mut uow);
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    store.expect_unit_of_work(uow);

    let lead = crm(store)
        .create_lead(&actor, CreateLeadRequest::named("Ada", "Lovelace"))
        .await
        .expect("created");

    assert_eq!(lead.agent_id, Some(own));
    assert_eq!((lead.status(), lead.version()), (LeadStatus::New, 1));
    assert_eq!(only(&inserted), lead);
    let activity = only(&activities);
    assert_eq!(
        (activity.lead_id, activity.actor_id, activity.kind),
        (lead.id, Some(actor.user_id), ActivityKind::Created)
    );
    let event = only(&events);
    assert_eq!(
        event.change,
        Change::LeadCreated {
            lead: LeadSnapshot::from(&lead)
        }
    );
    assert_eq!(
        (event.actor_id, event.subject_id),
        (Some(actor.user_id), lead.id.as_uuid())
    );
}

#[tokio::test]
async fn an_illegal_transition_is_refused_before_any_write() {
    let org = OrgId::new();
    let current = lead(org, None);
    let id = current.id;
    let mut store = TestStore::default();
    store.expect_unit_of_work(locking(current));
    let err = crm(store)
        .change_lead_status(&organizer(org), id, LeadStatus::Converted, None, None)
        .await
        .expect_err("illegal");
    assert!(
        matches!(
            err,
            DomainError::InvalidTransition {
                from: LeadStatus::New,
                to: LeadStatus::Converted
            }
        ),
        "{err:?}"
    );
}

/// A unit of work that locks `lead` and must neither save, record nor commit.
fn untouched(lead: Lead) -> MockUnitOfWork {
    let mut uow = locking(lead);
    uow.expect_save_lead().never();
    uow.expect_append_activity().never();
    uow.expect_append_event().never();
    uow.expect_commit().never();
    uow
}

#[tokio::test]
async fn a_stale_if_match_is_precondition_failed_and_nothing_is_saved_or_committed() {
    let org = OrgId::new();
    let actor = organizer(org);
    let current = lead_at(org, LeadStatus::New, 3);
    let id = current.id;
    let mut store = TestStore::default();
    store.expect_unit_of_work(untouched(current.clone()));
    store.expect_unit_of_work(untouched(current));
    let crm = crm(store);

    let err = crm
        .change_lead_status(&actor, id, LeadStatus::Contacted, None, Some(2))
        .await
        .expect_err("stale");
    assert!(
        matches!(err, DomainError::PreconditionFailed { expected: 2 }),
        "{err:?}"
    );
    let edit = UpdateLeadRequest {
        first_name: Some("Grace".into()),
        ..UpdateLeadRequest::default()
    };
    let err = crm
        .update_lead(&actor, id, edit, Some(2))
        .await
        .expect_err("stale");
    assert!(
        matches!(err, DomainError::PreconditionFailed { expected: 2 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_status_change_saves_at_base_version_records_activity_and_one_event_then_commits() {
    let org = OrgId::new();
    let actor = organizer(org);
    let current = lead_at(org, LeadStatus::Contacted, 4);
    let id = current.id;
    let mut seq = Sequence::new();
    let mut uow = MockUnitOfWork::new();
    uow.expect_lead_for_update()
        .times(1)
        .in_sequence(&mut seq)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(current.clone())));
    let saved: Captured<(Lead, i64)> = captured();
    let sink = Arc::clone(&saved);
    uow.expect_save_lead()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |lead, expected_version| {
            push(&sink, (lead.clone(), expected_version));
            ok()
        });
    let activities: Captured<Activity> = captured();
    let sink = Arc::clone(&activities);
    uow.expect_append_activity()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |activity| {
            push(&sink, activity.clone());
            ok()
        });
    let events: Captured<Event> = captured();
    let sink = Arc::clone(&events);
    uow.expect_append_event()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |event| {
            push(&sink, event.clone());
            ok()
        });
    uow.expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .returning(ok);
    let mut store = TestStore::default();
    store.expect_unit_of_work(uow);

    let moved = crm(store)
        .change_lead_status(
            &actor,
            id,
            LeadStatus::Qualified,
            Some("called twice"),
            Some(4),
        )
        .await
        .expect("moved");

    let (saved, base_version) = only(&saved);
    assert_eq!(base_version, 4);
    assert_eq!(
        (saved.status(), saved.version()),
        (LeadStatus::Qualified, 5)
    );
    assert_eq!(saved.updated_at(), now());
    assert_eq!(saved, moved);
    let activity = only(&activities);
    assert_eq!(
        activity.kind,
        ActivityKind::StatusChanged {
            from: LeadStatus::Contacted,
            to: LeadStatus::Qualified,
            note: Some(Description::parse("called twice").expect("valid")),
        }
    );
    assert_eq!(
        (activity.lead_id, activity.actor_id),
        (id, Some(actor.user_id))
    );
    let event = only(&events);
    assert_eq!(
        event.change,
        Change::LeadStatusChanged {
            from: LeadStatus::Contacted,
            to: LeadStatus::Qualified,
            note: Some("called twice".to_owned()),
            version: 5,
        }
    );
    assert_eq!(
        (event.org_id, event.actor_id, event.subject_id),
        (org, Some(actor.user_id), id.as_uuid())
    );
}

#[tokio::test]
async fn an_unchanged_edit_writes_and_commits_nothing() {
    let org = OrgId::new();
    let current = lead(org, None);
    let id = current.id;
    let mut store = TestStore::default();
    store.expect_unit_of_work(untouched(current.clone()));
    let same = UpdateLeadRequest {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        ..UpdateLeadRequest::default()
    };
    let lead = crm(store)
        .update_lead(&organizer(org), id, same, Some(1))
        .await
        .expect("unchanged");
    assert_eq!(lead, current);
}

#[tokio::test]
async fn an_unchanged_assignment_writes_and_commits_nothing() {
    let org = OrgId::new();
    let agent = AgentId::new();
    let current = lead(org, Some(agent));
    let id = current.id;
    let mut store = TestStore::default();
    store
        .agents
        .expect_get()
        .times(1)
        .with(eq(org), eq(agent))
        .returning(|org, id| done(Ok(active_agent(org, id))));
    let mut uow = untouched(current.clone());
    uow.expect_agent_for_share()
        .times(1)
        .with(eq(org), eq(agent))
        .returning(|org, id| done(Ok(active_agent(org, id))));
    store.expect_unit_of_work(uow);
    let lead = crm(store)
        .assign_lead(&organizer(org), id, Some(agent), None)
        .await
        .expect("unchanged");
    assert_eq!(lead, current);
}

#[tokio::test]
async fn assigning_to_an_agent_deactivated_meanwhile_is_422_on_agent_id_and_saves_nothing() {
    let org = OrgId::new();
    let agent = AgentId::new();
    let current = lead(org, None);
    let id = current.id;
    let mut store = TestStore::default();
    store
        .agents
        .expect_get()
        .times(1)
        .returning(|org, id| done(Ok(active_agent(org, id))));
    let mut uow = untouched(current);
    uow.expect_agent_for_share().times(1).returning(|org, id| {
        let deactivated = Agent {
            active: false,
            ..active_agent(org, id)
        };
        done(Ok(deactivated))
    });
    store.expect_unit_of_work(uow);
    let refused = crm(store)
        .assign_lead(&organizer(org), id, Some(agent), None)
        .await;
    assert_eq!(invalid_fields(refused), ["agent_id"]);
}

#[tokio::test]
async fn a_note_on_a_lead_the_caller_cannot_see_is_not_found_and_writes_nothing() {
    let org = OrgId::new();
    let missing = LeadId::new();
    let mut uow = MockUnitOfWork::new();
    uow.expect_lead_for_update()
        .times(1)
        .with(eq(org), eq(missing))
        .returning(|_, _| done(Err(DomainError::not_found("lead"))));
    uow.expect_append_activity().never();
    uow.expect_append_event().never();
    uow.expect_commit().never();
    let mut store = TestStore::default();
    store.knows_the_author();
    store.expect_unit_of_work(uow);
    assert_not_found(crm(store).add_note(&organizer(org), missing, "hello").await);
}
