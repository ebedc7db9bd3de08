//! The caller's organization and its settings.

use djcrm_domain::ports::{OrganizationRepository, Store};
use djcrm_domain::{Actor, DomainError, Organization, OrganizationName, ValidationErrors};

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
        if let Some(Some(name)) = name {
            organization.name = name;
            organization.updated_at = self.clock.now();
            self.store.organizations().update(&organization).await?;
        }
        Ok(organization)
    }
}
