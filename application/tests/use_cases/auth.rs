//! Signup, login and token authentication: what they write and record.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use djcrm_application::Crm;
use djcrm_application::auth::{LoggedIn, LoginRequest, SignupRequest};
use djcrm_application::tokens::{TOKEN_PREFIX, hash_secret};
use djcrm_domain::events::LoginFailure;
use djcrm_domain::ports::{MockPasswordHasher, MockUnitOfWork};
use djcrm_domain::{
    ApiToken, Change, Credentials, DomainError, Email, Event, OrgId, Organization, PasswordHash,
    Role, TokenHash, User, UserId,
};

use crate::support::{
    Captured, TestStore, all, captured, commits_once, crm, crm_with, done, event_json, now, ok,
    only, push, record_events, type_names, user,
};

/// What the (mocked) hasher makes of any password.
const STORED_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$stored-hash";
const PASSWORD: &str = "a long passphrase";

fn signup_request() -> SignupRequest {
    SignupRequest {
        organization_name: "Acme".into(),
        email: "Owner@Acme.test".into(),
        password: PASSWORD.into(),
        full_name: "Olive Owner".into(),
    }
}

/// Everything a signup wrote through its one unit of work.
struct SignupWrites {
    organizations: Captured<Organization>,
    users: Captured<(User, PasswordHash)>,
    tokens: Captured<ApiToken>,
    events: Captured<Event>,
}

/// A CRM whose store expects exactly one unit of work: a signup's.
fn signup_crm() -> (Crm<TestStore>, SignupWrites) {
    let mut uow = MockUnitOfWork::new();
    let organizations: Captured<Organization> = captured();
    let sink = Arc::clone(&organizations);
    uow.expect_insert_organization()
        .times(1)
        .returning(move |organization| {
            push(&sink, organization.clone());
            ok()
        });
    let users: Captured<(User, PasswordHash)> = captured();
    let sink = Arc::clone(&users);
    uow.expect_insert_user()
        .times(1)
        .returning(move |user, hash| {
            push(&sink, (user.clone(), hash.clone()));
            ok()
        });
    let tokens: Captured<ApiToken> = captured();
    let sink = Arc::clone(&tokens);
    uow.expect_insert_token().times(1).returning(move |token| {
        push(&sink, token.clone());
        ok()
    });
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    let mut store = TestStore::default();
    store.expect_unit_of_work(uow);
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(PasswordHash::new(STORED_HASH.to_owned())));
    let writes = SignupWrites {
        organizations,
        users,
        tokens,
        events,
    };
    (crm_with(store, hasher), writes)
}

#[tokio::test]
async fn signup_writes_the_organization_its_owner_and_the_token_digest_in_one_unit_of_work() {
    let (crm, writes) = signup_crm();
    let signed_up = crm.signup(signup_request()).await.expect("signed up");

    let organization = only(&writes.organizations);
    assert_eq!(organization, signed_up.organization);
    assert_eq!(organization.name.as_str(), "Acme");
    let (owner, password_hash) = only(&writes.users);
    assert_eq!(owner, signed_up.user);
    assert_eq!((owner.role, owner.org_id), (Role::Owner, organization.id));
    assert_eq!(owner.email.as_str(), "owner@acme.test");
    assert_eq!(password_hash.as_str(), STORED_HASH);
    let token = only(&writes.tokens);
    assert_eq!((token.org_id, token.user_id), (organization.id, owner.id));
    assert!(signed_up.token.starts_with(TOKEN_PREFIX));
    assert_eq!(token.hash, hash_secret(&signed_up.token));
    assert_eq!(token.expires_at, now() + TimeDelta::days(30));
    assert_eq!(signed_up.expires_at, token.expires_at);
}

#[tokio::test]
async fn signup_records_user_signed_up_and_token_issued_by_the_owner() {
    let (crm, writes) = signup_crm();
    let signed_up = crm.signup(signup_request()).await.expect("signed up");

    let events = all(&writes.events);
    assert_eq!(type_names(&events), ["user.signed_up", "token.issued"]);
    let owner = &signed_up.user;
    for event in &events {
        assert_eq!(event.org_id, signed_up.organization.id);
        assert_eq!(event.actor_id, Some(owner.id));
        assert_eq!(event.occurred_at, now());
    }
    assert_eq!(events[0].subject_id, owner.id.as_uuid());
    assert_eq!(
        events[0].change,
        Change::UserSignedUp {
            organization_name: "Acme".into(),
            email: "owner@acme.test".into(),
            full_name: "Olive Owner".into(),
        }
    );
    let token = only(&writes.tokens);
    assert_eq!(events[1].subject_id, token.id.as_uuid());
    assert_eq!(
        events[1].change,
        Change::TokenIssued {
            user_id: owner.id,
            expires_at: token.expires_at,
        }
    );
}

#[tokio::test]
async fn signup_events_carry_no_secret() {
    let (crm, writes) = signup_crm();
    let signed_up = crm.signup(signup_request()).await.expect("signed up");

    let secret = signed_up.token.as_str();
    let random_part = secret.strip_prefix(TOKEN_PREFIX).expect("a prefixed token");
    let digest = hash_secret(secret);
    let events = all(&writes.events);
    assert_eq!(events.len(), 2);
    for event in &events {
        let json = event_json(event);
        for leaked in [secret, random_part, digest.as_str(), STORED_HASH, PASSWORD] {
            assert!(
                !json.contains(leaked),
                "{} carries a secret: {json}",
                event.event_type()
            );
        }
    }
}

/// Logs in as `user` (password "the password", stored hash [`STORED_HASH`]), the
/// hasher answering `password_matches`, writing through `uow`.
async fn log_in_as(
    user: User,
    password_matches: bool,
    uow: MockUnitOfWork,
) -> Result<LoggedIn, DomainError> {
    let locked = user.clone();
    log_in_seeing(user, locked, password_matches, uow).await
}

/// A login whose credentials show `user` but whose unit of work, re-reading the user
/// locked, finds `locked` (changed meanwhile).
async fn log_in_seeing(
    user: User,
    locked: User,
    password_matches: bool,
    mut uow: MockUnitOfWork,
) -> Result<LoggedIn, DomainError> {
    let (org, id) = (user.org_id, user.id);
    uow.expect_user_for_update()
        .times(1)
        .withf(move |o: &OrgId, i: &UserId| *o == org && *i == id)
        .returning(move |_, _| done(Ok(locked.clone())));
    let mut store = TestStore::default();
    let credentials = Credentials {
        user,
        password_hash: PasswordHash::new(STORED_HASH.to_owned()),
    };
    store
        .users
        .expect_credentials_by_email()
        .times(1)
        .withf(|email: &Email| email.as_str() == "ada@acme.test")
        .returning(move |_| done(Ok(Some(credentials.clone()))));
    store.expect_unit_of_work(uow);
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .times(1)
        .withf(|password: &str, hash: &PasswordHash| {
            password == "the password" && hash.as_str() == STORED_HASH
        })
        .returning(move |_, _| Ok(password_matches));
    crm_with(store, hasher)
        .login(LoginRequest {
            email: "Ada@Acme.test".into(),
            password: "the password".into(),
        })
        .await
}

/// A refused login of a user (`active` or not, password matching or not): it must
/// answer Unauthenticated, issue no token and commit what it recorded.
async fn refused_login(active: bool, password_matches: bool) -> (User, Vec<Event>) {
    let ada = user(OrgId::new(), active);
    let mut uow = MockUnitOfWork::new();
    uow.expect_insert_token().never();
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    let err = log_in_as(ada.clone(), password_matches, uow)
        .await
        .expect_err("refused");
    assert!(matches!(err, DomainError::Unauthenticated), "{err:?}");
    (ada, all(&events))
}

#[tokio::test]
async fn a_wrong_password_records_user_login_failed_and_answers_unauthenticated() {
    let (ada, events) = refused_login(true, false).await;
    assert_eq!(type_names(&events), ["user.login_failed"]);
    let event = &events[0];
    assert_eq!(
        event.change,
        Change::UserLoginFailed {
            reason: LoginFailure::WrongPassword
        }
    );
    assert_eq!(
        (event.org_id, event.actor_id, event.subject_id),
        (ada.org_id, None, ada.id.as_uuid())
    );
}

#[tokio::test]
async fn a_deactivation_committed_since_the_credentials_were_read_refuses_the_login() {
    let ada = user(OrgId::new(), true);
    let deactivated = User {
        active: false,
        ..ada.clone()
    };
    let mut uow = MockUnitOfWork::new();
    uow.expect_insert_token().never();
    let events = record_events(&mut uow);
    commits_once(&mut uow);
    let err = log_in_seeing(ada, deactivated, true, uow)
        .await
        .expect_err("refused");
    assert!(matches!(err, DomainError::Unauthenticated), "{err:?}");
    assert_eq!(
        all(&events)[0].change,
        Change::UserLoginFailed {
            reason: LoginFailure::Deactivated
        }
    );
}

#[tokio::test]
async fn a_deactivated_user_is_refused_like_a_wrong_password_and_recorded_as_deactivated() {
    let (ada, events) = refused_login(false, true).await;
    assert_eq!(type_names(&events), ["user.login_failed"]);
    assert_eq!(
        events[0].change,
        Change::UserLoginFailed {
            reason: LoginFailure::Deactivated
        }
    );
    assert_eq!(events[0].subject_id, ada.id.as_uuid());
}

#[tokio::test]
async fn a_login_stores_only_the_token_digest_and_records_user_logged_in_and_token_issued() {
    let ada = user(OrgId::new(), true);
    let mut uow = MockUnitOfWork::new();
    let tokens: Captured<ApiToken> = captured();
    let sink = Arc::clone(&tokens);
    uow.expect_insert_token().times(1).returning(move |token| {
        push(&sink, token.clone());
        ok()
    });
    let events = record_events(&mut uow);
    commits_once(&mut uow);

    let logged_in = log_in_as(ada.clone(), true, uow).await.expect("logged in");

    let token = only(&tokens);
    assert_eq!((token.org_id, token.user_id), (ada.org_id, ada.id));
    assert_eq!(token.hash, hash_secret(&logged_in.token));
    assert_eq!(logged_in.user, ada);
    let events = all(&events);
    assert_eq!(type_names(&events), ["user.logged_in", "token.issued"]);
    assert_eq!(
        events[0].change,
        Change::UserLoggedIn { token_id: token.id }
    );
    assert_eq!(events[1].subject_id, token.id.as_uuid());
    for event in &events {
        assert!(!event_json(event).contains(&logged_in.token));
        assert!(!event_json(event).contains(token.hash.as_str()));
    }
}

#[tokio::test]
async fn a_login_with_an_unknown_email_still_checks_a_password_and_records_nothing() {
    let mut store = TestStore::default();
    store
        .users
        .expect_credentials_by_email()
        .times(1)
        .returning(|_| done(Ok(None)));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().times(1).returning(|_, _| Ok(false));
    // No unit of work is queued: recording anything would panic.
    let err = crm_with(store, hasher)
        .login(LoginRequest {
            email: "nobody@acme.test".into(),
            password: "whatever pass".into(),
        })
        .await
        .expect_err("unknown");
    assert!(matches!(err, DomainError::Unauthenticated), "{err:?}");
}

#[tokio::test]
async fn an_unknown_token_is_unauthenticated() {
    let mut store = TestStore::default();
    store
        .tokens
        .expect_session_for()
        .times(1)
        .withf(|hash: &TokenHash, at: &DateTime<Utc>| {
            *hash == hash_secret("djcrm_x") && *at == now()
        })
        .returning(|_, _| done(Ok(None)));
    assert!(matches!(
        crm(store).authenticate("djcrm_x").await,
        Err(DomainError::Unauthenticated)
    ));
}

#[tokio::test]
async fn the_dummy_hash_costs_what_a_real_one_does() {
    use djcrm_domain::ports::PasswordHasher as _;
    let password = djcrm_domain::Password::parse("a long passphrase").expect("valid");
    let real = djcrm_adapter_argon2::Argon2Hasher::default()
        .hash(&password)
        .await
        .expect("a hash");
    let parameters = |hash: &str| hash.split('$').take(4).collect::<Vec<_>>().join("$");
    assert_eq!(
        parameters(djcrm_application::auth::DUMMY_HASH),
        parameters(real.as_str())
    );
}
