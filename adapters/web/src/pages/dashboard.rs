//! `/`: the pipeline, the funnel, the leaderboard, what is going stale and what
//! happened lately; an agent sees their own numbers and their leads' activity.

use std::sync::Arc;

use askama::Template;
use djcrm_domain::ports::Store;
use djcrm_domain::{
    AgentPerformance, Digest, LeadId, LeadStatus, Limit, PipelineCounts, PipelineSnapshot,
};
use futures_util::try_join;
use poem::{Request, Response};

use crate::Ui;
use crate::charts::{self, BarChart, StackChart, Standing, status_label};
use crate::failure::Failure;
use crate::layout::{Layout, render, see_other};
use crate::session::maybe_viewer;
use crate::views::{Entry, all_agents, duration, names, when};

/// How many entries of recent activity the dashboard lists.
const RECENT: i64 = 12;
/// How many weeks the pipeline over time covers (a quarter).
const WEEKS: u8 = 12;

struct Tile {
    status: &'static str,
    label: &'static str,
    count: u64,
}

struct Row {
    name: String,
    assigned: u64,
    contacted: u64,
    converted: u64,
    rate: String,
    first_contact: String,
}

struct Recent {
    lead_id: LeadId,
    lead_name: String,
    entry: Entry,
}

struct Untouched {
    id: LeadId,
    name: String,
    since: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    organizer: bool,
    tiles: Vec<Tile>,
    funnel: Option<BarChart>,
    history: Option<StackChart>,
    leaderboard: Option<BarChart>,
    rows: Vec<Row>,
    week: Option<Digest>,
    untouched: Vec<Untouched>,
    recent: Vec<Recent>,
}

fn tiles(counts: &PipelineCounts) -> Vec<Tile> {
    LeadStatus::ALL
        .into_iter()
        .map(|status| Tile {
            status: status.as_str(),
            label: status_label(status),
            count: counts.of(status),
        })
        .collect()
}

fn row(name: String, performance: &AgentPerformance) -> Row {
    Row {
        name,
        assigned: performance.assigned,
        contacted: performance.contacted,
        converted: performance.converted,
        rate: format!("{:.0}%", performance.conversion_rate() * 100.0),
        first_contact: performance
            .avg_seconds_to_first_contact
            .map_or_else(|| "—".to_owned(), duration),
    }
}

/// What an organizer's dashboard reads besides the agents and the activity.
struct Organization {
    counts: PipelineCounts,
    history: Vec<PipelineSnapshot>,
    performance: Vec<AgentPerformance>,
    week: Digest,
}

/// `GET /`: the dashboard, or the login page when signed out. Its reads are
/// independent, so they run at once: after a change has dropped the cached
/// statistics, the page waits for the slowest of them, not for their sum.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let Some(viewer) = maybe_viewer(&ui, &request).await? else {
        return Ok(see_other("/login"));
    };
    let actor = &viewer.actor;
    let crm = &ui.crm;
    let limit = Limit::new(RECENT).map_err(|e| Failure::Internal(Box::new(e)))?;
    let organization = async {
        if !viewer.organizer() {
            return Ok(None);
        }
        let (counts, history, performance, week) = try_join!(
            crm.pipeline_stats(actor),
            crm.pipeline_history(actor, WEEKS),
            crm.agents_stats(actor),
            crm.last_week(actor),
        )?;
        Ok(Some(Organization {
            counts,
            history,
            performance,
            week,
        }))
    };
    let mine = async {
        match actor.agent_id {
            Some(agent_id) if !viewer.organizer() => {
                crm.agent_stats(actor, agent_id).await.map(Some)
            }
            _ => Ok(None),
        }
    };
    let (agents, recent, organization, mine) = try_join!(
        all_agents(crm, actor),
        crm.recent_activity(actor, limit),
        organization,
        mine,
    )?;
    let agent_names = names(&agents);
    let recent = recent
        .iter()
        .map(|r| Recent {
            lead_id: r.entry.activity.lead_id,
            lead_name: r.lead_name.clone(),
            entry: Entry::new(&r.entry, &agent_names),
        })
        .collect();
    let mut page = DashboardPage {
        layout: viewer.layout("Dashboard", "dashboard"),
        organizer: viewer.organizer(),
        tiles: Vec::new(),
        funnel: None,
        history: None,
        leaderboard: None,
        rows: Vec::new(),
        week: None,
        untouched: Vec::new(),
        recent,
    };
    if let Some(Organization {
        counts,
        history,
        performance,
        week,
    }) = organization
    {
        page.tiles = tiles(&counts);
        page.funnel = Some(charts::funnel(&counts));
        page.history = Some(charts::pipeline_over_time(&history));
        let name_of = |p: &AgentPerformance| {
            agent_names
                .get(&p.agent_id)
                .cloned()
                .unwrap_or_else(|| "A former agent".to_owned())
        };
        page.rows = performance.iter().map(|p| row(name_of(p), p)).collect();
        page.leaderboard = Some(charts::leaderboard(
            performance
                .iter()
                .map(|p| Standing {
                    name: name_of(p),
                    assigned: p.assigned,
                    converted: p.converted,
                    rate: p.conversion_rate(),
                })
                .collect(),
        ));
        page.untouched = week
            .oldest_untouched
            .iter()
            .map(|u| Untouched {
                id: u.id,
                name: u.name.clone(),
                since: when(u.updated_at),
            })
            .collect();
        page.week = Some(week);
    } else if let Some(mine) = mine {
        page.rows = vec![row(viewer.me.user.full_name.as_str().to_owned(), &mine)];
    }
    render(&page)
}
