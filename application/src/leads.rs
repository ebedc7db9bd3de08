//! Leads: create, read, edit, delete, list, assign and move through the pipeline.

use chrono::{DateTime, Utc};
use djcrm_domain::ports::{AgentRepository, CategoryRepository, LeadRepository, Store};
use djcrm_domain::{
    Activity, ActivityId, ActivityKind, Actor, AgentId, CategoryId, Description, DomainError,
    Email, Lead, LeadFilter, LeadId, LeadStatus, Page, PersonName, PhoneNumber, ValidationErrors,
};

use crate::policy::{ensure_can_see_lead, require_organizer};
use crate::{Crm, PageParams, Patch};

/// How often a change without `If-Match` is re-applied on fresh data when another
/// writer got there first. Each retry re-checks the rules (e.g. the pipeline).
const MAX_WRITE_ATTEMPTS: usize = 32;

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
    /// Only this status (by name).
    pub status: Option<String>,
    /// Only this category.
    pub category_id: Option<CategoryId>,
    /// Only this agent's leads.
    pub agent_id: Option<AgentId>,
    /// Search text over first name, last name and email.
    pub q: Option<String>,
    /// Paging.
    pub page: PageParams,
}

/// The longest search text accepted.
const MAX_QUERY_CHARS: usize = 100;

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
        let lead = Lead {
            id: LeadId::new(),
            org_id: actor.org_id,
            first_name,
            last_name,
            email,
            phone,
            description,
            status: LeadStatus::New,
            category_id: request.category_id,
            agent_id,
            version: 1,
            created_at: now,
            updated_at: now,
            first_contacted_at: None,
        };
        let activity = activity(actor, lead.id, ActivityKind::Created, now);
        self.store.leads().create(&lead, &activity).await?;
        Ok(lead)
    }

    /// One lead the caller may see.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when absent, deleted, in another organization, or
    /// (for agents) not assigned to the caller.
    pub async fn lead(&self, actor: &Actor, id: LeadId) -> Result<Lead, DomainError> {
        let lead = self.store.leads().get(actor.org_id, id).await?;
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
        let status = errors.check_optional(
            "status",
            request.status.as_deref().map(str::parse::<LeadStatus>),
        );
        let query = request
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty());
        if query.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
            errors.add("q", format!("must be at most {MAX_QUERY_CHARS} characters"));
        }
        let page = request.page.parse_into(&mut errors);
        let (Some(status), Some(page)) = (status, page) else {
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
            status,
            category_id: request.category_id,
            agent_id,
            query: query.map(str::to_owned),
        };
        self.store.leads().list(actor.org_id, &filter, page).await
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
        let category_id = request.category_id;

        self.modify_lead(actor, id, if_match, |lead, now| {
            let mut changed = Vec::new();
            set_if_changed(
                &mut lead.first_name,
                first_name.clone(),
                "first_name",
                &mut changed,
            );
            set_if_changed(
                &mut lead.last_name,
                last_name.clone(),
                "last_name",
                &mut changed,
            );
            patch_if_changed(&mut lead.email, email.clone(), "email", &mut changed);
            patch_if_changed(&mut lead.phone, phone.clone(), "phone", &mut changed);
            patch_if_changed(
                &mut lead.description,
                description.clone(),
                "description",
                &mut changed,
            );
            patch_if_changed(
                &mut lead.category_id,
                category_id.clone().into_change(),
                "category_id",
                &mut changed,
            );
            if changed.is_empty() {
                return Ok(None);
            }
            lead.touch(now);
            Ok(Some(ActivityKind::Updated { fields: changed }))
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
        let now = self.clock.now();
        let activity = activity(actor, id, ActivityKind::Deleted, now);
        self.store.leads().delete(actor.org_id, id, &activity).await
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
        self.modify_lead(actor, id, if_match, |lead, now| {
            if lead.agent_id == agent_id {
                return Ok(None);
            }
            lead.agent_id = agent_id;
            lead.touch(now);
            Ok(Some(ActivityKind::Assigned { agent_id }))
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
        status: &str,
        note: Option<&str>,
        if_match: Option<i64>,
    ) -> Result<Lead, DomainError> {
        let mut errors = ValidationErrors::new();
        let to = errors.check("status", status.parse::<LeadStatus>());
        let note = errors.check_optional("note", note.map(Description::parse));
        let (Some(to), Some(note)) = (to, note) else {
            return Err(errors.into());
        };
        self.modify_lead(actor, id, if_match, |lead, now| {
            let from = lead.transition(to, now)?;
            Ok(Some(ActivityKind::StatusChanged {
                from,
                to,
                note: note.clone(),
            }))
        })
        .await
    }

    /// Read-modify-write of one lead with optimistic locking. `change` edits the lead
    /// and says what happened, or `None` when nothing changed (nothing is written).
    async fn modify_lead<F>(
        &self,
        actor: &Actor,
        id: LeadId,
        if_match: Option<i64>,
        change: F,
    ) -> Result<Lead, DomainError>
    where
        F: Fn(&mut Lead, DateTime<Utc>) -> Result<Option<ActivityKind>, DomainError> + Send + Sync,
    {
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut lead = self.lead(actor, id).await?;
            if let Some(expected) = if_match.filter(|expected| *expected != lead.version) {
                return Err(DomainError::PreconditionFailed { expected });
            }
            let base_version = lead.version;
            let now = self.clock.now();
            let Some(kind) = change(&mut lead, now)? else {
                return Ok(lead);
            };
            let activity = activity(actor, id, kind, now);
            match self
                .store
                .leads()
                .update(&lead, base_version, &activity)
                .await
            {
                Err(DomainError::PreconditionFailed { .. }) if if_match.is_none() => {
                    tracing::debug!("lead changed concurrently; retrying on the new version");
                }
                result => return result.map(|()| lead),
            }
        }
        Err(DomainError::Conflict {
            field: "lead",
            message: "the lead is being changed by others; try again".into(),
        })
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
            match self.store.agents().get(actor.org_id, agent_id).await {
                Ok(agent) if agent.active => {}
                Ok(_) => errors.add("agent_id", "the agent is deactivated"),
                Err(DomainError::NotFound { .. }) => {
                    errors.add("agent_id", "no such agent in this organization");
                }
                Err(other) => return Err(other),
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
        actor_id: actor.user_id,
        kind,
        created_at: now,
    }
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

fn set_if_changed<T: PartialEq>(
    slot: &mut T,
    new: Option<T>,
    field: &str,
    changed: &mut Vec<String>,
) {
    if let Some(new) = new.filter(|new| new != slot) {
        *slot = new;
        changed.push(field.to_owned());
    }
}

fn patch_if_changed<T: PartialEq>(
    slot: &mut Option<T>,
    new: Option<Option<T>>,
    field: &str,
    changed: &mut Vec<String>,
) {
    set_if_changed(slot, new, field, changed);
}
