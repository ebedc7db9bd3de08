//! How records read on a page: dates, names, history entries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use djcrm_application::{Crm, PageParams};
use djcrm_domain::ports::Store;
use djcrm_domain::{
    ActivityKind, Actor, Agent, AgentId, Category, CategoryId, DomainError, HistoryEntry, Lead,
    LeadId, LeadStatus,
};

use crate::charts::status_label;

/// A moment as the pages write it.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `seconds` as a short duration: "45 min", "3.5 h", "2.1 days".
pub fn duration(seconds: f64) -> String {
    if seconds < 3600.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 86_400.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

/// Every agent of the organization (active or not), for an organizer; an agent
/// sees none.
pub async fn all_agents<S: Store>(crm: &Crm<S>, actor: &Actor) -> Result<Vec<Agent>, DomainError> {
    if !actor.is_organizer() {
        return Ok(Vec::new());
    }
    let mut agents = Vec::new();
    let mut page = PageParams {
        limit: Some(100),
        cursor: None,
    };
    loop {
        let listed = crm.agents(actor, &page).await?;
        agents.extend(listed.items);
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor.to_string()),
            None => return Ok(agents),
        }
    }
}

/// Every category of the organization, by name.
pub async fn all_categories<S: Store>(
    crm: &Crm<S>,
    actor: &Actor,
) -> Result<Vec<Category>, DomainError> {
    let mut categories = Vec::new();
    let mut page = PageParams {
        limit: Some(100),
        cursor: None,
    };
    loop {
        let listed = crm.categories(actor, &page).await?;
        categories.extend(listed.items);
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor.to_string()),
            None => break,
        }
    }
    categories.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    Ok(categories)
}

/// A choice of a `<select>`.
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// The text shown.
    pub label: String,
}

/// The categories as choices.
pub fn category_choices(categories: &[Category]) -> Vec<Choice> {
    categories
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.as_str().to_owned(),
        })
        .collect()
}

/// The stages a lead in `from` may move to, as choices.
pub fn move_choices(from: LeadStatus) -> Vec<Choice> {
    from.next_stages()
        .map(|to| Choice {
            value: to.as_str().to_owned(),
            label: status_label(to).to_owned(),
        })
        .collect()
}

/// The agents `keep` chooses, by name; a deactivated one says so.
fn agents_where(agents: &[Agent], keep: impl Fn(&Agent) -> bool) -> Vec<Choice> {
    let mut choices: Vec<_> = agents
        .iter()
        .filter(|a| keep(a))
        .map(|a| Choice {
            value: a.id.to_string(),
            label: if a.active {
                a.full_name.as_str().to_owned()
            } else {
                format!("{} (deactivated)", a.full_name.as_str())
            },
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label));
    choices
}

/// The agents a lead may be given to: the active ones, and `current` (its agent)
/// even when deactivated, so the form shows who has it instead of "nobody".
pub fn agent_choices(agents: &[Agent], current: Option<AgentId>) -> Vec<Choice> {
    agents_where(agents, |a| a.active || Some(a.id) == current)
}

/// Every agent, to filter leads by (a deactivated agent's leads are the ones
/// an organizer most needs to find and hand on).
pub fn agent_filter_choices(agents: &[Agent]) -> Vec<Choice> {
    agents_where(agents, |_| true)
}

/// A lead as a list or a board shows it.
pub struct LeadCard {
    /// Its id.
    pub id: LeadId,
    /// First and last name.
    pub name: String,
    /// Email, or empty.
    pub email: String,
    /// Its status.
    pub status: LeadStatus,
    /// Its category's name, or empty.
    pub category: String,
    /// Its agent's name, or empty.
    pub agent: String,
    /// Its version, for the board's moves.
    pub version: i64,
    /// When it last changed.
    pub updated: String,
}

impl LeadCard {
    /// The card of `lead`, naming its category and agent.
    pub fn new(
        lead: &Lead,
        categories: &HashMap<CategoryId, String>,
        agents: &HashMap<AgentId, String>,
    ) -> Self {
        Self {
            id: lead.id,
            name: format!("{} {}", lead.first_name, lead.last_name),
            email: lead
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            status: lead.status(),
            category: lead
                .category_id
                .and_then(|c| categories.get(&c).cloned())
                .unwrap_or_default(),
            agent: lead
                .agent_id
                .and_then(|a| agents.get(&a).cloned())
                .unwrap_or_default(),
            version: lead.version(),
            updated: when(lead.updated_at()),
        }
    }

    /// The status's name as the UI writes it.
    pub fn status_label(&self) -> &'static str {
        status_label(self.status)
    }
}

/// Categories' names by id.
pub fn category_names(categories: &[Category]) -> HashMap<CategoryId, String> {
    categories
        .iter()
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect()
}

/// Agents' names by id.
pub fn names(agents: &[Agent]) -> HashMap<AgentId, String> {
    agents
        .iter()
        .map(|a| (a.id, a.full_name.as_str().to_owned()))
        .collect()
}

/// One line of a history: who did what, and when.
pub struct Entry {
    /// Who acted.
    pub who: String,
    /// What they did.
    pub what: String,
    /// A note or the reason of a move, if any.
    pub body: Option<String>,
    /// When.
    pub when: String,
}

impl Entry {
    /// The entry of `history`, naming agents from `agents`.
    pub fn new(history: &HistoryEntry, agents: &HashMap<AgentId, String>) -> Self {
        let (what, body) = describe(&history.activity.kind, agents);
        Self {
            who: history
                .actor_name
                .as_ref()
                .map_or_else(|| "An operator".to_owned(), |n| n.as_str().to_owned()),
            what,
            body,
            when: when(history.activity.created_at),
        }
    }
}

fn describe(kind: &ActivityKind, agents: &HashMap<AgentId, String>) -> (String, Option<String>) {
    match kind {
        ActivityKind::Created => ("created the lead".to_owned(), None),
        ActivityKind::Updated { fields } => {
            let fields: Vec<_> = fields
                .iter()
                .map(|f| f.as_str().replace('_', " "))
                .collect();
            (format!("edited {}", fields.join(", ")), None)
        }
        ActivityKind::Assigned { agent_id: None } => ("unassigned the lead".to_owned(), None),
        ActivityKind::Assigned {
            agent_id: Some(agent),
        } => match agents.get(agent) {
            Some(name) => (format!("assigned the lead to {name}"), None),
            None => ("assigned the lead".to_owned(), None),
        },
        ActivityKind::StatusChanged { from, to, note } => (
            format!(
                "moved the lead from {} to {}",
                status_label(*from),
                status_label(*to)
            ),
            note.as_ref().map(|n| n.as_str().to_owned()),
        ),
        ActivityKind::Note { body } => ("added a note".to_owned(), Some(body.as_str().to_owned())),
        ActivityKind::Deleted => ("deleted the lead".to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_largest_sensible_unit() {
        assert_eq!(duration(90.0), "2 min");
        assert_eq!(duration(5400.0), "1.5 h");
        assert_eq!(duration(172_800.0), "2.0 days");
    }

    #[test]
    fn a_move_names_both_stages() {
        let kind = ActivityKind::StatusChanged {
            from: djcrm_domain::LeadStatus::New,
            to: djcrm_domain::LeadStatus::Contacted,
            note: None,
        };
        let (what, body) = describe(&kind, &HashMap::new());
        assert_eq!(what, "moved the lead from New to Contacted");
        assert_eq!(body, None);
    }
}
