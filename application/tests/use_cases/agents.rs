//! Agent writes.

use std::sync::Arc;

use djcrm_application::agents::UpdateAgentRequest;

use djcrm_domain::events::{AgentSnapshot, Revocation};
use djcrm_domain::ports::MockUnitOfWork;
use djcrm_domain::{Agent, AgentId, Change, Lead, OrgId, TokenId};
use mockall::predicate::eq;

use crate::support::{
    Captured, TestStore, active_agent, all, captured, commits_once, crm, done, now, ok, only,
    organizer, push, record_events, type_names,
};

#[tokio::test]
async fn deactivating_an_agent_saves_it_inactive_and_revokes_its_tokens_in_one_unit_of_work() {
    let org = OrgId::new();
    let actor = organizer(org);
    let id = AgentId::new();
    let agent = active_agent(org, id);
    let user_id = agent.user_id;
    let revoked = vec![TokenId::new(), TokenId::new()];
    let mut uow = MockUnitOfWork::new();
    uow.expect_agent_for_update()
        .times(1)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(agent.clone())));
    let saved: Captured<Agent> = captured();
    let sink = Arc::clone(&saved);
    uow.expect_save_agent().times(1).returning(move |agent| {
        push(&sink, agent.clone());
        ok()
    });
    let tokens = revoked.clone();
    uow.expect_revoke_tokens_of()
        .times(1)
        .with(eq(org), eq(user_id))
        .returning(move |_, _| done(Ok(tokens.clone())));
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    // One unit of work only: a second `begin` would panic.
    let mut store = TestStore::default();
    store.expect_unit_of_work(uow);

    let deactivate = UpdateAgentRequest {
        full_name: None,
        active: Some(false),
    };
    crm(store)
        .update_agent(&actor, id, deactivate)
        .await
        .expect("deactivated");

    let saved = only(&saved);
    assert_eq!((saved.id, saved.user_id), (id, user_id));
    assert!(!saved.active, "the agent is saved inactive");
    assert_eq!(saved.updated_at, now());
    let events = all(&events);
    assert_eq!(
        type_names(&events),
        ["agent.deactivated", "token.revoked", "token.revoked"]
    );
    assert_eq!(
        events[0].change,
        Change::AgentDeactivated {
            agent: AgentSnapshot::from(&saved)
        }
    );
    assert_eq!(events[0].subject_id, id.as_uuid());
    let revoked_subjects: Vec<_> = events[1..].iter().map(|e| e.subject_id).collect();
    let revoked_ids: Vec<_> = revoked.iter().map(|token| token.as_uuid()).collect();
    assert_eq!(revoked_subjects, revoked_ids);
    for event in &events[1..] {
        assert_eq!(
            event.change,
            Change::TokenRevoked {
                user_id,
                reason: Revocation::Deactivated,
            }
        );
    }
    for event in &events {
        assert_eq!((event.org_id, event.actor_id), (org, Some(actor.user_id)));
    }
}

#[tokio::test]
async fn deleting_an_agent_unassigns_its_leads_signs_it_out_and_deletes_it_in_one_unit_of_work() {
    let org = OrgId::new();
    let actor = organizer(org);
    let id = AgentId::new();
    let agent = active_agent(org, id);
    let user_id = agent.user_id;
    let assigned = crate::support::lead(org, Some(id));
    let lead_id = assigned.id;
    let mut uow = MockUnitOfWork::new();
    uow.expect_agent_for_update()
        .times(1)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(agent.clone())));
    // Read twice: before the agent is locked and after (the same lead both times,
    // unassigned once).
    uow.expect_leads_of_agent_for_update()
        .times(2)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(vec![assigned.clone()])));
    uow.expect_save_lead()
        .times(1)
        .withf(move |lead: &Lead, base: &i64| {
            lead.id == lead_id && lead.agent_id.is_none() && *base == 1
        })
        .returning(|_, _| ok());
    uow.expect_append_activity().times(1).returning(|_| ok());
    uow.expect_save_agent()
        .times(1)
        .withf(|agent: &Agent| !agent.active)
        .returning(|_| ok());
    uow.expect_revoke_tokens_of()
        .times(1)
        .with(eq(org), eq(user_id))
        .returning(|_, _| done(Ok(vec![TokenId::new()])));
    uow.expect_delete_agent()
        .times(1)
        .withf(move |o: &OrgId, a: &AgentId, _| *o == org && *a == id)
        .returning(|_, _, _| ok());
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    let mut store = TestStore::default();
    store.expect_unit_of_work(uow);

    crm(store).delete_agent(&actor, id).await.expect("deleted");

    assert_eq!(
        type_names(&all(&events)),
        ["lead.unassigned", "token.revoked", "agent.deleted"]
    );
}
