//! Bearer tokens: who they authenticate, and revoking them.

use chrono::TimeDelta;
use djcrm_domain::ports::{AgentRepository, Store, TokenRepository, UnitOfWork};
use djcrm_domain::{Actor, ApiToken, Role, TokenHash};

use super::fixtures::{now, stored_agent, stored_token, stored_user, tenant};

/// Whether `token` authenticates anybody now.
async fn authenticates<S: Store>(store: &S, token: &ApiToken) -> bool {
    store
        .tokens()
        .session_for(&token.hash, now())
        .await
        .expect("a query")
        .is_some()
}

pub async fn a_live_token_authenticates_its_user<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let actor = store
        .tokens()
        .session_for(&acme.token.hash, now())
        .await
        .expect("a query")
        .map(|session| session.actor);
    let owner = Actor {
        user_id: acme.owner.id,
        org_id: acme.org,
        role: Role::Owner,
        agent_id: None,
    };
    assert_eq!(actor, Some(owner));
}

pub async fn an_agents_token_names_its_agent_profile<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let token = stored_token(&store, &alice.user(), TimeDelta::hours(1)).await;
    let actor = store
        .tokens()
        .session_for(&token.hash, now())
        .await
        .expect("a query")
        .map(|session| session.actor);
    let agent = Actor {
        user_id: alice.user_id,
        org_id: acme.org,
        role: Role::Agent,
        agent_id: Some(alice.id),
    };
    assert_eq!(actor, Some(agent));
}

pub async fn an_expired_token_authenticates_nobody<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let expired = stored_token(&store, &acme.owner, TimeDelta::seconds(-1)).await;
    assert!(!authenticates(&store, &expired).await);
}

pub async fn an_unknown_token_authenticates_nobody<S: Store>(store: S) {
    tenant(&store, "Acme").await;
    let unknown = TokenHash::from_hex("0".repeat(64));
    let actor = store
        .tokens()
        .session_for(&unknown, now())
        .await
        .expect("a query");
    assert_eq!(actor, None);
}

pub async fn revoking_a_token_returns_its_id<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    let revoked = uow
        .revoke_token(acme.owner.id, &acme.token.hash)
        .await
        .expect("revoked");
    assert_eq!(revoked, Some(acme.token.id));
}

pub async fn a_revoked_token_authenticates_nobody<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    uow.revoke_token(acme.owner.id, &acme.token.hash)
        .await
        .expect("revoked");
    uow.commit().await.expect("commit");
    assert!(!authenticates(&store, &acme.token).await);
}

pub async fn revoking_an_unknown_token_is_none<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let unknown = TokenHash::from_hex("0".repeat(64));
    let mut uow = store.begin().await.expect("begin");
    let revoked = uow
        .revoke_token(acme.owner.id, &unknown)
        .await
        .expect("a query");
    assert_eq!(revoked, None);
}

/// Logout names the caller: a token can only be revoked by the user it belongs to.
pub async fn another_users_token_is_not_revoked<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let organizer = stored_user(&store, acme.org, "org@acme.test", Role::Organizer).await;
    let mut uow = store.begin().await.expect("begin");
    uow.revoke_token(organizer.id, &acme.token.hash)
        .await
        .expect("a query");
    uow.commit().await.expect("commit");
    assert!(authenticates(&store, &acme.token).await);
}

pub async fn revoking_every_token_of_a_user_returns_their_ids<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let first = stored_token(&store, &alice.user(), TimeDelta::hours(1)).await;
    let second = stored_token(&store, &alice.user(), TimeDelta::hours(1)).await;
    let mut uow = store.begin().await.expect("begin");
    let mut revoked = uow
        .revoke_tokens_of(acme.org, alice.user_id)
        .await
        .expect("revoked");
    revoked.sort();
    assert_eq!(revoked, vec![first.id, second.id]);
}

/// Deactivating an agent signs them out everywhere: their tokens stay revoked even
/// once they are reactivated.
pub async fn deactivation_revokes_every_token_of_the_user<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let tokens = [
        stored_token(&store, &alice.user(), TimeDelta::hours(1)).await,
        stored_token(&store, &alice.user(), TimeDelta::hours(1)).await,
    ];
    let mut uow = store.begin().await.expect("begin");
    let mut off = uow
        .agent_for_update(acme.org, alice.id)
        .await
        .expect("locked");
    off.active = false;
    off.updated_at = now();
    uow.save_agent(&off).await.expect("deactivated");
    uow.revoke_tokens_of(acme.org, alice.user_id)
        .await
        .expect("revoked");
    uow.commit().await.expect("commit");
    let mut uow = store.begin().await.expect("begin");
    let mut on = off;
    on.active = true;
    uow.save_agent(&on).await.expect("reactivated");
    uow.commit().await.expect("commit");
    for token in &tokens {
        assert!(!authenticates(&store, token).await, "{:?}", token.id);
    }
}

pub async fn revoking_every_token_of_a_user_spares_other_users<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    stored_token(&store, &alice.user(), TimeDelta::hours(1)).await;
    let mut uow = store.begin().await.expect("begin");
    uow.revoke_tokens_of(acme.org, alice.user_id)
        .await
        .expect("revoked");
    uow.commit().await.expect("commit");
    assert!(authenticates(&store, &acme.token).await);
}

pub async fn revoking_every_token_of_another_tenants_user_revokes_nothing<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut uow = store.begin().await.expect("begin");
    uow.revoke_tokens_of(globex.org, acme.owner.id)
        .await
        .expect("a query");
    uow.commit().await.expect("commit");
    assert!(authenticates(&store, &acme.token).await);
}

pub async fn a_deactivated_users_token_authenticates_nobody<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let token = stored_token(&store, &alice.user(), TimeDelta::hours(1)).await;
    let mut off = store
        .agents()
        .get(acme.org, alice.id)
        .await
        .expect("stored");
    off.active = false;
    let mut uow = store.begin().await.expect("begin");
    uow.save_agent(&off).await.expect("deactivated");
    uow.commit().await.expect("commit");
    assert!(!authenticates(&store, &token).await);
}
