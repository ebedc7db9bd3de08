//! Invitations: an organizer invites someone by mail; the invitee chooses a password
//! and joins as an agent. The token goes only into the mail (sealed beside the
//! event for the relay); the store keeps its hash.

use chrono::{DateTime, Utc};
use djcrm_domain::events::AgentSnapshot;
use djcrm_domain::jobs::Secret;
use djcrm_domain::ports::{InvitationRepository, Store, UnitOfWork, UserRepository};
use djcrm_domain::{
    Actor, Agent, AgentId, Change, DomainError, Email, Event, Invitation, InvitationId,
    InvitationState, Page, Password, PersonName, User, UserId, ValidationErrors,
};

use crate::auth::{LoggedIn, issued};
use crate::policy::require_organizer;
use crate::tokens::{generate_secret, hash_secret};
use crate::{Crm, PageParams};

/// Whom to invite.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    /// Where the invitation goes; the agent's login once they join.
    pub email: String,
    /// Their name as an agent.
    pub full_name: String,
}

/// An invitee's answer: the token from the mail and the password they chose.
#[derive(Debug, Clone)]
pub struct AcceptInvitationRequest {
    /// The token from the mail.
    pub token: String,
    /// Their password (at least 10 characters).
    pub password: String,
}

impl<S: Store> Crm<S> {
    /// Invites `request.email` to join the caller's organization as an agent; the
    /// mail goes out from a background job.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] naming each invalid field.
    /// - [`DomainError::Conflict`] on `email` when someone has an account with it or
    ///   an invitation to it is pending.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id))]
    pub async fn invite(
        &self,
        actor: &Actor,
        request: InviteRequest,
    ) -> Result<Invitation, DomainError> {
        require_organizer(actor, "only organizers can invite agents")?;
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", Email::parse(&request.email));
        let full_name = errors.check("full_name", PersonName::parse(&request.full_name));
        let (Some(email), Some(full_name)) = (email, full_name) else {
            return Err(errors.into());
        };
        self.ensure_no_account(&email).await?;
        let now = self.clock.now();
        let secret = generate_secret()?;
        let invitation = Invitation {
            id: InvitationId::new(),
            org_id: actor.org_id,
            email,
            full_name,
            invited_by: Some(actor.user_id),
            token_hash: hash_secret(&secret),
            created_at: now,
            sent_at: now,
            expires_at: now + self.settings.invitation_ttl,
            accepted_at: None,
            revoked_at: None,
        };
        let mut uow = self.store.begin().await?;
        uow.insert_invitation(&invitation).await?;
        let event = sent(actor, &invitation, false, now);
        uow.append_event(&event).await?;
        uow.seal(event.id, &Secret::new(secret)).await?;
        uow.commit().await?;
        Ok(invitation)
    }

    /// The caller's organization's open invitations (pending or expired), newest
    /// first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn invitations(
        &self,
        actor: &Actor,
        page: &PageParams,
    ) -> Result<Page<Invitation>, DomainError> {
        require_organizer(actor, "only organizers can list invitations")?;
        let page = page.parse()?;
        self.store.invitations().list_open(actor.org_id, page).await
    }

    /// One invitation of the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn invitation(
        &self,
        actor: &Actor,
        id: InvitationId,
    ) -> Result<Invitation, DomainError> {
        require_organizer(actor, "only organizers can see invitations")?;
        self.store.invitations().get(actor.org_id, id).await
    }

    /// Mails an open invitation again with a new token (the old one stops working)
    /// and a new expiry.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    /// - [`DomainError::Conflict`] when it was accepted or revoked.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, invitation_id = %id))]
    pub async fn resend_invitation(
        &self,
        actor: &Actor,
        id: InvitationId,
    ) -> Result<Invitation, DomainError> {
        require_organizer(actor, "only organizers can resend invitations")?;
        let now = self.clock.now();
        let secret = generate_secret()?;
        let mut uow = self.store.begin().await?;
        let mut invitation = uow.invitation_for_update(actor.org_id, id).await?;
        ensure_open(&invitation)?;
        invitation.token_hash = hash_secret(&secret);
        invitation.sent_at = now;
        invitation.expires_at = now + self.settings.invitation_ttl;
        uow.save_invitation(&invitation).await?;
        let event = sent(actor, &invitation, true, now);
        uow.append_event(&event).await?;
        uow.seal(event.id, &Secret::new(secret)).await?;
        uow.commit().await?;
        Ok(invitation)
    }

    /// Withdraws an open invitation: its token stops working. Revoking a revoked
    /// invitation changes nothing. Answers the invitation as it stands.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    /// - [`DomainError::Conflict`] when it was accepted.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, invitation_id = %id))]
    pub async fn revoke_invitation(
        &self,
        actor: &Actor,
        id: InvitationId,
    ) -> Result<Invitation, DomainError> {
        require_organizer(actor, "only organizers can revoke invitations")?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let mut invitation = uow.invitation_for_update(actor.org_id, id).await?;
        if invitation.revoked_at.is_some() {
            return Ok(invitation);
        }
        ensure_open(&invitation)?;
        invitation.revoked_at = Some(now);
        uow.save_invitation(&invitation).await?;
        let revoked = Change::InvitationRevoked {
            email: invitation.email.as_str().to_owned(),
        };
        uow.append_event(&Event::new(
            actor.org_id,
            Some(actor.user_id),
            invitation.id,
            revoked,
            now,
        ))
        .await?;
        uow.commit().await?;
        Ok(invitation)
    }

    /// Joins the organization of the invitation whose token this is, as an agent
    /// with the chosen password, and logs the new agent in. The token works once.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `password`.
    /// - [`DomainError::Unauthenticated`] when the token is unknown, used, revoked or
    ///   expired (one answer for all: a token is a credential).
    /// - [`DomainError::Conflict`] on `email` when the email got an account meanwhile.
    #[tracing::instrument(skip_all)]
    pub async fn accept_invitation(
        &self,
        request: AcceptInvitationRequest,
    ) -> Result<LoggedIn, DomainError> {
        let password = Password::parse(&request.password)
            .map_err(|e| DomainError::invalid("password", e.to_string()))?;
        let hash = hash_secret(request.token.trim());
        let now = self.clock.now();
        // Refused before the slow hash, so a stream of bad tokens costs little.
        let pending = self.store.invitations().by_token(&hash).await?;
        if !pending.is_some_and(|i| i.state(now) == InvitationState::Pending) {
            return Err(DomainError::Unauthenticated);
        }
        let password_hash = self.hasher.hash(&password).await?;
        let mut uow = self.store.begin().await?;
        let mut invitation = match uow.invitation_by_token_for_update(&hash).await? {
            Some(invitation) if invitation.state(now) == InvitationState::Pending => invitation,
            _ => return Err(DomainError::Unauthenticated),
        };
        let agent = Agent {
            id: AgentId::new(),
            org_id: invitation.org_id,
            user_id: UserId::new(),
            email: invitation.email.clone(),
            full_name: invitation.full_name.clone(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        let user: User = agent.user();
        uow.insert_user(&user, &password_hash).await?;
        uow.insert_agent(&agent).await?;
        invitation.accepted_at = Some(now);
        uow.save_invitation(&invitation).await?;
        let (secret, token) = self.issue_token(&user, now)?;
        uow.insert_token(&token).await?;
        let by_agent = |subject: uuid::Uuid, change| {
            Event::new(agent.org_id, Some(user.id), subject, change, now)
        };
        let created = Change::AgentCreated {
            agent: AgentSnapshot::from(&agent),
        };
        let accepted = Change::InvitationAccepted {
            email: agent.email.as_str().to_owned(),
            agent_id: agent.id,
        };
        uow.append_event(&by_agent(agent.id.as_uuid(), created))
            .await?;
        uow.append_event(&by_agent(invitation.id.as_uuid(), accepted))
            .await?;
        uow.append_event(&by_agent(token.id.as_uuid(), issued(&token)))
            .await?;
        uow.commit().await?;
        tracing::info!(org_id = %agent.org_id, agent_id = %agent.id, "invitation accepted");
        Ok(LoggedIn {
            token: secret,
            expires_at: token.expires_at,
            user,
        })
    }

    async fn ensure_no_account(&self, email: &Email) -> Result<(), DomainError> {
        match self.store.users().credentials_by_email(email).await? {
            Some(_) => Err(DomainError::Conflict {
                field: "email",
                message: "an account with this email already exists".to_owned(),
            }),
            None => Ok(()),
        }
    }
}

/// Refuses a change to an accepted or revoked invitation.
fn ensure_open(invitation: &Invitation) -> Result<(), DomainError> {
    if invitation.is_open() {
        Ok(())
    } else {
        Err(DomainError::Conflict {
            field: "invitation",
            message: "the invitation was already accepted or revoked".to_owned(),
        })
    }
}

/// The event of an invitation mailed (again).
fn sent(actor: &Actor, invitation: &Invitation, resent: bool, now: DateTime<Utc>) -> Event {
    let change = Change::InvitationSent {
        email: invitation.email.as_str().to_owned(),
        full_name: invitation.full_name.as_str().to_owned(),
        expires_at: invitation.expires_at,
        resent,
    };
    Event::new(
        actor.org_id,
        Some(actor.user_id),
        invitation.id,
        change,
        now,
    )
}
