//! Organizations, users and their credentials.

use djcrm_domain::ports::{OrganizationRepository, Store, UnitOfWork, UserRepository};
use djcrm_domain::{Credentials, OrgId, OrganizationName, Role, UserId};

use super::fixtures::{
    assert_conflict_on, assert_not_found, email, now, organization, phc, stored_user, tenant, user,
};

pub async fn an_organization_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let stored = store.organizations().get(acme.org).await.expect("stored");
    assert_eq!(stored, acme.organization);
}

pub async fn an_unknown_organization_is_not_found<S: Store>(store: S) {
    assert_not_found(store.organizations().get(OrgId::new()).await);
}

pub async fn a_renamed_organization_reads_back_renamed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let renamed = OrganizationName::parse("Acme Corporation").expect("a valid name");
    let at = now();
    let mut uow = store.begin().await.expect("begin");
    uow.rename_organization(acme.org, &renamed, at)
        .await
        .expect("renamed");
    uow.commit().await.expect("commit");
    let stored = store.organizations().get(acme.org).await.expect("stored");
    assert_eq!((stored.name, stored.updated_at), (renamed, at));
}

pub async fn renaming_an_unknown_organization_is_not_found<S: Store>(store: S) {
    let renamed = OrganizationName::parse("Nobody").expect("a valid name");
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.rename_organization(OrgId::new(), &renamed, now()).await);
}

pub async fn a_user_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let organizer = stored_user(&store, acme.org, "org@acme.test", Role::Organizer).await;
    let stored = store
        .users()
        .get(acme.org, organizer.id)
        .await
        .expect("stored");
    assert_eq!(stored, organizer);
}

pub async fn an_unknown_user_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    assert_not_found(store.users().get(acme.org, UserId::new()).await);
}

pub async fn another_tenants_user_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    assert_not_found(store.users().get(globex.org, acme.owner.id).await);
}

/// Emails are logins: unique across every organization, not only within one.
pub async fn a_taken_email_is_a_conflict_on_email<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let clash = user(globex.org, acme.owner.email.as_str(), Role::Organizer);
    let mut uow = store.begin().await.expect("begin");
    assert_conflict_on(uow.insert_user(&clash, &phc(&clash.email)).await, "email");
}

pub async fn a_user_of_an_unknown_organization_is_not_found<S: Store>(store: S) {
    let orphan = user(OrgId::new(), "orphan@nowhere.test", Role::Organizer);
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.insert_user(&orphan, &phc(&orphan.email)).await);
}

/// A signup is all or nothing: when the owner cannot be stored, the use case drops
/// its unit of work and the organization it already inserted is gone too.
pub async fn a_signup_whose_email_is_taken_leaves_no_organization<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let copy = organization("Copy");
    let owner = user(copy.id, acme.owner.email.as_str(), Role::Owner);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_organization(&copy)
        .await
        .expect("an organization");
    uow.insert_user(&owner, &phc(&owner.email))
        .await
        .expect_err("the email is taken");
    drop(uow);
    assert_not_found(store.organizations().get(copy.id).await);
}

pub async fn credentials_by_email_are_the_user_and_password_hash<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let organizer = stored_user(&store, acme.org, "org@acme.test", Role::Organizer).await;
    let found = store
        .users()
        .credentials_by_email(&organizer.email)
        .await
        .expect("a query");
    let expected = Credentials {
        password_hash: phc(&organizer.email),
        user: organizer,
    };
    assert_eq!(found, Some(expected));
}

pub async fn credentials_by_an_unknown_email_are_none<S: Store>(store: S) {
    tenant(&store, "Acme").await;
    let found = store
        .users()
        .credentials_by_email(&email("nobody@acme.test"))
        .await
        .expect("a query");
    assert_eq!(found, None);
}

pub async fn organization_for_update_reads_the_organization<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    let locked = uow.organization_for_update(acme.org).await.expect("locked");
    assert_eq!(locked, acme.organization);
}

pub async fn organization_for_update_of_an_unknown_one_is_not_found<S: Store>(store: S) {
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.organization_for_update(OrgId::new()).await);
}

pub async fn user_for_update_reads_the_user<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    let locked = uow
        .user_for_update(acme.org, acme.owner.id)
        .await
        .expect("locked");
    assert_eq!(locked, acme.owner);
}

pub async fn user_for_update_of_another_tenants_user_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.user_for_update(globex.org, acme.owner.id).await);
}
