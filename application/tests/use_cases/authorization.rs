//! Who may do what: every role, and a user of another organization.

use djcrm_application::PageParams;
use djcrm_application::agents::{CreateAgentRequest, UpdateAgentRequest};
use djcrm_application::events::FeedParams;
use djcrm_application::leads::{CreateLeadRequest, ListLeadsRequest, UpdateLeadRequest};
use djcrm_application::organization::UpdateOrganizationRequest;
use djcrm_domain::ports::MockUnitOfWork;
use djcrm_domain::{
    AgentId, CategoryId, DomainError, LeadFilter, LeadId, LeadStatus, OrgId, Page, PageRequest,
};
use mockall::predicate::{always, eq};

use crate::support::{
    TestStore, active_agent, agent_actor, assert_forbidden, assert_not_found, crm, done, lead,
    locking, organizer,
};

fn rename_lead() -> UpdateLeadRequest {
    UpdateLeadRequest {
        first_name: Some("Grace".into()),
        ..UpdateLeadRequest::default()
    }
}

#[tokio::test]
async fn agents_are_forbidden_every_organizer_only_use_case_and_nothing_is_touched() {
    let actor = agent_actor(OrgId::new());
    // No expectation and no unit of work: any store call would panic.
    let crm = crm(TestStore::default());

    let new_agent = CreateAgentRequest {
        email: "a@b.io".into(),
        full_name: "A".into(),
        password: "0123456789".into(),
    };
    assert_forbidden(crm.create_agent(&actor, new_agent).await);
    assert_forbidden(crm.agents(&actor, &PageParams::default()).await);
    assert_forbidden(crm.agent(&actor, AgentId::new()).await);
    let rename = UpdateAgentRequest {
        full_name: Some("B".into()),
        active: None,
    };
    assert_forbidden(crm.update_agent(&actor, AgentId::new(), rename).await);
    assert_forbidden(crm.delete_agent(&actor, AgentId::new()).await);
    assert_forbidden(crm.create_category(&actor, "Web").await);
    assert_forbidden(crm.rename_category(&actor, CategoryId::new(), "Web").await);
    assert_forbidden(crm.delete_category(&actor, CategoryId::new()).await);
    let for_someone_else = CreateLeadRequest {
        agent_id: Some(AgentId::new()),
        ..CreateLeadRequest::named("Ada", "Lovelace")
    };
    assert_forbidden(crm.create_lead(&actor, for_someone_else).await);
    assert_forbidden(crm.delete_lead(&actor, LeadId::new()).await);
    assert_forbidden(crm.assign_lead(&actor, LeadId::new(), None, None).await);
    assert_forbidden(crm.pipeline_stats(&actor).await);
    assert_forbidden(crm.agents_stats(&actor).await);
    assert_forbidden(crm.agent_stats(&actor, AgentId::new()).await);
    assert_forbidden(crm.organization(&actor).await);
    let organization = UpdateOrganizationRequest {
        name: Some("Other".into()),
    };
    assert_forbidden(crm.update_organization(&actor, organization).await);
    assert_forbidden(crm.events(&actor, &FeedParams::default()).await);
}

#[tokio::test]
async fn another_organizations_user_reads_none_of_our_leads() {
    let ours = OrgId::new();
    let stranger = organizer(OrgId::new());
    let mut store = TestStore::default();
    store
        .leads
        .expect_get()
        .with(eq(stranger.org_id), always())
        .returning(|_, _| done(Err(DomainError::not_found("lead"))));
    store.leads.expect_get().with(eq(ours), always()).never();
    let crm = crm(store);
    assert_not_found(crm.lead(&stranger, LeadId::new()).await);
    assert_not_found(
        crm.lead_history(&stranger, LeadId::new(), &PageParams::default())
            .await,
    );
}

#[tokio::test]
async fn another_organizations_user_changes_none_of_our_leads() {
    let stranger = organizer(OrgId::new());
    let ours = LeadId::new();
    let mut store = TestStore::default();
    for _ in 0..5 {
        // The store answers NotFound for another tenant's lead; the use case must ask
        // within the caller's organization and then write nothing.
        let mut uow = MockUnitOfWork::new();
        uow.expect_lead_for_update()
            .times(1)
            .with(eq(stranger.org_id), eq(ours))
            .returning(|_, _| done(Err(DomainError::not_found("lead"))));
        store.expect_unit_of_work(uow);
    }
    store.knows_the_author();
    let crm = crm(store);
    assert_not_found(
        crm.change_lead_status(&stranger, ours, LeadStatus::Contacted, None, None)
            .await,
    );
    assert_not_found(crm.update_lead(&stranger, ours, rename_lead(), None).await);
    assert_not_found(crm.assign_lead(&stranger, ours, None, None).await);
    assert_not_found(crm.add_note(&stranger, ours, "hello").await);
    assert_not_found(crm.delete_lead(&stranger, ours).await);
}

#[tokio::test]
async fn an_agent_does_not_see_a_lead_assigned_to_someone_else() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let theirs = lead(org, Some(AgentId::new()));
    let id = theirs.id;
    let mut store = TestStore::default();
    store
        .leads
        .expect_get()
        .returning(move |_, _| done(Ok(theirs.clone())));
    // No activities expectation: the history must not be read either.
    let crm = crm(store);
    assert_not_found(crm.lead(&actor, id).await);
    assert_not_found(crm.lead_history(&actor, id, &PageParams::default()).await);
}

#[tokio::test]
async fn an_agent_cannot_change_a_lead_assigned_to_someone_else() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let theirs = lead(org, Some(AgentId::new()));
    let id = theirs.id;
    let mut store = TestStore::default();
    for _ in 0..3 {
        store.expect_unit_of_work(locking(theirs.clone()));
    }
    store.knows_the_author();
    let crm = crm(store);
    assert_not_found(
        crm.change_lead_status(&actor, id, LeadStatus::Contacted, None, None)
            .await,
    );
    assert_not_found(crm.update_lead(&actor, id, rename_lead(), None).await);
    assert_not_found(crm.add_note(&actor, id, "hello").await);
}

#[tokio::test]
async fn an_agents_listing_is_always_filtered_to_their_own_leads() {
    let org = OrgId::new();
    let actor = agent_actor(org);
    let own = actor.agent_id;
    let mut store = TestStore::default();
    store
        .leads
        .expect_list()
        .times(1)
        .withf(move |o: &OrgId, filter: &LeadFilter, _: &PageRequest| {
            *o == org && filter.agent_id == own
        })
        .returning(|_, _, _| {
            done(Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            }))
        });
    crm(store)
        .leads(&actor, ListLeadsRequest::default())
        .await
        .expect("listed");
}

#[tokio::test]
async fn an_agent_may_not_list_another_agents_leads() {
    let actor = agent_actor(OrgId::new());
    let other = ListLeadsRequest {
        agent_id: Some(AgentId::new()),
        ..ListLeadsRequest::default()
    };
    assert_forbidden(crm(TestStore::default()).leads(&actor, other).await);
}

#[tokio::test]
async fn an_agent_may_read_their_own_performance_only() {
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
    store
        .leads
        .expect_agent_performance()
        .times(1)
        .with(eq(org), eq(Some(own)))
        .returning(|_, _| done(Ok(Vec::new())));
    let crm = crm(store);
    let mine = crm.agent_stats(&actor, own).await.expect("own stats");
    assert_eq!((mine.agent_id, mine.assigned, mine.converted), (own, 0, 0));
    assert_forbidden(crm.agent_stats(&actor, AgentId::new()).await);
}
