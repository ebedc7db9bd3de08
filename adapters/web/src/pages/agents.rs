//! `/agents` (organizers): the team with each agent's performance; add an agent
//! with a first password, or invite one by mail; deactivate and reactivate; the
//! open invitations, each resent or revoked.

use std::sync::Arc;

use askama::Template;
use djcrm_application::agents::{CreateAgentRequest, UpdateAgentRequest};
use djcrm_application::invitations::InviteRequest;
use djcrm_application::{Crm, PageParams};
use djcrm_domain::ports::Store;
use djcrm_domain::{
    Actor, Agent, AgentId, AgentPerformance, DomainError, Invitation, InvitationId, InvitationState,
};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::path_id;
use crate::Ui;
use crate::failure::Failure;
use crate::form::{Form, FormData, sentence};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{Viewer, viewer};
use crate::views::{all_agents, duration, when};

/// An open invitation as the list shows it.
struct InvitationRow {
    id: InvitationId,
    email: String,
    name: String,
    invited_by: String,
    sent: String,
    expires: String,
    /// Its token no longer works; a resend gives it a new one.
    expired: bool,
}

struct AgentRow {
    id: AgentId,
    name: String,
    email: String,
    active: bool,
    assigned: u64,
    converted: u64,
    rate: String,
}

#[derive(Template)]
#[template(path = "agents/list.html")]
struct AgentsPage {
    layout: Layout,
    agents: Vec<AgentRow>,
    invitations: Vec<InvitationRow>,
    add: Form,
    invite: Form,
}

#[derive(Template)]
#[template(path = "agents/show.html")]
struct AgentPage {
    layout: Layout,
    agent: AgentRow,
    contacted: u64,
    first_contact: String,
    since: String,
}

fn row(agent: &Agent, performance: Option<&AgentPerformance>) -> AgentRow {
    AgentRow {
        id: agent.id,
        name: agent.full_name.as_str().to_owned(),
        email: agent.email.to_string(),
        active: agent.active,
        assigned: performance.map_or(0, |p| p.assigned),
        converted: performance.map_or(0, |p| p.converted),
        rate: format!(
            "{:.0}%",
            performance.map_or(0.0, AgentPerformance::conversion_rate) * 100.0
        ),
    }
}

/// Every open invitation (pending or expired) of the organization, newest first:
/// a team invites a handful at a time, so one page holds them all in practice.
async fn open_invitations<S: Store>(
    crm: &Crm<S>,
    actor: &Actor,
) -> Result<Vec<Invitation>, DomainError> {
    let mut invitations = Vec::new();
    let mut page = PageParams {
        limit: Some(100),
        cursor: None,
    };
    loop {
        let listed = crm.invitations(actor, &page).await?;
        invitations.extend(listed.items);
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor.to_string()),
            None => return Ok(invitations),
        }
    }
}

/// Who sent an invitation, as far as the page can name them: the viewer, an
/// agent, or (no use case lists the organizers by id) another organizer.
fn inviter(invitation: &Invitation, viewer: &Viewer, agents: &[Agent]) -> String {
    match invitation.invited_by {
        None => "An operator".to_owned(),
        Some(user) if user == viewer.actor.user_id => "You".to_owned(),
        Some(user) => agents.iter().find(|a| a.user_id == user).map_or_else(
            || "Another organizer".to_owned(),
            |a| a.full_name.as_str().to_owned(),
        ),
    }
}

async fn page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    add: Form,
    invite: Form,
) -> Result<AgentsPage, Failure> {
    viewer.require_organizer()?;
    let actor = &viewer.actor;
    let mut agents = all_agents(&ui.crm, actor).await?;
    agents
        .sort_by(|a, b| (!a.active, a.full_name.as_str()).cmp(&(!b.active, b.full_name.as_str())));
    let performance = ui.crm.agents_stats(actor).await?;
    let now = ui.crm.now();
    let invitations = open_invitations(&ui.crm, actor)
        .await?
        .iter()
        .map(|i| InvitationRow {
            id: i.id,
            email: i.email.as_str().to_owned(),
            name: i.full_name.as_str().to_owned(),
            invited_by: inviter(i, viewer, &agents),
            sent: when(i.sent_at),
            expires: when(i.expires_at),
            expired: i.state(now) == InvitationState::Expired,
        })
        .collect();
    Ok(AgentsPage {
        layout: viewer.layout("Agents", "agents"),
        agents: agents
            .iter()
            .map(|a| row(a, performance.iter().find(|p| p.agent_id == a.id)))
            .collect(),
        invitations,
        add,
        invite,
    })
}

/// `GET /agents`.
pub async fn list<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    render(&page(&ui, &viewer, Form::new(), Form::new()).await?)
}

/// `POST /agents`: adds an agent with the password the organizer hands over.
pub async fn add<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let data = FormData::body(&mut request).await?;
    let agent = CreateAgentRequest {
        email: data.get("email").trim().to_owned(),
        full_name: data.get("full_name").to_owned(),
        password: data.get("password").to_owned(),
    };
    match ui.crm.create_agent(&viewer.actor, agent).await {
        Ok(agent) => {
            flash(
                &request,
                true,
                &format!("{} can log in now.", agent.full_name),
            );
            Ok(see_other("/agents"))
        }
        Err(error) => {
            let page = page(&ui, &viewer, Form::with(data).failed(error)?, Form::new()).await?;
            Ok(render(&page)?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

/// `POST /agents/invite`: the invitation goes out by mail.
pub async fn invite<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let data = FormData::body(&mut request).await?;
    let invitation = InviteRequest {
        email: data.get("invite_email").trim().to_owned(),
        full_name: data.get("invite_full_name").to_owned(),
    };
    match ui.crm.invite(&viewer.actor, invitation).await {
        Ok(_) => {
            flash(&request, true, "The invitation is on its way.");
            Ok(see_other("/agents"))
        }
        Err(error) => {
            // The invitation's fields carry a prefix on this page (two forms).
            let form = Form::with(data).failed(error)?.prefixed("invite_");
            let page = page(&ui, &viewer, Form::new(), form).await?;
            Ok(render(&page)?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

/// `GET /agents/{id}`: one agent's performance.
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: AgentId = path_id(&request)?;
    let agent = ui.crm.agent(&viewer.actor, id).await?;
    let performance = ui.crm.agent_stats(&viewer.actor, id).await?;
    render(&AgentPage {
        layout: viewer.layout(agent.full_name.as_str(), "agents"),
        contacted: performance.contacted,
        first_contact: performance
            .avg_seconds_to_first_contact
            .map_or_else(|| "—".to_owned(), duration),
        since: when(agent.created_at),
        agent: row(&agent, Some(&performance)),
    })
}

/// `POST /agents/{id}/active`: `active=false` deactivates (every session of theirs
/// ends at once; their leads stay assigned), `true` brings them back.
pub async fn set_active<S: Store>(
    ui: Arc<Ui<S>>,
    mut request: Request,
) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id: AgentId = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    let active = match data.get("active") {
        "true" => true,
        "false" => false,
        _ => {
            return Err(Failure::BadRequest(
                "active must be true or false".to_owned(),
            ));
        }
    };
    let change = UpdateAgentRequest {
        active: Some(active),
        ..UpdateAgentRequest::default()
    };
    let agent = ui.crm.update_agent(&viewer.actor, id, change).await?;
    let message = if active {
        format!("{} is active again.", agent.full_name)
    } else {
        format!("{} is deactivated and logged out.", agent.full_name)
    };
    flash(&request, true, &message);
    Ok(see_other("/agents"))
}

/// `POST /agents/invitations/{id}/resend`: mails the invitation again with a new
/// token (the old link stops working) and a new expiry.
pub async fn resend_invitation<S: Store>(
    ui: Arc<Ui<S>>,
    request: Request,
) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: InvitationId = path_id(&request)?;
    match ui.crm.resend_invitation(&viewer.actor, id).await {
        Ok(invitation) => flash(
            &request,
            true,
            &format!(
                "The invitation to {} is sent again; it works until {}.",
                invitation.email.as_str(),
                when(invitation.expires_at)
            ),
        ),
        // Accepted or revoked meanwhile (another tab, another organizer): the
        // list shown next tells the rest.
        Err(DomainError::Conflict { message, .. }) => flash(&request, false, &sentence(&message)),
        Err(error) => return Err(error.into()),
    }
    Ok(see_other("/agents"))
}

/// `POST /agents/invitations/{id}/revoke`: withdraws the invitation; its link
/// stops working.
pub async fn revoke_invitation<S: Store>(
    ui: Arc<Ui<S>>,
    request: Request,
) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: InvitationId = path_id(&request)?;
    match ui.crm.revoke_invitation(&viewer.actor, id).await {
        Ok(invitation) => flash(
            &request,
            true,
            &format!(
                "The invitation to {} is revoked.",
                invitation.email.as_str()
            ),
        ),
        // Accepted meanwhile: the invitee is an agent now, listed in the team.
        Err(DomainError::Conflict { message, .. }) => flash(&request, false, &sentence(&message)),
        Err(error) => return Err(error.into()),
    }
    Ok(see_other("/agents"))
}
