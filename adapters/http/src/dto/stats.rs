//! Pipeline and agent statistics.

use djcrm_domain::{AgentPerformance, PipelineCounts};
use poem_openapi::Object;
use uuid::Uuid;

/// Live leads per status.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct StatusCounts {
    /// Status `new`.
    pub new: u64,
    /// Status `contacted`.
    pub contacted: u64,
    /// Status `qualified`.
    pub qualified: u64,
    /// Status `converted`.
    pub converted: u64,
    /// Status `lost`.
    pub lost: u64,
}

/// The pipeline at a glance.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct PipelineStatsBody {
    /// All live leads.
    pub total: u64,
    /// Per status.
    pub by_status: StatusCounts,
}

impl From<PipelineCounts> for PipelineStatsBody {
    fn from(counts: PipelineCounts) -> Self {
        Self {
            total: counts.total(),
            by_status: StatusCounts {
                new: counts.new,
                contacted: counts.contacted,
                qualified: counts.qualified,
                converted: counts.converted,
                lost: counts.lost,
            },
        }
    }
}

/// One agent's performance over the leads assigned to them.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AgentStatsBody {
    /// The agent.
    pub agent_id: Uuid,
    /// Leads assigned.
    pub assigned: u64,
    /// Of those, contacted at least once.
    pub contacted: u64,
    /// Of those, converted.
    pub converted: u64,
    /// converted / assigned (0 when nothing is assigned).
    pub conversion_rate: f64,
    /// Mean seconds from creation to first contact, over contacted leads.
    pub avg_seconds_to_first_contact: Option<f64>,
}

impl From<AgentPerformance> for AgentStatsBody {
    fn from(perf: AgentPerformance) -> Self {
        Self {
            agent_id: perf.agent_id.as_uuid(),
            conversion_rate: perf.conversion_rate(),
            assigned: perf.assigned,
            contacted: perf.contacted,
            converted: perf.converted,
            avg_seconds_to_first_contact: perf.avg_seconds_to_first_contact,
        }
    }
}

/// Every agent's performance.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AgentStatsList {
    /// One entry per agent.
    pub items: Vec<AgentStatsBody>,
}
