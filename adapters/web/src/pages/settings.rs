//! `/settings`: the organization's name (organizers), and every user's own
//! sessions: each browser or script signed in as them, revocable one by one.

use std::sync::Arc;

use askama::Template;
use djcrm_application::organization::UpdateOrganizationRequest;
use djcrm_application::tokens::hash_secret;
use djcrm_domain::TokenId;
use djcrm_domain::ports::Store;
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::path_id;
use crate::Ui;
use crate::failure::Failure;
use crate::form::{Form, FormData, encode};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{self, Viewer, viewer};
use crate::views::when;

struct SessionRow {
    id: TokenId,
    created: String,
    expires: String,
    current: bool,
    expired: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    organizer: bool,
    form: Form,
    sessions: Vec<SessionRow>,
}

async fn page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    form: Option<Form>,
) -> Result<SettingsPage, Failure> {
    let current = hash_secret(&viewer.secret);
    let now = ui.crm.now();
    let sessions = ui
        .crm
        .sessions(&viewer.actor)
        .await?
        .iter()
        .map(|token| SessionRow {
            id: token.id,
            created: when(token.created_at),
            expires: when(token.expires_at),
            current: token.hash == current,
            expired: token.expires_at <= now,
        })
        .collect();
    let name = viewer.me.organization.name.as_str();
    Ok(SettingsPage {
        layout: viewer.layout("Settings", "settings"),
        organizer: viewer.organizer(),
        form: form.unwrap_or_else(|| {
            Form::with(FormData::parse(format!("name={}", encode(name)).as_bytes()))
        }),
        sessions,
    })
}

/// `GET /settings`.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    render(&page(&ui, &viewer, None).await?)
}

/// `POST /settings`: renames the organization.
pub async fn rename<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let data = FormData::body(&mut request).await?;
    let change = UpdateOrganizationRequest {
        name: Some(data.get("name").to_owned()),
    };
    match ui.crm.update_organization(&viewer.actor, change).await {
        Ok(organization) => {
            flash(
                &request,
                true,
                &format!("The organization is now {}.", organization.name),
            );
            Ok(see_other("/settings"))
        }
        Err(error) => {
            let page = page(&ui, &viewer, Some(Form::with(data).failed(error)?)).await?;
            Ok(render(&page)?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

/// `POST /settings/sessions/{id}/revoke`: ends one session; ending this one logs
/// this browser out.
pub async fn revoke<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id: TokenId = path_id(&request)?;
    let current = ui
        .crm
        .sessions(&viewer.actor)
        .await?
        .iter()
        .any(|t| t.id == id && t.hash == hash_secret(&viewer.secret));
    ui.crm.revoke_session(&viewer.actor, id).await?;
    if current {
        session::end(&request);
        flash(&request, true, "This session is ended: you are logged out.");
        return Ok(see_other("/login"));
    }
    flash(&request, true, "The session is ended.");
    Ok(see_other("/settings"))
}
