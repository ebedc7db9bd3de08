//! The caller's organization and its settings.

use djcrm_domain::ports::{OrganizationRepository, Store, UnitOfWork};
use djcrm_domain::{
    Actor, Change, DomainError, Event, Organization, OrganizationName, ValidationErrors,
};

use crate::Crm;
use crate::policy::require_organizer;

/// Changes to the organization; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpdateOrganizationRequest {
    /// A new name.
    pub name: Option<String>,
}

impl<S: Store> Crm<S> {
    /// The caller's organization.
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn organization(&self, actor: &Actor) -> Result<Organization, DomainError> {
        require_organizer(actor, "only organizers can see the organization's settings")?;
        self.store.organizations().get(actor.org_id).await
    }

    /// Changes the caller's organization.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `name`.
    pub async fn update_organization(
        &self,
        actor: &Actor,
        request: UpdateOrganizationRequest,
    ) -> Result<Organization, DomainError> {
        require_organizer(actor, "only organizers can change the organization")?;
        let mut errors = ValidationErrors::new();
        let name =
            errors.check_optional("name", request.name.as_deref().map(OrganizationName::parse));
        errors.into_result()?;
        let mut organization = self.store.organizations().get(actor.org_id).await?;
        let Some(Some(name)) = name.filter(|name| name.as_ref() != Some(&organization.name)) else {
            return Ok(organization);
        };
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.rename_organization(actor.org_id, &name, now).await?;
        let updated = Change::OrganizationUpdated {
            previous_name: organization.name.as_str().to_owned(),
            name: name.as_str().to_owned(),
        };
        let event = Event::new(
            actor.org_id,
            Some(actor.user_id),
            actor.org_id,
            updated,
            now,
        );
        uow.append_event(&event).await?;
        uow.commit().await?;
        organization.name = name;
        organization.updated_at = now;
        Ok(organization)
    }
}
