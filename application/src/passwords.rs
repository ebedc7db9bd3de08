//! Forgotten passwords: a reset mailed with a single-use token that expires, and
//! the new password set with it, which signs the user out everywhere.

use djcrm_domain::events::Revocation;
use djcrm_domain::jobs::Secret;
use djcrm_domain::ports::{Store, UnitOfWork, UserRepository};
use djcrm_domain::{Change, DomainError, Email, Event, Password, PasswordReset, ResetId};

use crate::Crm;
use crate::limits::email_key;
use crate::tokens::{generate_secret, hash_secret};

/// A new password, with the token from the reset mail.
#[derive(Debug, Clone)]
pub struct ConfirmPasswordReset {
    /// The token from the mail.
    pub token: String,
    /// The new password (at least 10 characters).
    pub password: String,
}

impl<S: Store> Crm<S> {
    /// Mails a password reset to the account with `email`, if there is an active
    /// one. Answers the same whether there is or not, so accounts cannot be
    /// discovered through it.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `email` when it is not an email address.
    /// - [`DomainError::RateLimited`] past the requests allowed for this email.
    #[tracing::instrument(skip_all)]
    pub async fn request_password_reset(&self, email: &str) -> Result<(), DomainError> {
        let key = email_key("password-resets", email);
        self.within_limit(&key, self.settings.limits.password_resets_per_email, true)
            .await?;
        let email =
            Email::parse(email).map_err(|e| DomainError::invalid("email", e.to_string()))?;
        let Some(credentials) = self.store.users().credentials_by_email(&email).await? else {
            return Ok(());
        };
        let user = credentials.user;
        if !user.active {
            return Ok(());
        }
        let now = self.clock.now();
        let secret = generate_secret()?;
        let reset = PasswordReset {
            id: ResetId::new(),
            org_id: user.org_id,
            user_id: user.id,
            token_hash: hash_secret(&secret),
            created_at: now,
            expires_at: now + self.settings.reset_ttl,
            used_at: None,
        };
        let mut uow = self.store.begin().await?;
        uow.insert_password_reset(&reset).await?;
        let requested = Change::PasswordResetRequested {
            expires_at: reset.expires_at,
        };
        let event = Event::new(user.org_id, None, user.id, requested, now);
        uow.append_event(&event).await?;
        uow.seal(event.id, &Secret::new(secret)).await?;
        uow.commit().await
    }

    /// Sets a new password with the token of a reset mail. The token works once (and
    /// every older reset of the same user stops working); every token of the user
    /// is revoked, so a session opened by whoever knew the old password ends.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `password`.
    /// - [`DomainError::Unauthenticated`] when the token is unknown, used or expired,
    ///   or its user was deactivated (one answer for all: a token is a credential).
    #[tracing::instrument(skip_all)]
    pub async fn confirm_password_reset(
        &self,
        request: ConfirmPasswordReset,
    ) -> Result<(), DomainError> {
        let password = Password::parse(&request.password)
            .map_err(|e| DomainError::invalid("password", e.to_string()))?;
        let hash = hash_secret(request.token.trim());
        // Hashed before the transaction, so no write waits on the hashing; the
        // endpoint is limited per client address, which bounds guessing.
        let password_hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let reset = match uow.password_reset_by_token_for_update(&hash).await? {
            Some(reset) if reset.is_usable(now) => reset,
            _ => return Err(DomainError::Unauthenticated),
        };
        let user = uow.user_for_update(reset.org_id, reset.user_id).await?;
        if !user.active {
            return Err(DomainError::Unauthenticated);
        }
        uow.set_password(user.org_id, user.id, &password_hash, now)
            .await?;
        uow.use_password_resets(user.id, now).await?;
        let revoked = uow.revoke_tokens_of(user.org_id, user.id).await?;
        let by_user = |subject: uuid::Uuid, change| {
            Event::new(user.org_id, Some(user.id), subject, change, now)
        };
        for token in &revoked {
            let change = Change::TokenRevoked {
                user_id: user.id,
                reason: Revocation::PasswordReset,
            };
            uow.append_event(&by_user(token.as_uuid(), change)).await?;
        }
        let changed = Change::PasswordChanged {
            tokens_revoked: u64::try_from(revoked.len()).unwrap_or(u64::MAX),
        };
        uow.append_event(&by_user(user.id.as_uuid(), changed))
            .await?;
        uow.commit().await?;
        tracing::info!(org_id = %user.org_id, user_id = %user.id, "password reset");
        Ok(())
    }
}
