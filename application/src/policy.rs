//! Who may do what. Use cases call these before touching the store.

use djcrm_domain::{Actor, AgentId, DomainError, Lead};

/// Owners and organizers only.
pub fn require_organizer(actor: &Actor, action: &'static str) -> Result<(), DomainError> {
    if actor.is_organizer() {
        Ok(())
    } else {
        Err(DomainError::Forbidden(action))
    }
}

/// Organizers see every lead; an agent only the leads assigned to them. A lead the
/// actor may not see is "not found", so other agents' leads do not leak.
pub fn ensure_can_see_lead(actor: &Actor, lead: &Lead) -> Result<(), DomainError> {
    if can_see_agent_data(actor, lead.agent_id) {
        Ok(())
    } else {
        Err(DomainError::not_found("lead"))
    }
}

/// Organizers, or the agent in question.
pub fn can_see_agent_data(actor: &Actor, agent: Option<AgentId>) -> bool {
    actor.is_organizer() || (actor.agent_id.is_some() && actor.agent_id == agent)
}
