//! Signup, login, logout and token authentication.

use chrono::{DateTime, Utc};
use djcrm_domain::events::LoginFailure;
use djcrm_domain::ports::{
    OrganizationRepository, Store, TokenRepository, UnitOfWork, UserRepository,
};
use djcrm_domain::{
    Actor, ApiToken, Change, DomainError, Email, Event, OrgId, Organization, OrganizationName,
    PasswordHash, Role, TokenId, User, UserId, ValidationErrors,
};

use crate::Crm;
use crate::account::NewAccount;
use crate::cache::{TOKEN_TTL, TOKENS};
use crate::limits::email_key;
use crate::tokens::{generate_secret, hash_secret};

/// An argon2id hash of a random password, checked against when the email is unknown
/// so that a login for an unknown account costs as much as one with a wrong password.
/// Its parameters must be those of new hashes (a test compares them).
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=7168,t=5,p=1$wCI/DXhWNYAu58l273XnLg$BfKbf5O/6FQxBNhuA1gdzEJKEv3nA5og7zW6WuD5kDU";

/// A new organization and its owner.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    /// The organization's name.
    pub organization_name: String,
    /// The owner's email, their login.
    pub email: String,
    /// The owner's password (at least 10 characters).
    pub password: String,
    /// The owner's name.
    pub full_name: String,
}

/// The result of a signup: the owner is logged in.
#[derive(Debug, Clone)]
pub struct SignedUp {
    /// The bearer token secret. Shown once: only its hash is stored.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// The owner.
    pub user: User,
    /// The new organization.
    pub organization: Organization,
}

/// Email and password.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The login.
    pub email: String,
    /// The password.
    pub password: String,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The bearer token secret. Shown once.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub user: User,
}

/// The caller, for `GET /me`.
#[derive(Debug, Clone)]
pub struct Me {
    /// The user.
    pub user: User,
    /// Their organization.
    pub organization: Organization,
    /// Their agent profile, for agents.
    pub agent_id: Option<djcrm_domain::AgentId>,
}

/// A new user created by an operator (`djcrm-admin user create`).
#[derive(Debug, Clone)]
pub struct ProvisionUserRequest {
    /// The organization to add the user to.
    pub org_id: OrgId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// Their role.
    pub role: Role,
    /// Their initial password.
    pub password: String,
}

impl<S: Store> Crm<S> {
    /// Creates an organization with its owner and logs the owner in.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] naming each invalid field.
    /// - [`DomainError::Conflict`] on `email` when the email is taken.
    /// - [`DomainError::RateLimited`] past the signup attempts for this email.
    #[tracing::instrument(skip_all)]
    pub async fn signup(&self, request: SignupRequest) -> Result<SignedUp, DomainError> {
        let key = email_key("signups", &request.email);
        self.within_limit(&key, self.settings.limits.signups_per_email, true)
            .await?;
        let mut errors = ValidationErrors::new();
        let name = errors.check(
            "organization_name",
            OrganizationName::parse(&request.organization_name),
        );
        let account = NewAccount::check(
            &mut errors,
            &request.email,
            &request.full_name,
            &request.password,
        );
        let (
            Some(name),
            Some(NewAccount {
                email,
                full_name,
                password,
            }),
        ) = (name, account)
        else {
            return Err(errors.into());
        };

        let now = self.clock.now();
        let organization = Organization {
            id: OrgId::new(),
            name,
            created_at: now,
            updated_at: now,
        };
        let user = User {
            id: UserId::new(),
            org_id: organization.id,
            email,
            full_name,
            role: Role::Owner,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let password_hash = self.hasher.hash(&password).await?;
        let (secret, token) = self.issue_token(&user, now)?;
        let mut uow = self.store.begin().await?;
        uow.insert_organization(&organization).await?;
        uow.insert_user(&user, &password_hash).await?;
        uow.insert_token(&token).await?;
        let signed_up = Change::UserSignedUp {
            organization_name: organization.name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            full_name: user.full_name.as_str().to_owned(),
        };
        let by_owner = |subject: uuid::Uuid, change| {
            Event::new(organization.id, Some(user.id), subject, change, now)
        };
        uow.append_event(&by_owner(user.id.as_uuid(), signed_up))
            .await?;
        uow.append_event(&by_owner(token.id.as_uuid(), issued(&token)))
            .await?;
        uow.commit().await?;
        tracing::info!(org_id = %organization.id, user_id = %user.id, "organization signed up");
        Ok(SignedUp {
            token: secret,
            expires_at: token.expires_at,
            user,
            organization,
        })
    }

    /// Exchanges email and password for a new token. An unknown email, a wrong
    /// password and a deactivated account all answer the same
    /// [`DomainError::Unauthenticated`], after the same amount of work.
    ///
    /// Failed logins are counted per email: past
    /// [`Limits::login_failures`](crate::Limits), logins for that email are refused
    /// before the password is even checked.
    ///
    /// # Errors
    /// - [`DomainError::Unauthenticated`] as above.
    /// - [`DomainError::RateLimited`] past the failed logins allowed for the email.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, request: LoginRequest) -> Result<LoggedIn, DomainError> {
        let failures = self.settings.limits.login_failures;
        let key = email_key("login-failures", &request.email);
        self.within_limit(&key, failures, false).await?;
        let credentials = match Email::parse(&request.email) {
            Ok(email) => self.store.users().credentials_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(credentials) = credentials else {
            let dummy = PasswordHash::new(DUMMY_HASH.to_owned());
            self.hasher.verify(&request.password, &dummy).await?;
            self.count_failure(&key, failures).await;
            return Err(DomainError::Unauthenticated);
        };
        let matches = self
            .hasher
            .verify(&request.password, &credentials.password_hash)
            .await?;
        let now = self.clock.now();
        let stored = &credentials.user;
        let mut uow = self.store.begin().await?;
        // Read again, locked: a deactivation that committed since the credentials
        // were read must refuse this login, not hand out a token.
        let user = &uow.user_for_update(stored.org_id, stored.id).await?;
        let failure = if !matches {
            Some(LoginFailure::WrongPassword)
        } else if !user.active {
            Some(LoginFailure::Deactivated)
        } else {
            None
        };
        if let Some(reason) = failure {
            // Nobody is signed in yet: the attempt has no actor; its subject is the
            // account it tried.
            let failed = Change::UserLoginFailed { reason };
            uow.append_event(&Event::new(user.org_id, None, user.id, failed, now))
                .await?;
            uow.commit().await?;
            self.count_failure(&key, failures).await;
            return Err(DomainError::Unauthenticated);
        }
        let by_user = |subject: uuid::Uuid, change| {
            Event::new(user.org_id, Some(user.id), subject, change, now)
        };
        let (secret, token) = self.issue_token(user, now)?;
        uow.insert_token(&token).await?;
        let logged_in = Change::UserLoggedIn { token_id: token.id };
        uow.append_event(&by_user(user.id.as_uuid(), logged_in))
            .await?;
        uow.append_event(&by_user(token.id.as_uuid(), issued(&token)))
            .await?;
        uow.commit().await?;
        Ok(LoggedIn {
            token: secret,
            expires_at: token.expires_at,
            user: user.clone(),
        })
    }

    /// Revokes the token `secret` of the caller. Idempotent: an unknown or already
    /// revoked token changes (and records) nothing.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn logout(&self, actor: &Actor, secret: &str) -> Result<(), DomainError> {
        let mut uow = self.store.begin().await?;
        let Some(token_id) = uow
            .revoke_token(actor.user_id, &hash_secret(secret))
            .await?
        else {
            return Ok(());
        };
        crate::sessions::record_logout(&mut uow, actor, token_id, self.clock.now()).await?;
        uow.commit().await
    }

    /// Who the bearer token `secret` belongs to.
    ///
    /// # Errors
    /// [`DomainError::Unauthenticated`] when the token is unknown, revoked, expired or
    /// its user deactivated.
    pub async fn authenticate(&self, secret: &str) -> Result<Actor, DomainError> {
        let hash = hash_secret(secret);
        let now = self.clock.now();
        // A cached session never outlives its token; it is dropped the moment any
        // token is revoked (see `cache`).
        let session = self
            .cached(TOKENS, hash.as_str(), TOKEN_TTL, async || {
                self.store.tokens().session_for(&hash, now).await
            })
            .await?;
        match session {
            Some(session) if session.expires_at > now => Ok(session.actor),
            _ => Err(DomainError::Unauthenticated),
        }
    }

    /// The caller, their role and their organization.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] if the account vanished meanwhile.
    pub async fn me(&self, actor: &Actor) -> Result<Me, DomainError> {
        let user = self.store.users().get(actor.org_id, actor.user_id).await?;
        let organization = self.store.organizations().get(actor.org_id).await?;
        Ok(Me {
            user,
            organization,
            agent_id: actor.agent_id,
        })
    }

    /// Adds a user to an organization without an actor: for operators only
    /// (`djcrm-admin`), never exposed over HTTP. Agents get their profile too.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] naming each invalid field.
    /// - [`DomainError::NotFound`] when the organization does not exist.
    /// - [`DomainError::Conflict`] on `email` when the email is taken.
    pub async fn provision_user(&self, request: ProvisionUserRequest) -> Result<User, DomainError> {
        let organization = self.store.organizations().get(request.org_id).await?;
        if request.role == Role::Agent {
            let agent = self
                .add_agent(
                    organization.id,
                    None,
                    crate::agents::CreateAgentRequest {
                        email: request.email,
                        full_name: request.full_name,
                        password: request.password,
                    },
                )
                .await?;
            return self.store.users().get(organization.id, agent.user_id).await;
        }
        let mut errors = ValidationErrors::new();
        let Some(NewAccount {
            email,
            full_name,
            password,
        }) = NewAccount::check(
            &mut errors,
            &request.email,
            &request.full_name,
            &request.password,
        )
        else {
            return Err(errors.into());
        };
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            org_id: organization.id,
            email,
            full_name,
            role: request.role,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let password_hash = self.hasher.hash(&password).await?;
        let mut uow = self.store.begin().await?;
        uow.insert_user(&user, &password_hash).await?;
        let created = Change::UserCreated {
            email: user.email.as_str().to_owned(),
            full_name: user.full_name.as_str().to_owned(),
            role: user.role,
        };
        uow.append_event(&Event::new(organization.id, None, user.id, created, now))
            .await?;
        uow.commit().await?;
        Ok(user)
    }

    pub(crate) fn issue_token(
        &self,
        user: &User,
        now: DateTime<Utc>,
    ) -> Result<(String, ApiToken), DomainError> {
        let secret = generate_secret()?;
        let token = ApiToken {
            id: TokenId::new(),
            org_id: user.org_id,
            user_id: user.id,
            hash: hash_secret(&secret),
            created_at: now,
            expires_at: now + self.settings.token_ttl,
        };
        Ok((secret, token))
    }
}

/// The event of a newly issued token (never its secret or hash).
pub(crate) fn issued(token: &ApiToken) -> Change {
    Change::TokenIssued {
        user_id: token.user_id,
        expires_at: token.expires_at,
    }
}
