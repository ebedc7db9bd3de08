//! What operators do from `djcrm-admin`, outside any organization's roles: list
//! organizations and users, set a password, change a role, deactivate a user, and
//! manage API tokens for scripts. Every change has its event (actor: none, the
//! operator).

use chrono::TimeDelta;
use djcrm_domain::events::Revocation;
use djcrm_domain::ports::{
    Cutoffs, JobLog, LeadRepository, OrganizationRepository, Purged, Retention, Store,
    TokenRepository, UnitOfWork, UserRepository,
};
use djcrm_domain::{
    ApiToken, Census, Change, DomainError, Email, Event, OrgId, Organization, Page, Password,
    PipelineCounts, Role, TokenId, User,
};

use crate::auth::issued;
use crate::jobs::RELAY_LEASE;
use crate::{Crm, PageParams};

/// An organization with its leads by status.
#[derive(Debug, Clone)]
pub struct OrganizationOverview {
    /// The organization.
    pub organization: Organization,
    /// Its live leads per status.
    pub leads: PipelineCounts,
}

/// A new API token, shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The secret, for the script's `Authorization: Bearer` header.
    pub secret: String,
    /// The token (its hash only).
    pub token: ApiToken,
}

impl<S: Store> Crm<S> {
    /// Every organization, newest first.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn all_organizations(
        &self,
        page: &PageParams,
    ) -> Result<Page<Organization>, DomainError> {
        self.store.organizations().list(page.parse()?).await
    }

    /// One organization and its leads by status.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when there is no such organization.
    pub async fn organization_overview(
        &self,
        org: OrgId,
    ) -> Result<OrganizationOverview, DomainError> {
        let organization = self.store.organizations().get(org).await?;
        let leads = self.store.leads().pipeline_counts(org).await?;
        Ok(OrganizationOverview {
            organization,
            leads,
        })
    }

    /// The installation in numbers.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn census(&self) -> Result<Census, DomainError> {
        self.store.organizations().census().await
    }

    /// The users of `org`, newest first.
    ///
    /// # Errors
    /// - [`DomainError::NotFound`] when there is no such organization.
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn users_of(&self, org: OrgId, page: &PageParams) -> Result<Page<User>, DomainError> {
        let page = page.parse()?;
        self.store.organizations().get(org).await?;
        self.store.users().list(org, page).await
    }

    /// The user who logs in with `email`.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `email`.
    /// - [`DomainError::NotFound`] when nobody does.
    pub async fn user_by_email(&self, email: &str) -> Result<User, DomainError> {
        let email =
            Email::parse(email).map_err(|e| DomainError::invalid("email", e.to_string()))?;
        self.store
            .users()
            .credentials_by_email(&email)
            .await?
            .map(|c| c.user)
            .ok_or(DomainError::not_found("user"))
    }

    /// Sets a user's password and signs them out everywhere.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `password`.
    /// - [`DomainError::NotFound`] when the user is absent.
    pub async fn set_password_of(&self, user: &User, password: &str) -> Result<(), DomainError> {
        let password = Password::parse(password)
            .map_err(|e| DomainError::invalid("password", e.to_string()))?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.set_password(user.org_id, user.id, &hash, now).await?;
        let revoked = revoke_all(&mut uow, user, now).await?;
        let changed = Change::PasswordChanged {
            tokens_revoked: revoked,
        };
        uow.append_event(&Event::new(user.org_id, None, user.id, changed, now))
            .await?;
        uow.commit().await
    }

    /// Changes an owner's or organizer's role (agents have a profile of their own:
    /// add them anew instead).
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `role` when the user or the new role is an
    ///   agent's.
    /// - [`DomainError::NotFound`] when the user is absent.
    pub async fn set_role_of(&self, user: &User, role: Role) -> Result<User, DomainError> {
        if user.role == Role::Agent || role == Role::Agent {
            return Err(DomainError::invalid(
                "role",
                "agents have a profile of their own: only owners and organizers change role",
            ));
        }
        if user.role == role {
            return Ok(user.clone());
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.set_user_role(user.org_id, user.id, role, now).await?;
        let change = Change::UserRoleChanged {
            from: user.role,
            to: role,
        };
        uow.append_event(&Event::new(user.org_id, None, user.id, change, now))
            .await?;
        uow.commit().await?;
        Ok(User {
            role,
            updated_at: now,
            ..user.clone()
        })
    }

    /// Deactivates a user: they can no longer log in, and every token of theirs is
    /// revoked. Deactivating an inactive user changes nothing.
    ///
    /// # Errors
    /// - [`DomainError::NotFound`] when the user is absent.
    pub async fn deactivate_user(&self, user: &User) -> Result<(), DomainError> {
        if !user.active {
            return Ok(());
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.set_user_active(user.org_id, user.id, false, now)
            .await?;
        revoke_all(&mut uow, user, now).await?;
        let change = Change::UserDeactivated { role: user.role };
        uow.append_event(&Event::new(user.org_id, None, user.id, change, now))
            .await?;
        uow.commit().await
    }

    /// Issues an API token for `user`, valid for `days` (for scripts). The secret is
    /// in the answer only.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `days` (1 to 366) or when the user is
    ///   inactive.
    pub async fn issue_api_token(
        &self,
        user: &User,
        days: i64,
    ) -> Result<IssuedToken, DomainError> {
        if !(1..=366).contains(&days) {
            return Err(DomainError::invalid("days", "must be 1 to 366"));
        }
        if !user.active {
            return Err(DomainError::invalid("user", "is deactivated"));
        }
        let now = self.clock.now();
        let (secret, mut token) = self.issue_token(user, now)?;
        token.expires_at = now + TimeDelta::days(days);
        let mut uow = self.store.begin().await?;
        uow.insert_token(&token).await?;
        uow.append_event(&Event::new(
            user.org_id,
            None,
            token.id,
            issued(&token),
            now,
        ))
        .await?;
        uow.commit().await?;
        Ok(IssuedToken { secret, token })
    }

    /// The live tokens of `user`, newest first.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn api_tokens_of(&self, user: &User) -> Result<Vec<ApiToken>, DomainError> {
        self.store.tokens().list(user.org_id, user.id).await
    }

    /// Revokes the token `id` of `org`.
    ///
    /// # Errors
    /// - [`DomainError::NotFound`] when there is no such token.
    pub async fn revoke_api_token(&self, org: OrgId, id: TokenId) -> Result<(), DomainError> {
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let Some(user_id) = uow.revoke_token_by_id(org, id).await? else {
            return Err(DomainError::not_found("token"));
        };
        let change = Change::TokenRevoked {
            user_id,
            reason: Revocation::Operator,
        };
        uow.append_event(&Event::new(org, None, id, change, now))
            .await?;
        uow.commit().await
    }
}

impl<S: Store> Crm<S> {
    /// Removes (or, with `dry_run`, counts) what is past its retention: expired
    /// tokens and password resets, idempotency records older than a day, and, older
    /// than `retention`, closed invitations, deleted leads with their history,
    /// events the relay has passed, finished jobs and webhook deliveries.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `retention` shorter than a day.
    /// - [`DomainError::Storage`] when the store fails; nothing is removed then.
    pub async fn purge(&self, retention: TimeDelta, dry_run: bool) -> Result<Purged, DomainError> {
        if retention < TimeDelta::days(1) {
            return Err(DomainError::invalid("retention", "must be at least a day"));
        }
        let now = self.clock.now();
        let before = now - retention;
        let cutoffs = Cutoffs {
            tokens_expired_before: now,
            invitations_closed_before: before,
            resets_expired_before: now,
            idempotency_before: now - TimeDelta::days(1),
            leads_deleted_before: before,
            events_before: before,
            jobs_before: before,
        };
        let relay = self.store.jobs().cursor(RELAY_LEASE).await?;
        self.store.retention().purge(cutoffs, relay, dry_run).await
    }
}

/// Revokes every token of `user` in `uow`, each with its event; how many.
async fn revoke_all<U: UnitOfWork>(
    uow: &mut U,
    user: &User,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DomainError> {
    let revoked = uow.revoke_tokens_of(user.org_id, user.id).await?;
    for token in &revoked {
        let change = Change::TokenRevoked {
            user_id: user.id,
            reason: Revocation::Operator,
        };
        uow.append_event(&Event::new(user.org_id, None, *token, change, now))
            .await?;
    }
    Ok(u64::try_from(revoked.len()).unwrap_or(u64::MAX))
}
