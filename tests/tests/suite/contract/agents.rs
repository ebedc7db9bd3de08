//! Agents: their profiles, the users behind them, and their listing.

use djcrm_domain::ports::{AgentRepository, Store, UnitOfWork, UserRepository};
use djcrm_domain::{AgentId, PageRequest};

use super::fixtures::{agent, assert_not_found, email, name, now, page, stored_agent, tenant};

pub async fn an_agent_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let stored = store
        .agents()
        .get(acme.org, alice.id)
        .await
        .expect("stored");
    assert_eq!(stored, alice);
}

pub async fn an_agents_user_reads_back_with_role_agent<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let user = store
        .users()
        .get(acme.org, alice.user_id)
        .await
        .expect("stored");
    assert_eq!(user, alice.user());
}

pub async fn an_unknown_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    assert_not_found(store.agents().get(acme.org, AgentId::new()).await);
}

pub async fn another_tenants_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    assert_not_found(store.agents().get(globex.org, alice.id).await);
}

pub async fn agent_for_update_reads_the_agent<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut uow = store.begin().await.expect("begin");
    let locked = uow
        .agent_for_update(acme.org, alice.id)
        .await
        .expect("locked");
    assert_eq!(locked, alice);
}

pub async fn agent_for_update_of_an_unknown_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.agent_for_update(acme.org, AgentId::new()).await);
}

pub async fn agent_for_update_of_another_tenant_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.agent_for_update(globex.org, alice.id).await);
}

pub async fn a_saved_agent_reads_back_with_its_name_and_active_flag<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut changed = alice.clone();
    changed.full_name = name("Alice Renamed");
    changed.active = false;
    changed.updated_at = now();
    let mut uow = store.begin().await.expect("begin");
    uow.save_agent(&changed).await.expect("saved");
    uow.commit().await.expect("commit");
    let stored = store
        .agents()
        .get(acme.org, alice.id)
        .await
        .expect("stored");
    assert_eq!(stored, changed);
}

/// Name and active flag live on the user too (login checks the user).
pub async fn saving_an_agent_saves_its_user<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut changed = alice.clone();
    changed.full_name = name("Alice Renamed");
    changed.active = false;
    changed.updated_at = now();
    let mut uow = store.begin().await.expect("begin");
    uow.save_agent(&changed).await.expect("saved");
    uow.commit().await.expect("commit");
    let user = store
        .users()
        .get(acme.org, alice.user_id)
        .await
        .expect("stored");
    assert_eq!(user, changed.user());
}

/// `save_agent` writes the name and the active flag "and nothing else".
pub async fn saving_an_agent_keeps_its_email<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut changed = alice.clone();
    changed.email = email("someone.else@acme.test");
    let mut uow = store.begin().await.expect("begin");
    uow.save_agent(&changed).await.expect("saved");
    uow.commit().await.expect("commit");
    let stored = store
        .agents()
        .get(acme.org, alice.id)
        .await
        .expect("stored");
    assert_eq!(stored.email, alice.email);
}

pub async fn saving_an_unknown_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ghost = agent(acme.org, "ghost@acme.test");
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.save_agent(&ghost).await);
}

pub async fn saving_another_tenants_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut foreign = alice.clone();
    foreign.org_id = globex.org;
    foreign.active = false;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.save_agent(&foreign).await);
}

pub async fn agents_list_newest_first_across_pages<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let agent = stored_agent(&store, acme.org, &format!("agent{i}@acme.test")).await;
        created.push(agent.id);
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut request = page(2);
    loop {
        let listed = store
            .agents()
            .list(acme.org, request)
            .await
            .expect("a page");
        seen.extend(listed.items.iter().map(|a| a.id));
        match listed.next_cursor {
            Some(cursor) => {
                request = PageRequest {
                    after: Some(cursor),
                    ..request
                };
            }
            None => break,
        }
    }
    assert_eq!(seen, created);
}

pub async fn another_tenants_agents_are_not_listed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_agent(&store, acme.org, "alice@acme.test").await;
    let listed = store
        .agents()
        .list(globex.org, page(10))
        .await
        .expect("a page");
    assert!(listed.items.is_empty(), "{:?}", listed.items);
}

pub async fn agent_for_share_reads_the_agent<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut uow = store.begin().await.expect("begin");
    let shared = uow.agent_for_share(acme.org, alice.id).await.expect("read");
    assert_eq!(shared, alice);
}

pub async fn agent_for_share_of_another_tenant_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.agent_for_share(globex.org, alice.id).await);
}

async fn delete<S: Store>(
    store: &S,
    org: djcrm_domain::OrgId,
    id: AgentId,
) -> Result<(), djcrm_domain::DomainError> {
    let mut uow = store.begin().await.expect("begin");
    uow.delete_agent(org, id, now()).await?;
    uow.commit().await.expect("commit");
    Ok(())
}

pub async fn a_deleted_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    delete(&store, acme.org, alice.id).await.expect("deleted");
    assert_not_found(store.agents().get(acme.org, alice.id).await);
}

pub async fn a_deleted_agent_is_not_listed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    delete(&store, acme.org, alice.id).await.expect("deleted");
    let listed = store
        .agents()
        .list(acme.org, page(10))
        .await
        .expect("a page");
    assert!(listed.items.is_empty());
}

pub async fn deleting_a_deleted_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    delete(&store, acme.org, alice.id).await.expect("deleted");
    assert_not_found(delete(&store, acme.org, alice.id).await);
}

pub async fn deleting_another_tenants_agent_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    assert_not_found(delete(&store, globex.org, alice.id).await);
}

pub async fn a_deleted_agents_user_still_reads_back<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    delete(&store, acme.org, alice.id).await.expect("deleted");
    let user = store
        .users()
        .get(acme.org, alice.user_id)
        .await
        .expect("the user stays for the history");
    assert_eq!(user.full_name, alice.full_name);
}

pub async fn leads_of_agent_for_update_are_its_live_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let bob = stored_agent(&store, acme.org, "bob@acme.test").await;
    let assigned = |first: &str, agent: AgentId| {
        let mut l = super::fixtures::lead(acme.org, first);
        l.agent_id = Some(agent);
        l
    };
    let ada = super::fixtures::stored(&store, &acme, assigned("Ada", alice.id)).await;
    let mut gone = super::fixtures::stored(&store, &acme, assigned("Gone", alice.id)).await;
    super::fixtures::deleted(&store, &acme, &mut gone).await;
    super::fixtures::stored(&store, &acme, assigned("Other", bob.id)).await;
    let mut uow = store.begin().await.expect("begin");
    let found = uow
        .leads_of_agent_for_update(acme.org, alice.id)
        .await
        .expect("locked");
    let ids: Vec<_> = found.iter().map(|l| l.id).collect();
    assert_eq!(ids, [ada.id]);
}
