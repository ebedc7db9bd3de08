//! A user's own sessions: the tokens issued to them at login or signup (a browser's
//! session cookie holds one), listed and revoked by the user themselves.

use chrono::{DateTime, Utc};
use djcrm_domain::events::Revocation;
use djcrm_domain::ports::{Store, TokenRepository, UnitOfWork};
use djcrm_domain::{Actor, ApiToken, Change, DomainError, Event, TokenId};

use crate::Crm;

impl<S: Store> Crm<S> {
    /// The caller's tokens that have not been revoked, newest first.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn sessions(&self, actor: &Actor) -> Result<Vec<ApiToken>, DomainError> {
        self.store.tokens().list(actor.org_id, actor.user_id).await
    }

    /// Revokes the caller's token `id`: it stops authenticating at once, on every
    /// instance. Recorded like a logout.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when the caller has no such live token (another
    /// user's included).
    pub async fn revoke_session(&self, actor: &Actor, id: TokenId) -> Result<(), DomainError> {
        let owned = self.sessions(actor).await?.iter().any(|t| t.id == id);
        if !owned {
            return Err(DomainError::not_found("session"));
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        if uow.revoke_token_by_id(actor.org_id, id).await?.is_none() {
            return Err(DomainError::not_found("session"));
        }
        record_logout(&mut uow, actor, id, now).await?;
        uow.commit().await
    }
}

/// The events of the caller's token `token_id` ending: a logout and a revocation.
pub(crate) async fn record_logout<U: UnitOfWork>(
    uow: &mut U,
    actor: &Actor,
    token_id: TokenId,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let by_actor = |subject: uuid::Uuid, change| {
        Event::new(actor.org_id, Some(actor.user_id), subject, change, now)
    };
    let logged_out = Change::UserLoggedOut { token_id };
    uow.append_event(&by_actor(actor.user_id.as_uuid(), logged_out))
        .await?;
    let revoked = Change::TokenRevoked {
        user_id: actor.user_id,
        reason: Revocation::Logout,
    };
    uow.append_event(&by_actor(token_id.as_uuid(), revoked))
        .await
}
