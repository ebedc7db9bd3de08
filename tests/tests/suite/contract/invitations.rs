//! Invitations and password resets: stored, found by token, locked, changed.

use chrono::TimeDelta;
use djcrm_domain::ports::{InvitationRepository, Store, UnitOfWork};
use djcrm_domain::{
    DomainError, Invitation, InvitationId, PasswordHash, PasswordReset, ResetId, TokenHash,
};

use super::fixtures::{Tenant, email, name, now, page, stored_token, tenant};

fn invitation(t: &Tenant, address: &str) -> Invitation {
    let now = now();
    Invitation {
        id: InvitationId::new(),
        org_id: t.org,
        email: email(address),
        full_name: name("Ivy Invitee"),
        invited_by: Some(t.owner.id),
        token_hash: TokenHash::from_hex(uuid::Uuid::new_v4().simple().to_string()),
        created_at: now,
        sent_at: now,
        expires_at: now + TimeDelta::days(7),
        accepted_at: None,
        revoked_at: None,
    }
}

async fn stored<S: Store>(store: &S, invitation: &Invitation) {
    let mut uow = store.begin().await.expect("begin");
    uow.insert_invitation(invitation).await.expect("stored");
    uow.commit().await.expect("commit");
}

pub async fn an_invitation_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ivy = invitation(&acme, "ivy@acme.test");
    stored(&store, &ivy).await;
    let read = store.invitations().get(acme.org, ivy.id).await;
    assert_eq!(read.expect("found"), ivy);
}

pub async fn another_tenants_invitation_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ivy = invitation(&acme, "ivy@acme.test");
    stored(&store, &ivy).await;
    let read = store.invitations().get(globex.org, ivy.id).await;
    assert!(
        matches!(read, Err(DomainError::NotFound { .. })),
        "{read:?}"
    );
}

pub async fn an_invitation_is_found_by_its_token<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ivy = invitation(&acme, "ivy@acme.test");
    stored(&store, &ivy).await;
    let found = store.invitations().by_token(&ivy.token_hash).await;
    assert_eq!(found.expect("a query"), Some(ivy.clone()));
    let mut uow = store.begin().await.expect("begin");
    let locked = uow.invitation_by_token_for_update(&ivy.token_hash).await;
    assert_eq!(locked.expect("a query"), Some(ivy));
}

pub async fn a_second_open_invitation_to_one_email_is_a_conflict_on_email<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored(&store, &invitation(&acme, "ivy@acme.test")).await;
    let mut uow = store.begin().await.expect("begin");
    let again = uow
        .insert_invitation(&invitation(&acme, "ivy@acme.test"))
        .await;
    assert!(
        matches!(again, Err(DomainError::Conflict { field: "email", .. })),
        "{again:?}"
    );
}

pub async fn a_revoked_invitation_leaves_the_list_and_frees_its_email<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ivy = invitation(&acme, "ivy@acme.test");
    stored(&store, &ivy).await;
    let mut uow = store.begin().await.expect("begin");
    let mut locked = uow
        .invitation_for_update(acme.org, ivy.id)
        .await
        .expect("locked");
    locked.revoked_at = Some(now());
    uow.save_invitation(&locked).await.expect("saved");
    uow.commit().await.expect("commit");
    let open = store.invitations().list_open(acme.org, page(10)).await;
    assert!(open.expect("a list").items.is_empty());
    ivy.id = InvitationId::new();
    ivy.token_hash = TokenHash::from_hex("another".to_owned());
    stored(&store, &ivy).await;
}

pub async fn open_invitations_list_newest_first<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let first = invitation(&acme, "first@acme.test");
    let second = invitation(&acme, "second@acme.test");
    stored(&store, &first).await;
    stored(&store, &second).await;
    let open = store.invitations().list_open(acme.org, page(10)).await;
    let ids: Vec<_> = open.expect("a list").items.iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![second.id, first.id]);
}

pub async fn a_password_reset_is_found_by_its_token_and_used_once<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let reset = PasswordReset {
        id: ResetId::new(),
        org_id: acme.org,
        user_id: acme.owner.id,
        token_hash: TokenHash::from_hex("reset-hash".to_owned()),
        created_at: now(),
        expires_at: now() + TimeDelta::hours(1),
        used_at: None,
    };
    let mut uow = store.begin().await.expect("begin");
    uow.insert_password_reset(&reset).await.expect("stored");
    uow.commit().await.expect("commit");
    let mut uow = store.begin().await.expect("begin");
    let found = uow
        .password_reset_by_token_for_update(&reset.token_hash)
        .await;
    assert_eq!(found.expect("a query"), Some(reset.clone()));
    let used_at = now();
    uow.use_password_resets(acme.owner.id, used_at)
        .await
        .expect("used");
    uow.commit().await.expect("commit");
    let mut uow = store.begin().await.expect("begin");
    let found = uow
        .password_reset_by_token_for_update(&reset.token_hash)
        .await
        .expect("a query")
        .expect("still there");
    assert_eq!(found.used_at, Some(used_at));
}

pub async fn a_new_password_replaces_the_hash<S: Store>(store: S) {
    use djcrm_domain::ports::UserRepository;
    let acme = tenant(&store, "Acme").await;
    let _token = stored_token(&store, &acme.owner, TimeDelta::hours(1)).await;
    let hash = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$new$hash".to_owned());
    let mut uow = store.begin().await.expect("begin");
    uow.set_password(acme.org, acme.owner.id, &hash, now())
        .await
        .expect("set");
    uow.commit().await.expect("commit");
    let credentials = store
        .users()
        .credentials_by_email(&acme.owner.email)
        .await
        .expect("a query")
        .expect("the owner");
    assert_eq!(credentials.password_hash, hash);
}

pub async fn setting_another_tenants_password_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let hash = PasswordHash::new("$argon2id$x".to_owned());
    let mut uow = store.begin().await.expect("begin");
    let set = uow
        .set_password(globex.org, acme.owner.id, &hash, now())
        .await;
    assert!(matches!(set, Err(DomainError::NotFound { .. })), "{set:?}");
}
