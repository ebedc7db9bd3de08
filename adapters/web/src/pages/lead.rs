//! `/leads/{id}`: a lead's details and their edit (checked against the version the
//! user saw), the moves its stage allows, its agent, notes and its history.

use std::sync::Arc;

use askama::Template;
use djcrm_application::leads::UpdateLeadRequest;
use djcrm_application::{PageParams, Patch};
use djcrm_domain::ports::Store;
use djcrm_domain::{AgentId, CategoryId, Lead, LeadId, LeadStatus};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::path_id;
use crate::Ui;
use crate::charts::status_label;
use crate::failure::Failure;
use crate::form::{Form, FormData};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{Viewer, viewer};
use crate::views::{
    Choice, Entry, LeadCard, agent_choices, all_agents, all_categories, category_choices,
    category_names, move_choices, names,
};

/// How many history entries the page shows at once.
const HISTORY: i64 = 50;

/// The forms of the page, each shown again as typed when it failed.
#[derive(Default)]
struct Forms {
    edit: Option<Form>,
    status: Form,
    assign: Form,
    note: Form,
}

#[derive(Template)]
#[template(path = "leads/show.html")]
struct LeadPage {
    layout: Layout,
    organizer: bool,
    lead: LeadCard,
    phone: String,
    description: String,
    version: i64,
    agent_id: String,
    moves: Vec<Choice>,
    form: Form,
    forms: Forms,
    categories: Vec<Choice>,
    agents: Vec<Choice>,
    history: Vec<Entry>,
    older: Option<String>,
}

/// The edit form as the lead stands.
fn edit_form(lead: &Lead) -> Form {
    let optional = |v: Option<String>| v.unwrap_or_default();
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs
        .append_pair("first_name", lead.first_name.as_str())
        .append_pair("last_name", lead.last_name.as_str())
        .append_pair(
            "email",
            &optional(lead.email.as_ref().map(ToString::to_string)),
        )
        .append_pair(
            "phone",
            &optional(lead.phone.as_ref().map(ToString::to_string)),
        )
        .append_pair(
            "description",
            &optional(lead.description.as_ref().map(ToString::to_string)),
        )
        .append_pair(
            "category_id",
            &optional(lead.category_id.map(|c| c.to_string())),
        );
    Form::with(FormData::parse(pairs.finish().as_bytes()))
}

async fn page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    id: LeadId,
    forms: Forms,
    history_cursor: Option<String>,
) -> Result<LeadPage, Failure> {
    let actor = &viewer.actor;
    let lead = ui.crm.lead(actor, id).await?;
    let agents = all_agents(&ui.crm, actor).await?;
    let categories = all_categories(&ui.crm, actor).await?;
    let agent_names = names(&agents);
    let history = ui
        .crm
        .lead_history(
            actor,
            id,
            &PageParams {
                limit: Some(HISTORY),
                cursor: history_cursor,
            },
        )
        .await?;
    let moves = move_choices(lead.status());
    Ok(LeadPage {
        layout: viewer.layout(format!("{} {}", lead.first_name, lead.last_name), "leads"),
        organizer: viewer.organizer(),
        lead: LeadCard::new(&lead, &category_names(&categories), &agent_names),
        phone: lead
            .phone
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        description: lead
            .description
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        version: lead.version(),
        agent_id: lead.agent_id.map(|a| a.to_string()).unwrap_or_default(),
        moves,
        form: forms.edit.clone().unwrap_or_else(|| edit_form(&lead)),
        forms,
        categories: category_choices(&categories),
        agents: agent_choices(&agents, lead.agent_id),
        history: history
            .items
            .iter()
            .map(|entry| Entry::new(entry, &agent_names))
            .collect(),
        older: history
            .next_cursor
            .map(|c| format!("/leads/{id}?history={c}#history")),
    })
}

/// `GET /leads/{id}`.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id = path_id(&request)?;
    let cursor = FormData::query(&request)
        .filled("history")
        .map(str::to_owned);
    render(&page(&ui, &viewer, id, Forms::default(), cursor).await?)
}

/// Shows the page again with a failed form, answering 409 for a stale version
/// and 422 for anything else the user can correct.
async fn again<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    id: LeadId,
    forms: Forms,
    stale: bool,
) -> Result<Response, Failure> {
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = page(ui, viewer, id, forms, None).await?;
    Ok(render(&page)?.with_status(status).into_response())
}

fn version(data: &FormData) -> Result<Option<i64>, Failure> {
    data.parsed("version")
}

fn is_stale(error: &djcrm_domain::DomainError) -> bool {
    matches!(error, djcrm_domain::DomainError::PreconditionFailed { .. })
}

/// A text field as a patch: blank clears it.
fn patch(data: &FormData, name: &str) -> Patch<String> {
    data.filled(name)
        .map_or(Patch::Clear, |v| Patch::Set(v.to_owned()))
}

/// `POST /leads/{id}`: saves the details, if nobody changed them meanwhile.
pub async fn edit<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    let change = UpdateLeadRequest {
        first_name: Some(data.get("first_name").to_owned()),
        last_name: Some(data.get("last_name").to_owned()),
        email: patch(&data, "email"),
        phone: patch(&data, "phone"),
        description: patch(&data, "description"),
        category_id: data
            .parsed::<CategoryId>("category_id")?
            .map_or(Patch::Clear, Patch::Set),
    };
    match ui
        .crm
        .update_lead(&viewer.actor, id, change, version(&data)?)
        .await
    {
        Ok(_) => {
            flash(&request, true, "Saved.");
            Ok(see_other(&format!("/leads/{id}")))
        }
        Err(error) => {
            let stale = is_stale(&error);
            let forms = Forms {
                edit: Some(Form::with(data).failed(error)?),
                ..Forms::default()
            };
            again(&ui, &viewer, id, forms, stale).await
        }
    }
}

/// `POST /leads/{id}/status`: one of the moves the page offered, with a note.
pub async fn move_status<S: Store>(
    ui: Arc<Ui<S>>,
    mut request: Request,
) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    let Some(to) = data.parsed::<LeadStatus>("status")? else {
        return Err(Failure::BadRequest("status is missing".to_owned()));
    };
    let note = data.filled("note");
    match ui
        .crm
        .change_lead_status(&viewer.actor, id, to, note, version(&data)?)
        .await
    {
        Ok(_) => {
            flash(&request, true, &format!("Moved to {}.", status_label(to)));
            Ok(see_other(&format!("/leads/{id}")))
        }
        Err(error) => {
            let stale = is_stale(&error);
            let forms = Forms {
                status: Form::with(data).failed(error)?,
                ..Forms::default()
            };
            again(&ui, &viewer, id, forms, stale).await
        }
    }
}

/// `POST /leads/{id}/assign`: organizers give the lead to an agent, or to nobody.
pub async fn assign<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    let agent: Option<AgentId> = data.parsed("agent_id")?;
    match ui
        .crm
        .assign_lead(&viewer.actor, id, agent, version(&data)?)
        .await
    {
        Ok(_) => {
            flash(
                &request,
                true,
                if agent.is_some() {
                    "Assigned."
                } else {
                    "Unassigned."
                },
            );
            Ok(see_other(&format!("/leads/{id}")))
        }
        Err(error) => {
            let stale = is_stale(&error);
            let forms = Forms {
                assign: Form::with(data).failed(error)?,
                ..Forms::default()
            };
            again(&ui, &viewer, id, forms, stale).await
        }
    }
}

/// `POST /leads/{id}/notes`.
pub async fn note<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    match ui.crm.add_note(&viewer.actor, id, data.get("body")).await {
        Ok(_) => {
            flash(&request, true, "Note added.");
            Ok(see_other(&format!("/leads/{id}#history")))
        }
        Err(error) => {
            let forms = Forms {
                note: Form::with(data).failed(error)?,
                ..Forms::default()
            };
            again(&ui, &viewer, id, forms, false).await
        }
    }
}

/// `POST /leads/{id}/delete`: organizers only; the history stays.
pub async fn delete<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id: LeadId = path_id(&request)?;
    ui.crm.delete_lead(&viewer.actor, id).await?;
    flash(&request, true, "The lead is deleted.");
    Ok(see_other("/leads"))
}
