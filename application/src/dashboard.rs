//! What the dashboard shows beside the statistics: the last seven days in numbers
//! and what happened most recently.

use chrono::TimeDelta;
use djcrm_domain::ports::{ActivityRepository, LeadRepository, Store};
use djcrm_domain::{
    Actor, Digest, DomainError, Limit, PipelineSnapshot, RecentActivity, pipeline_history,
};

use crate::Crm;
use crate::cache::{STATS_TTL, organization};
use crate::policy::require_organizer;

/// How long a lead may stay unchanged before the dashboard calls it untouched.
pub const UNTOUCHED_AFTER: TimeDelta = TimeDelta::days(7);

impl<S: Store> Crm<S> {
    /// The organization's last seven days: leads created and converted, and open
    /// leads unchanged for [`UNTOUCHED_AFTER`] (the longest untouched named).
    /// Cached like the statistics: any change of the organization drops it, and
    /// the window it was read for is at most [`STATS_TTL`] old.
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn last_week(&self, actor: &Actor) -> Result<Digest, DomainError> {
        require_organizer(actor, "only organizers can read the organization's week")?;
        let digest = self
            .cached(
                &organization(actor.org_id),
                "stats:last_week",
                STATS_TTL,
                async || {
                    let now = self.clock.now();
                    let since = now - TimeDelta::days(7);
                    self.store
                        .leads()
                        .digest(actor.org_id, since, now, now - UNTOUCHED_AFTER)
                        .await
                        .map(Some)
                },
            )
            .await?;
        Ok(digest.unwrap_or_default())
    }

    /// The newest history entries the caller may see, newest first: the whole
    /// organization's for organizers, those of their own leads for agents.
    /// Cached until the organization's next change.
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
            match actor.agent_id {
                Some(agent) => Some(agent),
                // An agent without a profile has no leads, so no activity.
                None => return Ok(Vec::new()),
            }
        };
        let whose = agent.map_or_else(|| "all".to_owned(), |agent| agent.to_string());
        let recent = self
            .cached(
                &organization(actor.org_id),
                &format!("activity:recent:{whose}:{}", limit.get()),
                STATS_TTL,
                async || {
                    self.store
                        .activities()
                        .recent(actor.org_id, agent, limit)
                        .await
                        .map(Some)
                },
            )
            .await?;
        Ok(recent.unwrap_or_default())
    }
}

impl<S: Store> Crm<S> {
    /// The pipeline at the end of each of the last `weeks` weeks, oldest first,
    /// the last being today so far (UTC days): today's counts with every later
    /// move undone.
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn pipeline_history(
        &self,
        actor: &Actor,
        weeks: u8,
    ) -> Result<Vec<PipelineSnapshot>, DomainError> {
        require_organizer(actor, "only organizers can see organization statistics")?;
        let today = self.clock.now().date_naive();
        let days: Vec<_> = (0..i64::from(weeks.max(1)))
            .rev()
            .map(|week| today - TimeDelta::weeks(week))
            .collect();
        let Some(since) = days.first().and_then(|day| day.and_hms_opt(0, 0, 0)) else {
            return Ok(Vec::new());
        };
        let now = self.pipeline_stats(actor).await?;
        let history = self
            .cached(
                &organization(actor.org_id),
                &format!("stats:pipeline_history:{weeks}:{today}"),
                STATS_TTL,
                async || {
                    let flows = self
                        .store
                        .leads()
                        .pipeline_flows(actor.org_id, since.and_utc())
                        .await?;
                    Ok(Some(pipeline_history(now, &flows, &days)))
                },
            )
            .await?;
        Ok(history.unwrap_or_default())
    }
}
