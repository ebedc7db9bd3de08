//! `/board`: leads in columns by status. A card dragged to another column moves
//! the lead (a script request); each card also has a plain form, for keyboards and
//! browsers without scripts. An illegal move is refused with a message and the
//! card stays where it was.

use std::sync::Arc;

use askama::Template;
use djcrm_application::PageParams;
use djcrm_application::leads::ListLeadsRequest;
use djcrm_domain::ports::Store;
use djcrm_domain::{DomainError, LeadId, LeadStatus};
use poem::http::StatusCode;
use poem::web::Json;
use poem::{IntoResponse, Request, Response};

use crate::Ui;
use crate::charts::status_label;
use crate::failure::Failure;
use crate::form::{FormData, sentence};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{maybe_viewer, viewer};
use crate::views::{
    Choice, LeadCard, all_agents, all_categories, category_names, move_choices, names,
};

/// Cards per column (the newest); the list has the rest.
const PER_COLUMN: i64 = 50;

struct Column {
    status: &'static str,
    label: &'static str,
    cards: Vec<Card>,
    more: bool,
}

struct Card {
    lead: LeadCard,
    /// The moves its stage allows.
    moves: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    organizer: bool,
    columns: Vec<Column>,
}

/// `GET /board`.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let actor = &viewer.actor;
    let categories = category_names(&all_categories(&ui.crm, actor).await?);
    let agents = names(&all_agents(&ui.crm, actor).await?);
    let mut columns = Vec::new();
    for status in LeadStatus::ALL {
        let listing = ListLeadsRequest {
            status: Some(status),
            page: PageParams {
                limit: Some(PER_COLUMN),
                cursor: None,
            },
            ..ListLeadsRequest::default()
        };
        let page = ui.crm.leads(actor, listing).await?;
        columns.push(Column {
            status: status.as_str(),
            label: status_label(status),
            more: page.next_cursor.is_some(),
            cards: page
                .items
                .iter()
                .map(|lead| Card {
                    lead: LeadCard::new(lead, &categories, &agents),
                    moves: move_choices(lead.status()),
                })
                .collect(),
        });
    }
    render(&BoardPage {
        layout: viewer.layout("Board", "board"),
        organizer: viewer.organizer(),
        columns,
    })
}

/// Whether the board's script sent the request (it reads JSON back).
fn from_script(request: &Request) -> bool {
    request
        .header("accept")
        .is_some_and(|accept| accept.contains("application/json"))
}

/// `POST /board/move`: `lead_id`, `status` and the `version` the card showed.
pub async fn move_card<S: Store>(
    ui: Arc<Ui<S>>,
    mut request: Request,
) -> Result<Response, Failure> {
    let script = from_script(&request);
    let viewer = match maybe_viewer(&ui, &request).await? {
        Some(viewer) => viewer,
        // The script cannot follow a redirect to the login page: it says why.
        None if script => {
            return Ok(problem(
                StatusCode::UNAUTHORIZED,
                "Signed out",
                "Your session has ended; reload the page to sign in again.",
            ));
        }
        None => {
            return Err(Failure::SignIn {
                next: "/board".to_owned(),
            });
        }
    };
    let data = FormData::body(&mut request).await?;
    let (Some(id), Some(to)) = (
        data.parsed::<LeadId>("lead_id")?,
        data.parsed::<LeadStatus>("status")?,
    ) else {
        return Err(Failure::BadRequest(
            "lead_id and status are required".to_owned(),
        ));
    };
    let version = data.parsed::<i64>("version")?;
    let moved = ui
        .crm
        .change_lead_status(&viewer.actor, id, to, None, version)
        .await;
    let refusal = match moved {
        Ok(lead) if script => {
            // The card's form offers the moves of its new stage.
            let moves: Vec<_> = move_choices(lead.status())
                .into_iter()
                .map(|c| serde_json::json!({ "value": c.value, "label": c.label }))
                .collect();
            return Ok(Json(serde_json::json!({
                "version": lead.version(),
                "status": lead.status().as_str(),
                "moves": moves,
            }))
            .into_response());
        }
        Ok(lead) => {
            flash(
                &request,
                true,
                &format!(
                    "Moved {} {} to {}.",
                    lead.first_name,
                    lead.last_name,
                    status_label(to)
                ),
            );
            return Ok(see_other("/board"));
        }
        Err(error) => refusal(error)?,
    };
    if script {
        let (status, title, detail) = refusal;
        return Ok(problem(status, title, &detail));
    }
    flash(&request, false, &refusal.2);
    Ok(see_other("/board"))
}

/// A refusal the board's script shows in its message area.
fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = serde_json::json!({ "title": title, "detail": detail, "status": status.as_u16() });
    Json(body).with_status(status).into_response()
}

/// A move the use case refused, as status, title and a sentence for the user;
/// failures that are not the user's stay failures.
fn refusal(error: DomainError) -> Result<(StatusCode, &'static str, String), Failure> {
    Ok(match error {
        error @ DomainError::InvalidTransition { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Move not allowed",
            format!("{} The card went back.", sentence(&error.to_string())),
        ),
        DomainError::PreconditionFailed { .. } => (
            StatusCode::CONFLICT,
            "Changed meanwhile",
            "Someone changed this lead since the board was loaded; reload the board and try again."
                .to_owned(),
        ),
        DomainError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "Not found",
            "This lead is gone, or no longer yours.".to_owned(),
        ),
        other => return Err(other.into()),
    })
}
