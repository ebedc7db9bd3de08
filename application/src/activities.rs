//! Notes and the history of a lead.

use djcrm_domain::ports::{ActivityRepository, Store, UnitOfWork, UserRepository};
use djcrm_domain::{
    ActivityKind, Actor, Change, Description, DomainError, HistoryEntry, LeadId, Page,
};

use crate::leads::{activity, lead_event};
use crate::policy::ensure_can_see_lead;
use crate::{Crm, PageParams};

impl<S: Store> Crm<S> {
    /// Adds a note to a lead the caller may see; the note as the history shows it.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `body`.
    /// - [`DomainError::NotFound`] when the caller may not see the lead.
    #[tracing::instrument(skip_all, fields(org_id = %actor.org_id, lead_id = %lead_id))]
    pub async fn add_note(
        &self,
        actor: &Actor,
        lead_id: LeadId,
        body: &str,
    ) -> Result<HistoryEntry, DomainError> {
        let body =
            Description::parse(body).map_err(|e| DomainError::invalid("body", e.to_string()))?;
        // The history names whoever acted: the caller, as named now. Read before the
        // change, so nothing can fail once the note is committed (a failure then
        // would invite a retry that adds the note twice).
        let author = self.store.users().get(actor.org_id, actor.user_id).await?;
        let mut uow = self.store.begin().await?;
        // Locked: a note cannot land on a lead being deleted meanwhile.
        let lead = uow.lead_for_update(actor.org_id, lead_id).await?;
        ensure_can_see_lead(actor, &lead)?;
        let now = self.clock.now();
        let text = body.as_str().to_owned();
        let note = activity(actor, lead_id, ActivityKind::Note { body }, now);
        let added = Change::NoteAdded {
            activity_id: note.id,
            body: text,
        };
        uow.append_activity(&note).await?;
        uow.append_event(&lead_event(actor, lead_id, added, now))
            .await?;
        uow.commit().await?;
        Ok(HistoryEntry {
            activity: note,
            actor_name: Some(author.full_name),
        })
    }

    /// The history of a lead the caller may see, newest first.
    ///
    /// # Errors
    /// - [`DomainError::Validation`] on `limit` or `cursor`.
    /// - [`DomainError::NotFound`] when the caller may not see the lead.
    pub async fn lead_history(
        &self,
        actor: &Actor,
        lead_id: LeadId,
        page: &PageParams,
    ) -> Result<Page<HistoryEntry>, DomainError> {
        let page = page.parse()?;
        self.lead(actor, lead_id).await?;
        self.store
            .activities()
            .list_for_lead(actor.org_id, lead_id, page)
            .await
    }
}
