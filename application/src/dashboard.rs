//! What the dashboard shows beside the statistics: the last seven days in numbers
//! and what happened most recently.

use chrono::TimeDelta;
use djcrm_domain::ports::{ActivityRepository, LeadRepository, Store};
use djcrm_domain::{Actor, AgentId, Digest, DomainError, Limit, RecentActivity};

use crate::Crm;
use crate::policy::require_organizer;

/// How long a lead may stay unchanged before the dashboard calls it untouched.
pub const UNTOUCHED_AFTER: TimeDelta = TimeDelta::days(7);

impl<S: Store> Crm<S> {
    /// The organization's last seven days: leads created and converted, and open
    /// leads unchanged for [`UNTOUCHED_AFTER`] (the longest untouched named).
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn last_week(&self, actor: &Actor) -> Result<Digest, DomainError> {
        require_organizer(actor, "only organizers can read the organization's week")?;
        let now = self.clock.now();
        let since = now - TimeDelta::days(7);
        self.store
            .leads()
            .digest(actor.org_id, since, now, now - UNTOUCHED_AFTER)
            .await
    }

    /// The newest history entries the caller may see, newest first: the whole
    /// organization's for organizers, those of their own leads for agents.
    ///
    /// # Errors
    /// [`DomainError::Storage`] when the store fails.
    pub async fn recent_activity(
        &self,
        actor: &Actor,
        limit: Limit,
    ) -> Result<Vec<RecentActivity>, DomainError> {
        let agent = if actor.is_organizer() {
            None
        } else {
            // An agent without a profile has no leads: an id nobody has.
            Some(
                actor
                    .agent_id
                    .unwrap_or_else(|| AgentId::from_uuid(uuid::Uuid::nil())),
            )
        };
        self.store
            .activities()
            .recent(actor.org_id, agent, limit)
            .await
    }
}
