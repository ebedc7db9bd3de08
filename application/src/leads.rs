//! Leads: create, read, edit, delete, list, assign and move through the pipeline.

use chrono::{DateTime, Utc};
use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::{AgentRepository, CategoryRepository, LeadRepository, Store, UnitOfWork};
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, Actor, Agent, AgentId, CategoryId, Change, Description,
    DomainError, Email, Event, Lead, LeadEdit, LeadField, LeadFilter, LeadId, LeadStatus, Page,
    PersonName, PhoneNumber, SearchQuery, ValidationErrors,
};

use crate::cache::{LEADS_TTL, organization};
use crate::policy::{ensure_can_see_lead, require_organizer};
use crate::{Crm, PageParams, Patch};

/// A new lead.
#[derive(Debug, Clone, Default)]
pub struct CreateLeadRequest {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Phone, if known.
    pub phone: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// A category of the organization.
    pub category_id: Option<CategoryId>,
    /// An active agent of the organization (organizers only; agents get their own leads).
    pub agent_id: Option<AgentId>,
}

impl CreateLeadRequest {
    /// A request with just a name, for quick starts and tests.
    #[must_use]
    pub fn named(first_name: &str, last_name: &str) -> Self {
        Self {
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            ..Self::default()
        }
    }
}

/// Changes to a lead's details. Status and agent have their own use cases.
#[derive(Debug, Clone, Default)]
pub struct UpdateLeadRequest {
    /// A new first name.
    pub first_name: Option<String>,
    /// A new last name.
    pub last_name: Option<String>,
    /// Email: keep, clear or set.
    pub email: Patch<String>,
    /// Phone: keep, clear or set.
    pub phone: Patch<String>,
    /// Description: keep, clear or set.
    pub description: Patch<String>,
    /// Category: keep, clear or set.
    pub category_id: Patch<CategoryId>,
}

/// Listing filters as a client sends them.
#[derive(Debug, Clone, Default)]
pub struct ListLeadsRequest {
    /// Only this status.
    pub status: Option<LeadStatus>,
    /// Only this category.
    pub category_id: Option<CategoryId>,
    /// Only this agent's leads.
    pub agent_id: Option<AgentId>,
    /// Search text over first name, last name and email.
    pub q: Option<String>,
    /// Paging.
    pub page: PageParams,
}

impl<S: Store> Crm<S> {
    /// Creates a lead in status `new`. An agent's lead is assigned to them.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] naming each invalid field, including a
    ///   `category_id` or `agent_id` that is not in the organization.
    /// - [`DomainError::Forbidden`] when an agent assigns a lead to someone else.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id))]
    pub async fn create_lead(
        &self,
        actor: &Actor,
        request: CreateLeadRequest,
    ) -> Result<Lead, DomainError> {
        let agent_id = if actor.is_organizer() {
            request.agent_id
        } else {
            match (request.agent_id, actor.agent_id) {
                (Some(requested), Some(own)) if requested != own => {
                    return Err(DomainError::Forbidden(
                        "agents can only create leads for themselves",
                    ));
                }
                (_, own) => own,
            }
        };
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&request.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&request.last_name));
        let email = errors.check_optional("email", request.email.as_deref().map(Email::parse));
        let phone =
            errors.check_optional("phone", request.phone.as_deref().map(PhoneNumber::parse));
        let description = errors.check_optional(
            "description",
            request.description.as_deref().map(Description::parse),
        );
        self.check_references(actor, request.category_id, agent_id, &mut errors)
            .await?;
        let (Some(first_name), Some(last_name), Some(email), Some(phone), Some(description)) =
            (first_name, last_name, email, phone, description)
        else {
            return Err(errors.into());
        };
        errors.into_result()?;

        let now = self.clock.now();
        let mut lead = Lead::new(LeadId::new(), actor.org_id, first_name, last_name, now);
        lead.email = email;
        lead.phone = phone;
        lead.description = description;
        lead.category_id = request.category_id;
        lead.agent_id = agent_id;
        let mut uow = self.store.begin().await?;
        if let Some(agent) = lead.agent_id {
            ensure_active_agent(&mut uow, actor, agent).await?;
        }
        uow.insert_lead(&lead).await?;
        uow.append_activity(&activity(actor, lead.id, ActivityKind::Created, now))
            .await?;
        let created = Change::LeadCreated {
            lead: LeadSnapshot::from(&lead),
        };
        uow.append_event(&lead_event(actor, lead.id, created, now))
            .await?;
        uow.commit().await?;
        Ok(lead)
    }

    /// One lead the caller may see.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when absent, deleted, in another organization, or
    /// (for agents) not assigned to the caller.
    pub async fn lead(&self, actor: &Actor, id: LeadId) -> Result<Lead, DomainError> {
        let lead = self
            .cached(
                &organization(actor.org_id),
                &format!("lead:{id}"),
                LEADS_TTL,
                async || self.store.leads().get(actor.org_id, id).await.map(Some),
            )
            .await?
            .ok_or(DomainError::not_found("lead"))?;
        ensure_can_see_lead(actor, &lead)?;
        Ok(lead)
    }

    /// Leads the caller may see, filtered, newest first. Agents see only their own.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `status`, `q`, `limit` or `cursor`.
    /// - [`DomainError::Forbidden`] when an agent filters on another agent.
    pub async fn leads(
        &self,
        actor: &Actor,
        request: ListLeadsRequest,
    ) -> Result<Page<Lead>, DomainError> {
        let mut errors = ValidationErrors::new();
        // A blank `q` filters nothing; any other is checked like every text field.
        let query = errors.check_optional(
            "q",
            request
                .q
                .as_deref()
                .filter(|q| !q.trim().is_empty())
                .map(SearchQuery::parse),
        );
        let page = request.page.parse_into(&mut errors);
        let (Some(query), Some(page)) = (query, page) else {
            return Err(errors.into());
        };
        errors.into_result()?;

        let agent_id = if actor.is_organizer() {
            request.agent_id
        } else {
            if request.agent_id.is_some() && request.agent_id != actor.agent_id {
                return Err(DomainError::Forbidden(
                    "agents can only list their own leads",
                ));
            }
            // An agent without a profile sees nothing: filter on an id nobody has.
            Some(
                actor
                    .agent_id
                    .unwrap_or_else(|| AgentId::from_uuid(uuid::Uuid::nil())),
            )
        };
        let filter = LeadFilter {
            status: request.status,
            category_id: request.category_id,
            agent_id,
            query,
        };
        // Every part of the listing's input, the free text last so its colons
        // cannot make two listings one key.
        let key = format!(
            "leads:{}:{}:{}:{}:{}:{}",
            filter.status.map_or("", |s| s.as_str()),
            filter
                .category_id
                .map(|c| c.to_string())
                .unwrap_or_default(),
            filter.agent_id.map(|a| a.to_string()).unwrap_or_default(),
            page.limit.get(),
            page.after.map(|c| c.to_string()).unwrap_or_default(),
            filter.query.as_ref().map_or("", SearchQuery::as_str),
        );
        let listed = self
            .cached(&organization(actor.org_id), &key, LEADS_TTL, async || {
                self.store
                    .leads()
                    .list(actor.org_id, &filter, page)
                    .await
                    .map(Some)
            })
            .await?;
        Ok(listed.unwrap_or(Page {
            items: Vec::new(),
            next_cursor: None,
        }))
    }

    /// Edits a lead's details. With `if_match`, fails unless the lead is still at that
    /// version; without, concurrent edits are re-applied on the latest version.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] naming each invalid field.
    /// - [`DomainError::NotFound`] when the caller may not see the lead.
    /// - [`DomainError::PreconditionFailed`] when `if_match` is stale.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, lead_id = %id))]
    pub async fn update_lead(
        &self,
        actor: &Actor,
        id: LeadId,
        request: UpdateLeadRequest,
        if_match: Option<i64>,
    ) -> Result<Lead, DomainError> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check_optional(
            "first_name",
            request.first_name.as_deref().map(PersonName::parse),
        );
        let last_name = errors.check_optional(
            "last_name",
            request.last_name.as_deref().map(PersonName::parse),
        );
        let email = check_patch(&mut errors, "email", request.email, |v| Email::parse(&v));
        let phone = check_patch(&mut errors, "phone", request.phone, |v| {
            PhoneNumber::parse(&v)
        });
        let description = check_patch(&mut errors, "description", request.description, |v| {
            Description::parse(&v)
        });
        if let Patch::Set(category) = request.category_id {
            self.check_references(actor, Some(category), None, &mut errors)
                .await?;
        }
        let (Some(first_name), Some(last_name), Some(email), Some(phone), Some(description)) =
            (first_name, last_name, email, phone, description)
        else {
            return Err(errors.into());
        };
        errors.into_result()?;
        let edit = LeadEdit {
            first_name,
            last_name,
            email,
            phone,
            description,
            category_id: request.category_id.into_change(),
        };

        self.modify_lead(actor, id, if_match, None, |lead, now| {
            let fields = lead.edit(edit, now);
            Ok((!fields.is_empty()).then(|| edited(lead, fields)))
        })
        .await
    }

    /// Deletes a lead (softly: it leaves every read, list and stat; its history stays).
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent, already deleted or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, lead_id = %id))]
    pub async fn delete_lead(&self, actor: &Actor, id: LeadId) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can delete leads")?;
        let mut uow = self.store.begin().await?;
        let mut lead = uow.lead_for_update(actor.org_id, id).await?;
        let base_version = lead.version();
        let now = self.clock.now();
        lead.delete(now);
        uow.delete_lead(&lead, base_version).await?;
        uow.append_activity(&activity(actor, id, ActivityKind::Deleted, now))
            .await?;
        let deleted = Change::LeadDeleted {
            version: lead.version(),
        };
        uow.append_event(&lead_event(actor, id, deleted, now))
            .await?;
        uow.commit().await
    }

    /// Gives a lead to an active agent of the organization, or takes it back (`None`).
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `agent_id` when it is no active agent of the organization.
    /// - [`DomainError::NotFound`] when the lead is absent or in another organization.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, lead_id = %id))]
    pub async fn assign_lead(
        &self,
        actor: &Actor,
        id: LeadId,
        agent_id: Option<AgentId>,
        if_match: Option<i64>,
    ) -> Result<Lead, DomainError> {
        require_organizer(actor, "only organizers can assign leads")?;
        let mut errors = ValidationErrors::new();
        self.check_references(actor, None, agent_id, &mut errors)
            .await?;
        errors.into_result()?;
        self.modify_lead(actor, id, if_match, agent_id, |lead, now| {
            Ok(lead
                .assign(agent_id, now)
                .and_then(|previous| reassigned(lead, previous)))
        })
        .await
    }

    /// Moves a lead along the pipeline, with an optional note.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `status` or `note`.
    /// - [`DomainError::InvalidTransition`] when the pipeline forbids the move.
    /// - [`DomainError::NotFound`] when the caller may not see the lead.
    /// - [`DomainError::PreconditionFailed`] when `if_match` is stale.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, lead_id = %id))]
    pub async fn change_lead_status(
        &self,
        actor: &Actor,
        id: LeadId,
        to: LeadStatus,
        note: Option<&str>,
        if_match: Option<i64>,
    ) -> Result<Lead, DomainError> {
        let note = note
            .map(Description::parse)
            .transpose()
            .map_err(|e| DomainError::invalid("note", e.to_string()))?;
        self.modify_lead(actor, id, if_match, None, |lead, now| {
            let from = lead.transition(to, now)?;
            let change = Change::LeadStatusChanged {
                from,
                to,
                note: note.as_ref().map(|n| n.as_str().to_owned()),
                version: lead.version(),
            };
            Ok(Some((
                ActivityKind::StatusChanged { from, to, note },
                change,
            )))
        })
        .await
    }

    /// Changes one lead in one unit of work: the lead is read locked, checked against
    /// the caller's rights and `if_match`, changed by `change` (which says what
    /// happened, or `None` when nothing did: then nothing is written), and saved
    /// with its activity and its event. An `assignee` must still be active then.
    async fn modify_lead<F>(
        &self,
        actor: &Actor,
        id: LeadId,
        if_match: Option<i64>,
        assignee: Option<AgentId>,
        change: F,
    ) -> Result<Lead, DomainError>
    where
        F: FnOnce(&mut Lead, DateTime<Utc>) -> Result<Option<(ActivityKind, Change)>, DomainError>
            + Send,
    {
        let mut uow = self.store.begin().await?;
        let mut lead = uow.lead_for_update(actor.org_id, id).await?;
        ensure_can_see_lead(actor, &lead)?;
        if let Some(expected) = if_match.filter(|expected| *expected != lead.version()) {
            return Err(DomainError::PreconditionFailed { expected });
        }
        if let Some(agent) = assignee {
            ensure_active_agent(&mut uow, actor, agent).await?;
        }
        let base_version = lead.version();
        let now = self.clock.now();
        let Some((kind, event)) = change(&mut lead, now)? else {
            return Ok(lead);
        };
        save_lead_change(&mut uow, actor, &lead, base_version, (kind, event), now).await?;
        uow.commit().await?;
        Ok(lead)
    }

    /// Checks that a referenced category and agent belong to the caller's
    /// organization (and that the agent is active), recording failures.
    async fn check_references(
        &self,
        actor: &Actor,
        category_id: Option<CategoryId>,
        agent_id: Option<AgentId>,
        errors: &mut ValidationErrors,
    ) -> Result<(), DomainError> {
        if let Some(category_id) = category_id {
            match self.store.categories().get(actor.org_id, category_id).await {
                Ok(_) => {}
                Err(DomainError::NotFound { .. }) => {
                    errors.add("category_id", "no such category in this organization");
                }
                Err(other) => return Err(other),
            }
        }
        if let Some(agent_id) = agent_id {
            let found = self.store.agents().get(actor.org_id, agent_id).await;
            if let Some(problem) = unassignable(found)? {
                errors.add("agent_id", problem);
            }
        }
        Ok(())
    }
}

/// An activity by `actor` on `lead` at `now`.
pub(crate) fn activity(
    actor: &Actor,
    lead: LeadId,
    kind: ActivityKind,
    now: DateTime<Utc>,
) -> Activity {
    Activity {
        id: ActivityId::new(),
        org_id: actor.org_id,
        lead_id: lead,
        actor_id: Some(actor.user_id),
        kind,
        created_at: now,
    }
}

/// Fails unless `agent` is an active agent of the actor's organization, and keeps it
/// so (share-locked) until the unit of work ends: the up-front check of the request
/// may be stale by now.
async fn ensure_active_agent<U: UnitOfWork>(
    uow: &mut U,
    actor: &Actor,
    agent: AgentId,
) -> Result<(), DomainError> {
    match unassignable(uow.agent_for_share(actor.org_id, agent).await)? {
        Some(problem) => Err(DomainError::invalid("agent_id", problem)),
        None => Ok(()),
    }
}

/// Why the agent `found` cannot be given leads, if it cannot: absent (or another
/// organization's) or deactivated. Other failures pass through.
fn unassignable(found: Result<Agent, DomainError>) -> Result<Option<&'static str>, DomainError> {
    match found {
        Ok(agent) if agent.active => Ok(None),
        Ok(_) => Ok(Some("the agent is deactivated")),
        Err(DomainError::NotFound { .. }) => Ok(Some("no such agent in this organization")),
        Err(other) => Err(other),
    }
}

/// Saves `lead`, changed from `base_version`, with the history entry and the event
/// that record the change: the one way every use case writes a changed lead.
pub(crate) async fn save_lead_change<U: UnitOfWork>(
    uow: &mut U,
    actor: &Actor,
    lead: &Lead,
    base_version: i64,
    (kind, change): (ActivityKind, Change),
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    uow.save_lead(lead, base_version).await?;
    uow.append_activity(&activity(actor, lead.id, kind, now))
        .await?;
    uow.append_event(&lead_event(actor, lead.id, change, now))
        .await
}

/// What an edit that changed `fields` of `lead` records.
pub(crate) fn edited(lead: &Lead, fields: Vec<LeadField>) -> (ActivityKind, Change) {
    let change = Change::LeadUpdated {
        fields: fields.clone(),
        lead: LeadSnapshot::from(lead),
    };
    (ActivityKind::Updated { fields }, change)
}

/// What giving `lead` to its current agent, taken from `previous`, records; `None`
/// when it had no agent before and has none now.
pub(crate) fn reassigned(lead: &Lead, previous: Option<AgentId>) -> Option<(ActivityKind, Change)> {
    let version = lead.version();
    let change = match (lead.agent_id, previous) {
        (Some(agent_id), previous_agent_id) => Change::LeadAssigned {
            agent_id,
            previous_agent_id,
            version,
        },
        (None, Some(previous_agent_id)) => Change::LeadUnassigned {
            previous_agent_id,
            version,
        },
        (None, None) => return None,
    };
    let kind = ActivityKind::Assigned {
        agent_id: lead.agent_id,
    };
    Some((kind, change))
}

/// An event by `actor` about lead `lead` at `now`.
pub(crate) fn lead_event(actor: &Actor, lead: LeadId, change: Change, now: DateTime<Utc>) -> Event {
    Event::new(actor.org_id, Some(actor.user_id), lead, change, now)
}

fn check_patch<T, E: std::fmt::Display>(
    errors: &mut ValidationErrors,
    field: &str,
    patch: Patch<String>,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> Option<Option<Option<T>>> {
    match patch {
        Patch::Keep => Some(None),
        Patch::Clear => Some(Some(None)),
        Patch::Set(raw) => errors.check(field, parse(raw)).map(|v| Some(Some(v))),
    }
}
