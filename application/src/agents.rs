//! Agents: created and managed by organizers.

use djcrm_domain::events::{AgentField, AgentSnapshot, Revocation};
use djcrm_domain::ports::{AgentRepository, Store, UnitOfWork};
use djcrm_domain::{
    Actor, Agent, AgentId, Change, DomainError, Event, OrgId, Page, PersonName, UserId,
    ValidationErrors,
};

use chrono::{DateTime, Utc};

use crate::account::NewAccount;
use crate::leads::{reassigned, save_lead_change};
use crate::policy::require_organizer;
use crate::{Crm, PageParams};

/// A new agent, with the initial password the organizer hands over.
#[derive(Debug, Clone)]
pub struct CreateAgentRequest {
    /// Their email, their login.
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// Their initial password (at least 10 characters).
    pub password: String,
}

/// Changes to an agent; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpdateAgentRequest {
    /// A new name.
    pub full_name: Option<String>,
    /// Deactivate (`false`) or reactivate (`true`).
    pub active: Option<bool>,
}

impl<S: Store> Crm<S> {
    /// Adds an agent to the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] naming each invalid field.
    /// - [`DomainError::Conflict`] on `email` when the email is taken.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id))]
    pub async fn create_agent(
        &self,
        actor: &Actor,
        request: CreateAgentRequest,
    ) -> Result<Agent, DomainError> {
        require_organizer(actor, "only organizers can add agents")?;
        self.add_agent(actor.org_id, Some(actor.user_id), request)
            .await
    }

    /// Adds an agent (user and profile) by `by` (`None`: an operator).
    pub(crate) async fn add_agent(
        &self,
        org_id: OrgId,
        by: Option<UserId>,
        request: CreateAgentRequest,
    ) -> Result<Agent, DomainError> {
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
        let agent = Agent {
            id: AgentId::new(),
            org_id,
            user_id: UserId::new(),
            email,
            full_name,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let password_hash = self.hasher.hash(&password).await?;
        let mut uow = self.store.begin().await?;
        uow.insert_user(&agent.user(), &password_hash).await?;
        uow.insert_agent(&agent).await?;
        let created = Change::AgentCreated {
            agent: AgentSnapshot::from(&agent),
        };
        uow.append_event(&Event::new(org_id, by, agent.id, created, now))
            .await?;
        uow.commit().await?;
        Ok(agent)
    }

    /// One agent of the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer or that agent.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn agent(&self, actor: &Actor, id: AgentId) -> Result<Agent, DomainError> {
        if !crate::policy::can_see_agent_data(actor, Some(id)) {
            return Err(DomainError::Forbidden(
                "only organizers can see other agents",
            ));
        }
        self.store.agents().get(actor.org_id, id).await
    }

    /// The agents of the caller's organization, newest first.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn agents(
        &self,
        actor: &Actor,
        page: &PageParams,
    ) -> Result<Page<Agent>, DomainError> {
        require_organizer(actor, "only organizers can list agents")?;
        let page = page.parse()?;
        self.store.agents().list(actor.org_id, page).await
    }

    /// Renames, deactivates or reactivates an agent. Deactivation signs the agent
    /// out everywhere; their leads stay assigned for the organizer to reassign.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `full_name`.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, agent_id = %id))]
    pub async fn update_agent(
        &self,
        actor: &Actor,
        id: AgentId,
        request: UpdateAgentRequest,
    ) -> Result<Agent, DomainError> {
        require_organizer(actor, "only organizers can change agents")?;
        let full_name = request
            .full_name
            .as_deref()
            .map(PersonName::parse)
            .transpose()
            .map_err(|e| DomainError::invalid("full_name", e.to_string()))?;
        let mut uow = self.store.begin().await?;
        // Locked: a rename racing a deactivation cannot write back a stale flag.
        let mut agent = uow.agent_for_update(actor.org_id, id).await?;
        let now = self.clock.now();
        let mut fields = Vec::new();
        if let Some(full_name) = full_name.filter(|name| *name != agent.full_name) {
            agent.full_name = full_name;
            fields.push(AgentField::FullName);
        }
        let deactivating = request.active == Some(false) && agent.active;
        if request.active == Some(true) && !agent.active {
            agent.active = true;
            fields.push(AgentField::Active);
        }
        if deactivating {
            agent.active = false;
        }
        if fields.is_empty() && !deactivating {
            return Ok(agent);
        }
        agent.updated_at = now;
        uow.save_agent(&agent).await?;
        let event = |change| Event::new(actor.org_id, Some(actor.user_id), id, change, now);
        if !fields.is_empty() {
            let updated = Change::AgentUpdated {
                fields,
                agent: AgentSnapshot::from(&agent),
            };
            uow.append_event(&event(updated)).await?;
        }
        if deactivating {
            let deactivated = Change::AgentDeactivated {
                agent: AgentSnapshot::from(&agent),
            };
            uow.append_event(&event(deactivated)).await?;
            sign_out(&mut uow, actor, &agent, now).await?;
        }
        uow.commit().await?;
        Ok(agent)
    }

    /// Deletes an agent (`DELETE /agents/{id}`): signed out everywhere, its leads
    /// unassigned for the organizer to reassign, and gone from every read, list and
    /// stat. Its user is kept, so the history still names who acted. To keep an agent
    /// but stop them working, deactivate instead ([`Crm::update_agent`]).
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent, already deleted or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, agent_id = %id))]
    pub async fn delete_agent(&self, actor: &Actor, id: AgentId) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can delete agents")?;
        let mut uow = self.store.begin().await?;
        // Locks in the order assignment takes them (the lead, then its agent), or the
        // two deadlock: the agent's leads, then the agent, then any lead assigned to
        // the agent in between (no more can be once the agent is locked).
        let mut leads = uow.leads_of_agent_for_update(actor.org_id, id).await?;
        let mut agent = uow.agent_for_update(actor.org_id, id).await?;
        for late in uow.leads_of_agent_for_update(actor.org_id, id).await? {
            if !leads.iter().any(|lead| lead.id == late.id) {
                leads.push(late);
            }
        }
        let now = self.clock.now();
        let event = |subject: uuid::Uuid, change| {
            Event::new(actor.org_id, Some(actor.user_id), subject, change, now)
        };
        for mut lead in leads {
            let base_version = lead.version();
            let recorded = lead
                .assign(None, now)
                .and_then(|previous| reassigned(&lead, previous));
            if let Some(recorded) = recorded {
                save_lead_change(&mut uow, actor, &lead, base_version, recorded, now).await?;
            }
        }
        agent.active = false;
        agent.updated_at = now;
        uow.save_agent(&agent).await?;
        sign_out(&mut uow, actor, &agent, now).await?;
        uow.delete_agent(actor.org_id, id, now).await?;
        let deleted = Change::AgentDeleted {
            agent: AgentSnapshot::from(&agent),
        };
        uow.append_event(&event(id.as_uuid(), deleted)).await?;
        uow.commit().await
    }
}

/// Revokes every token of `agent`'s user, each with its `token.revoked`.
async fn sign_out<U: UnitOfWork>(
    uow: &mut U,
    actor: &Actor,
    agent: &Agent,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    for token in uow.revoke_tokens_of(actor.org_id, agent.user_id).await? {
        let revoked = Change::TokenRevoked {
            user_id: agent.user_id,
            reason: Revocation::Deactivated,
        };
        let event = Event::new(actor.org_id, Some(actor.user_id), token, revoked, now);
        uow.append_event(&event).await?;
    }
    Ok(())
}
