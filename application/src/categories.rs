//! Lead categories.

use djcrm_domain::ports::{CategoryRepository, Store, UnitOfWork};
use djcrm_domain::{
    Actor, Category, CategoryId, CategoryName, Change, DomainError, Event, LeadEdit, Page,
};

use crate::leads::{edited, save_lead_change};
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
        let mut uow = self.store.begin().await?;
        uow.insert_category(&category).await?;
        let created = Change::CategoryCreated {
            name: category.name.as_str().to_owned(),
        };
        uow.append_event(&category_event(actor, category.id, created, now))
            .await?;
        uow.commit().await?;
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
        let mut uow = self.store.begin().await?;
        let mut category = uow.category_for_update(actor.org_id, id).await?;
        if category.name == name {
            return Ok(category);
        }
        let now = self.clock.now();
        uow.rename_category(actor.org_id, id, &name, now).await?;
        let renamed = Change::CategoryRenamed {
            from: category.name.as_str().to_owned(),
            to: name.as_str().to_owned(),
        };
        uow.append_event(&category_event(actor, id, renamed, now))
            .await?;
        uow.commit().await?;
        category.name = name;
        category.updated_at = now;
        Ok(category)
    }

    /// Deletes a category; its leads become uncategorised, each with its `updated`
    /// activity and event, in the same transaction.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::NotFound`] when absent or in another organization.
    pub async fn delete_category(&self, actor: &Actor, id: CategoryId) -> Result<(), DomainError> {
        require_organizer(actor, "only organizers can manage categories")?;
        let mut uow = self.store.begin().await?;
        let category = uow.category_for_update(actor.org_id, id).await?;
        let leads = uow.leads_in_category_for_update(actor.org_id, id).await?;
        let now = self.clock.now();
        let uncategorised = leads.len();
        for mut lead in leads {
            let base_version = lead.version();
            let edit = LeadEdit {
                category_id: Some(None),
                ..LeadEdit::default()
            };
            let fields = lead.edit(edit, now);
            let recorded = edited(&lead, fields);
            save_lead_change(&mut uow, actor, &lead, base_version, recorded, now).await?;
        }
        uow.delete_category(actor.org_id, id).await?;
        let deleted = Change::CategoryDeleted {
            name: category.name.as_str().to_owned(),
            leads_uncategorised: u64::try_from(uncategorised).unwrap_or(u64::MAX),
        };
        uow.append_event(&category_event(actor, id, deleted, now))
            .await?;
        uow.commit().await
    }
}

fn category_event(
    actor: &Actor,
    category: CategoryId,
    change: Change,
    now: chrono::DateTime<chrono::Utc>,
) -> Event {
    Event::new(actor.org_id, Some(actor.user_id), category, change, now)
}

fn parse_name(raw: &str) -> Result<CategoryName, DomainError> {
    CategoryName::parse(raw).map_err(|e| DomainError::invalid("name", e.to_string()))
}
