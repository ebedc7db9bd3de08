//! Pipeline and agent statistics.

use djcrm_domain::ports::{AgentRepository, LeadRepository, Store};
use djcrm_domain::{Actor, AgentId, AgentPerformance, DomainError, PipelineCounts};

use crate::Crm;
use crate::cache::{STATS_TTL, organization};
use crate::policy::{can_see_agent_data, require_organizer};

impl<S: Store> Crm<S> {
    /// Live leads per status.
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn pipeline_stats(&self, actor: &Actor) -> Result<PipelineCounts, DomainError> {
        require_organizer(actor, "only organizers can see organization statistics")?;
        let counts = self
            .cached(
                &organization(actor.org_id),
                "stats:pipeline",
                STATS_TTL,
                async || {
                    self.store
                        .leads()
                        .pipeline_counts(actor.org_id)
                        .await
                        .map(Some)
                },
            )
            .await?;
        Ok(counts.unwrap_or_default())
    }

    /// Performance of every agent of the organization.
    ///
    /// # Errors
    /// [`DomainError::Forbidden`] unless the caller is an organizer.
    pub async fn agents_stats(&self, actor: &Actor) -> Result<Vec<AgentPerformance>, DomainError> {
        require_organizer(actor, "only organizers can see organization statistics")?;
        let rows = self
            .cached(
                &organization(actor.org_id),
                "stats:agents",
                STATS_TTL,
                async || {
                    self.store
                        .leads()
                        .agent_performance(actor.org_id, None)
                        .await
                        .map(Some)
                },
            )
            .await?;
        Ok(rows.unwrap_or_default())
    }

    /// Performance of one agent, for organizers and for that agent.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] for an agent asking about another agent.
    /// - [`DomainError::NotFound`] when the agent is absent or in another organization.
    pub async fn agent_stats(
        &self,
        actor: &Actor,
        agent_id: AgentId,
    ) -> Result<AgentPerformance, DomainError> {
        if !can_see_agent_data(actor, Some(agent_id)) {
            return Err(DomainError::Forbidden(
                "agents can only see their own performance",
            ));
        }
        self.store.agents().get(actor.org_id, agent_id).await?;
        let performance = self
            .cached(
                &organization(actor.org_id),
                &format!("stats:agent:{agent_id}"),
                STATS_TTL,
                async || {
                    let mut rows = self
                        .store
                        .leads()
                        .agent_performance(actor.org_id, Some(agent_id))
                        .await?;
                    Ok(rows.pop())
                },
            )
            .await?;
        Ok(performance.unwrap_or(AgentPerformance {
            agent_id,
            assigned: 0,
            contacted: 0,
            converted: 0,
            avg_seconds_to_first_contact: None,
        }))
    }
}
