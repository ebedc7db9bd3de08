//! Lead categories.

use djcrm_domain::ports::{CategoryRepository, Store};
use djcrm_domain::{Actor, Category, CategoryId, CategoryName, DomainError, Page};

use crate::policy::require_organizer;
use crate::{Crm, PageParams};

impl<S: Store> Crm<S> {
    /// Creates a category.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `name`.
    /// - [`DomainError::Conflict`] on `name` when the organization already has it.
    pub async fn create_category(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<Category, DomainError> {
        require_organizer(actor, "only organizers can manage categories")?;
        let name = parse_name(name)?;
        let now = self.clock.now();
        let category = Category {
            id: CategoryId::new(),
            org_id: actor.org_id,
            name,
            created_at: now,
            updated_at: now,
        };
        self.store.categories().create(&category).await?;
        Ok(category)
    }

    /// One category; any member of the organization may read it.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] when absent or in another organization.
    pub async fn category(&self, actor: &Actor, id: CategoryId) -> Result<Category, DomainError> {
        self.store.categories().get(actor.org_id, id).await
    }

    /// The organization's categories, newest first; readable by all its members.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `limit` or `cursor`.
    pub async fn categories(
        &self,
        actor: &Actor,
        page: &PageParams,
    ) -> Result<Page<Category>, DomainError> {
        let page = page.parse()?;
        self.store.categories().list(actor.org_id, page).await
    }

    /// Renames a category.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `name`.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    /// - [`DomainError::Conflict`] on `name` when taken.
    pub async fn rename_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        name: &str,
    ) -> Result<Category, DomainError> {
        require_organizer(actor, "only organizers can manage categories")?;
        let name = parse_name(name)?;
        let mut category = self.store.categories().get(actor.org_id, id).await?;
        category.name = name;
        category.updated_at = self.clock.now();
        self.store.categories().update(&category).await?;
        Ok(category)
    }

    /// Deletes a category; its leads become uncategorised.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn delete_category(&self, actor: &Actor, id: CategoryId) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can manage categories")?;
        self.store
            .categories()
            .delete(actor.org_id, id, self.clock.now())
            .await
    }
}

fn parse_name(raw: &str) -> Result<CategoryName, DomainError> {
    CategoryName::parse(raw).map_err(|e| DomainError::invalid("name", e.to_string()))
}
