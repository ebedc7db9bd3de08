//! `/leads`: the list with its filters and cursor paging, a new lead, and the
//! bulk assignment of selected leads.

use std::sync::Arc;

use askama::Template;
use djcrm_application::PageParams;
use djcrm_application::leads::{CreateLeadRequest, ListLeadsRequest};
use djcrm_domain::ports::Store;
use djcrm_domain::{AgentId, CategoryId, DomainError, LeadId, LeadStatus};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::local;
use crate::Ui;
use crate::charts::status_label;
use crate::failure::Failure;
use crate::form::{Form, FormData, encode};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::viewer;
use crate::views::{
    Choice, LeadCard, agent_choices, agent_filter_choices, all_agents, all_categories,
    category_choices, category_names, names,
};

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    layout: Layout,
    organizer: bool,
    /// The filters as sent, shown again in their fields.
    filters: Form,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    /// Every agent, to filter by.
    agents: Vec<Choice>,
    /// The agents selected leads may be given to.
    assignees: Vec<Choice>,
    leads: Vec<LeadCard>,
    /// The link to the next page, with the same filters.
    next: Option<String>,
    /// Whether this is a later page (a link back to the first).
    later: bool,
    /// This listing's path and query, to come back to after a bulk assignment.
    here: String,
}

#[derive(Template)]
#[template(path = "leads/new.html")]
struct NewPage {
    layout: Layout,
    organizer: bool,
    form: Form,
    categories: Vec<Choice>,
    agents: Vec<Choice>,
}

/// Every status as a choice.
pub fn status_choices() -> Vec<Choice> {
    LeadStatus::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: status_label(s).to_owned(),
        })
        .collect()
}

/// `GET /leads`.
pub async fn list<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let actor = &viewer.actor;
    let query = FormData::query(&request);
    let agents = all_agents(&ui.crm, actor).await?;
    let categories = all_categories(&ui.crm, actor).await?;
    let listing = ListLeadsRequest {
        status: query.parsed::<LeadStatus>("status")?,
        category_id: query.parsed::<CategoryId>("category_id")?,
        agent_id: query.parsed::<AgentId>("agent_id")?,
        q: query.filled("q").map(str::to_owned),
        page: PageParams {
            limit: Some(50),
            cursor: query.filled("cursor").map(str::to_owned),
        },
    };
    let later = listing.page.cursor.is_some();
    let (leads, next, filters) = match ui.crm.leads(actor, listing).await {
        Ok(page) => {
            let (categories, agents) = (category_names(&categories), names(&agents));
            let leads = page
                .items
                .iter()
                .map(|lead| LeadCard::new(lead, &categories, &agents))
                .collect();
            let next = page.next_cursor.map(|cursor| {
                let kept = ["status", "category_id", "agent_id", "q"]
                    .into_iter()
                    .filter_map(|name| query.filled(name).map(|v| format!("{name}={}&", encode(v))))
                    .collect::<String>();
                format!("/leads?{kept}cursor={}", encode(&cursor.to_string()))
            });
            (leads, next, Form::with(query))
        }
        Err(error @ DomainError::Validation(_)) => {
            (Vec::new(), None, Form::with(query).failed(error)?)
        }
        Err(error) => return Err(error.into()),
    };
    let page = ListPage {
        layout: viewer.layout("Leads", "leads"),
        organizer: viewer.organizer(),
        filters,
        statuses: status_choices(),
        categories: category_choices(&categories),
        agents: agent_filter_choices(&agents),
        assignees: agent_choices(&agents, None),
        leads,
        next,
        later,
        here: request
            .uri()
            .path_and_query()
            .map_or_else(|| "/leads".to_owned(), |p| p.as_str().to_owned()),
    };
    render(&page)
}

async fn new_page<S: Store>(
    ui: &Ui<S>,
    viewer: &crate::session::Viewer,
    form: Form,
) -> Result<NewPage, Failure> {
    let agents = all_agents(&ui.crm, &viewer.actor).await?;
    let categories = all_categories(&ui.crm, &viewer.actor).await?;
    Ok(NewPage {
        layout: viewer.layout("New lead", "leads"),
        organizer: viewer.organizer(),
        form,
        categories: category_choices(&categories),
        agents: agent_choices(&agents, None),
    })
}

/// `GET /leads/new`.
pub async fn new_form<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    render(&new_page(&ui, &viewer, Form::new()).await?)
}

/// `POST /leads`: creates the lead and shows it.
pub async fn create<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let data = FormData::body(&mut request).await?;
    let lead = CreateLeadRequest {
        first_name: data.get("first_name").to_owned(),
        last_name: data.get("last_name").to_owned(),
        email: data.filled("email").map(str::to_owned),
        phone: data.filled("phone").map(str::to_owned),
        description: data.filled("description").map(str::to_owned),
        category_id: data.parsed("category_id")?,
        agent_id: data.parsed("agent_id")?,
    };
    match ui.crm.create_lead(&viewer.actor, lead).await {
        Ok(lead) => {
            flash(
                &request,
                true,
                &format!("{} {} is in the pipeline.", lead.first_name, lead.last_name),
            );
            Ok(see_other(&format!("/leads/{}", lead.id)))
        }
        Err(error) => {
            let page = new_page(&ui, &viewer, Form::with(data).failed(error)?).await?;
            Ok(render(&page)?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

/// `POST /leads/assign`: gives every selected lead to one agent (or to nobody),
/// each in its own unit of work with its own history entry and event.
pub async fn bulk_assign<S: Store>(
    ui: Arc<Ui<S>>,
    mut request: Request,
) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let data = FormData::body(&mut request).await?;
    let back = local(data.get("return_to")).to_owned();
    let agent: Option<AgentId> = data.parsed("agent_id")?;
    let ids: Vec<LeadId> = data
        .all("lead_ids")
        .map(|id| {
            id.parse()
                .map_err(|_| Failure::BadRequest("lead_ids holds an unknown id".to_owned()))
        })
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        flash(&request, false, "Select at least one lead to assign.");
        return Ok(see_other(&back));
    }
    let mut assigned = 0usize;
    let mut failed = Vec::new();
    for id in &ids {
        match ui.crm.assign_lead(&viewer.actor, *id, agent, None).await {
            Ok(_) => assigned += 1,
            Err(error @ (DomainError::Storage { .. } | DomainError::Internal { .. })) => {
                return Err(error.into());
            }
            Err(error) => failed.push(error.to_string()),
        }
    }
    let message = if failed.is_empty() {
        format!(
            "{assigned} lead(s) {}.",
            if agent.is_some() {
                "assigned"
            } else {
                "unassigned"
            }
        )
    } else {
        format!(
            "{assigned} lead(s) assigned; {} not: {}.",
            failed.len(),
            failed.join("; ")
        )
    };
    flash(&request, failed.is_empty(), &message);
    Ok(see_other(&back))
}
