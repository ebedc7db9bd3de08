//! What operators read and change: every organization, the census, users of an
//! organization, tokens of a user, roles, deactivation, revoking a token by id.

use chrono::TimeDelta;
use djcrm_domain::ports::{
    OrganizationRepository, Store, TokenRepository, UnitOfWork, UserRepository,
};
use djcrm_domain::{DomainError, Role, TokenId};

use super::fixtures::{now, page, stored_lead, stored_token, stored_user, tenant};

pub async fn organizations_list_newest_first<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let listed = store.organizations().list(page(10)).await.expect("a page");
    let ids: Vec<_> = listed.items.iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![globex.org, acme.org]);
}

pub async fn the_census_counts_organizations_users_and_live_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    tenant(&store, "Globex").await;
    stored_user(&store, acme.org, "otto@acme.test", Role::Organizer).await;
    stored_lead(&store, &acme, "Ada").await;
    let census = store.organizations().census().await.expect("a census");
    assert_eq!((census.organizations, census.users), (2, 3));
    assert_eq!((census.leads.new, census.leads.total()), (1, 1));
    assert!(census.store_bytes > 0, "the store has a size");
}

pub async fn users_of_an_organization_list_newest_first<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    tenant(&store, "Globex").await;
    let otto = stored_user(&store, acme.org, "otto@acme.test", Role::Organizer).await;
    let listed = store
        .users()
        .list(acme.org, page(10))
        .await
        .expect("a page");
    let ids: Vec<_> = listed.items.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![otto.id, acme.owner.id]);
}

pub async fn a_users_live_tokens_are_listed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let second = stored_token(&store, &acme.owner, TimeDelta::hours(1)).await;
    let listed = store
        .tokens()
        .list(acme.org, acme.owner.id)
        .await
        .expect("a list");
    let ids: Vec<_> = listed.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![second.id, acme.token.id]);
}

pub async fn a_role_change_and_a_deactivation_read_back<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let otto = stored_user(&store, acme.org, "otto@acme.test", Role::Organizer).await;
    let mut uow = store.begin().await.expect("begin");
    uow.set_user_role(acme.org, otto.id, Role::Owner, now())
        .await
        .expect("a new role");
    uow.set_user_active(acme.org, otto.id, false, now())
        .await
        .expect("deactivated");
    uow.commit().await.expect("commit");
    let read = store
        .users()
        .get(acme.org, otto.id)
        .await
        .expect("the user");
    assert_eq!((read.role, read.active), (Role::Owner, false));
}

pub async fn changing_another_tenants_user_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut uow = store.begin().await.expect("begin");
    let changed = uow
        .set_user_role(globex.org, acme.owner.id, Role::Organizer, now())
        .await;
    assert!(
        matches!(changed, Err(DomainError::NotFound { .. })),
        "{changed:?}"
    );
}

pub async fn a_token_revoked_by_id_names_its_user_and_stops_working<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut uow = store.begin().await.expect("begin");
    let elsewhere = uow.revoke_token_by_id(globex.org, acme.token.id).await;
    assert_eq!(
        elsewhere.expect("a query"),
        None,
        "another tenant's token is untouched"
    );
    let revoked = uow.revoke_token_by_id(acme.org, acme.token.id).await;
    assert_eq!(revoked.expect("a query"), Some(acme.owner.id));
    let unknown = uow.revoke_token_by_id(acme.org, TokenId::new()).await;
    assert_eq!(unknown.expect("a query"), None);
    uow.commit().await.expect("commit");
    let session = store
        .tokens()
        .session_for(&acme.token.hash, now())
        .await
        .expect("a query");
    assert!(session.is_none());
}

/// Everything past `at`, and events only when the relay is past `relay`.
fn cutoffs(at: chrono::DateTime<chrono::Utc>) -> djcrm_domain::ports::Cutoffs {
    djcrm_domain::ports::Cutoffs {
        tokens_expired_before: at,
        invitations_closed_before: at,
        resets_expired_before: at,
        idempotency_before: at,
        leads_deleted_before: at,
        events_before: at,
        jobs_before: at,
    }
}

async fn a_deleted_and_a_live_lead<S: Store>(store: &S, t: &super::fixtures::Tenant) {
    let mut gone = stored_lead(store, t, "Gone").await;
    super::fixtures::deleted(store, t, &mut gone).await;
    stored_lead(store, t, "Kept").await;
}

pub async fn a_dry_run_purge_counts_and_removes_nothing<S: Store>(store: S) {
    use djcrm_domain::ports::Retention;
    let acme = tenant(&store, "Acme").await;
    stored_token(&store, &acme.owner, TimeDelta::hours(-1)).await;
    a_deleted_and_a_live_lead(&store, &acme).await;
    let later = now() + TimeDelta::minutes(1);
    let counted = store
        .retention()
        .purge(cutoffs(later), 0, true)
        .await
        .expect("counted");
    assert_eq!((counted.tokens, counted.leads), (1, 1), "{counted:?}");
    assert!(
        counted.activities >= 2,
        "the gone lead's history: {counted:?}"
    );
    let again = store
        .retention()
        .purge(cutoffs(later), 0, true)
        .await
        .expect("counted");
    assert_eq!(again, counted, "nothing was removed");
}

pub async fn a_purge_removes_what_is_past_its_cutoff_and_keeps_the_rest<S: Store>(store: S) {
    use djcrm_domain::ports::{LeadRepository, Retention};
    use djcrm_domain::{Change, Event, LeadFilter};
    let acme = tenant(&store, "Acme").await;
    let expired = stored_token(&store, &acme.owner, TimeDelta::hours(-1)).await;
    a_deleted_and_a_live_lead(&store, &acme).await;
    let event = Event::new(
        acme.org,
        None,
        acme.owner.id,
        Change::CategoryCreated { name: "Hot".into() },
        now(),
    );
    let mut uow = store.begin().await.expect("begin");
    uow.append_event(&event).await.expect("appended");
    uow.commit().await.expect("commit");
    let later = now() + TimeDelta::minutes(1);
    let held = store
        .retention()
        .purge(cutoffs(later), 0, false)
        .await
        .expect("purged");
    assert_eq!(held.events, 0, "the relay has not passed the event");
    assert_eq!((held.tokens, held.leads), (1, 1));
    let passed = store
        .retention()
        .purge(cutoffs(later), i64::MAX, false)
        .await
        .expect("purged");
    assert_eq!(passed.events, 1);
    assert!(
        store
            .tokens()
            .session_for(&acme.token.hash, now())
            .await
            .expect("a query")
            .is_some()
    );
    assert!(
        store
            .tokens()
            .session_for(&expired.hash, now())
            .await
            .expect("a query")
            .is_none()
    );
    let left = store
        .leads()
        .list(acme.org, &LeadFilter::default(), page(10))
        .await
        .expect("a page");
    assert_eq!(left.items.len(), 1, "the live lead stays");
}
