//! `/webhooks` (organizers): the endpoints that receive the organization's events
//! as signed POSTs; add one (its signing secret is shown once, on the page the
//! form answers), change, turn off or remove it, and follow and replay its
//! deliveries.

use std::sync::Arc;

use askama::Template;
use djcrm_application::PageParams;
use djcrm_application::webhooks::{CreateWebhookRequest, UpdateWebhookRequest};
use djcrm_domain::ports::Store;
use djcrm_domain::{Delivery, DeliveryId, EventType, Webhook, WebhookId};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::path_id;
use crate::Ui;
use crate::failure::Failure;
use crate::form::{Form, FormData};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{Viewer, viewer};
use crate::views::when;

/// Deliveries shown per page of an endpoint's log.
const DELIVERIES: i64 = 25;

/// The most of an answer's body a delivery row shows (the log keeps a little more).
const EXCERPT: usize = 160;

/// The value of the "every event" box, as the use case reads it.
const ALL_EVENTS: &str = "*";

/// A webhook as the pages show it; never its secret.
struct WebhookRow {
    id: WebhookId,
    url: String,
    events: String,
    active: bool,
    disabled_reason: Option<String>,
    failures: u32,
    created: String,
    updated: String,
}

/// One box of the events a form subscribes to.
struct Check {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// One delivery of the log.
struct DeliveryRow {
    id: DeliveryId,
    event_type: &'static str,
    delivered: bool,
    status: String,
    latency: String,
    excerpt: String,
    when: String,
}

#[derive(Template)]
#[template(path = "webhooks/list.html")]
struct WebhooksPage {
    layout: Layout,
    webhooks: Vec<WebhookRow>,
    form: Form,
    events: Vec<Check>,
}

#[derive(Template)]
#[template(path = "webhooks/show.html")]
struct WebhookPage {
    layout: Layout,
    webhook: WebhookRow,
    /// The signing secret, only on the page answering the creation.
    secret: Option<String>,
    form: Form,
    events: Vec<Check>,
    deliveries: Vec<DeliveryRow>,
    older: Option<String>,
}

fn row(webhook: &Webhook) -> WebhookRow {
    let names = webhook.events.names();
    WebhookRow {
        id: webhook.id,
        url: webhook.url.as_str().to_owned(),
        events: if names.iter().any(|n| n == ALL_EVENTS) {
            "All events".to_owned()
        } else {
            names.join(", ")
        },
        active: webhook.active,
        disabled_reason: webhook.disabled_reason.clone(),
        failures: webhook.failures,
        created: when(webhook.created_at),
        updated: when(webhook.updated_at),
    }
}

/// The boxes of every event type (and "all events"), ticked as `form` says.
fn event_checks(form: &Form) -> Vec<Check> {
    std::iter::once((ALL_EVENTS, "All events, present and future"))
        .chain(EventType::ALL.iter().map(|t| (t.as_str(), t.as_str())))
        .map(|(value, label)| Check {
            value,
            label,
            checked: form.has("events", value),
        })
        .collect()
}

/// The edit form holding what `webhook` has now.
fn edit_form(webhook: &Webhook) -> Form {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("url", webhook.url.as_str());
    for name in webhook.events.names() {
        pairs.append_pair("events", &name);
    }
    if webhook.active {
        pairs.append_pair("active", "true");
    }
    Form::with(FormData::parse(pairs.finish().as_bytes()))
}

fn delivery_row(delivery: &Delivery) -> DeliveryRow {
    DeliveryRow {
        id: delivery.id,
        event_type: delivery.event_type.as_str(),
        delivered: delivery.delivered,
        status: delivery
            .status
            .map_or_else(|| "No answer".to_owned(), |s| s.to_string()),
        latency: format!("{} ms", delivery.latency_ms),
        excerpt: delivery.response_excerpt.chars().take(EXCERPT).collect(),
        when: when(delivery.attempted_at),
    }
}

async fn list_page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    form: Form,
) -> Result<WebhooksPage, Failure> {
    viewer.require_organizer()?;
    let webhooks = ui.crm.webhooks(&viewer.actor).await?;
    Ok(WebhooksPage {
        layout: viewer.layout("Webhooks", "webhooks"),
        webhooks: webhooks.iter().map(row).collect(),
        events: event_checks(&form),
        form,
    })
}

/// The page of `webhook`; `form` is a failed edit shown again, `secret` the
/// signing secret of one just created.
async fn show_page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    webhook: &Webhook,
    form: Option<Form>,
    secret: Option<String>,
    cursor: Option<String>,
) -> Result<WebhookPage, Failure> {
    viewer.require_organizer()?;
    let deliveries = ui
        .crm
        .deliveries(
            &viewer.actor,
            webhook.id,
            &PageParams {
                limit: Some(DELIVERIES),
                cursor,
            },
        )
        .await?;
    let form = form.unwrap_or_else(|| edit_form(webhook));
    let id = webhook.id;
    Ok(WebhookPage {
        layout: viewer.layout(webhook.url.as_str(), "webhooks"),
        webhook: row(webhook),
        secret,
        events: event_checks(&form),
        form,
        deliveries: deliveries.items.iter().map(delivery_row).collect(),
        older: deliveries
            .next_cursor
            .map(|c| format!("/webhooks/{id}?deliveries={c}#deliveries")),
    })
}

fn again<T: Template>(page: &T, status: StatusCode) -> Result<Response, Failure> {
    Ok(render(page)?.with_status(status).into_response())
}

/// `GET /webhooks`.
pub async fn list<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    // A new endpoint gets every event unless the organizer narrows it down.
    let form = Form::with(FormData::parse(b"events=%2A"));
    render(&list_page(&ui, &viewer, form).await?)
}

/// `POST /webhooks`: registers an endpoint and answers its page with the signing
/// secret, rendered here rather than after a redirect: the secret is shown this
/// once and must never travel in a cookie or a URL.
pub async fn create<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let data = FormData::body(&mut request).await?;
    let webhook = CreateWebhookRequest {
        url: data.get("url").trim().to_owned(),
        events: data.all("events").map(str::to_owned).collect(),
    };
    match ui.crm.create_webhook(&viewer.actor, webhook).await {
        Ok(webhook) => {
            let secret = Some(webhook.secret.clone());
            let page = show_page(&ui, &viewer, &webhook, None, secret, None).await?;
            again(&page, StatusCode::CREATED)
        }
        Err(error) => {
            let page = list_page(&ui, &viewer, Form::with(data).failed(error)?).await?;
            again(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `GET /webhooks/{id}`: the endpoint, its edit form and its recent deliveries
/// (`?deliveries=` pages back through older ones).
pub async fn show<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: WebhookId = path_id(&request)?;
    let cursor = FormData::query(&request)
        .filled("deliveries")
        .map(str::to_owned);
    let webhook = ui.crm.webhook(&viewer.actor, id).await?;
    render(&show_page(&ui, &viewer, &webhook, None, None, cursor).await?)
}

/// `POST /webhooks/{id}`: changes the URL and events, and turns deliveries off or
/// on (on again restarts the failure count). An unticked "active" box is sent as
/// nothing, so its absence means off.
pub async fn update<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: WebhookId = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    let change = UpdateWebhookRequest {
        url: Some(data.get("url").trim().to_owned()),
        events: Some(data.all("events").map(str::to_owned).collect()),
        active: Some(data.get("active") == "true"),
    };
    match ui.crm.update_webhook(&viewer.actor, id, change).await {
        Ok(webhook) => {
            let message = if webhook.active {
                "The webhook is saved."
            } else {
                "The webhook is saved; it is off, so no event goes out to it."
            };
            flash(&request, true, message);
            Ok(see_other(&format!("/webhooks/{id}")))
        }
        Err(error) => {
            let form = Form::with(data).failed(error)?;
            let webhook = ui.crm.webhook(&viewer.actor, id).await?;
            let page = show_page(&ui, &viewer, &webhook, Some(form), None, None).await?;
            again(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `POST /webhooks/{id}/delete`: removes the endpoint and its delivery log.
pub async fn delete<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: WebhookId = path_id(&request)?;
    ui.crm.delete_webhook(&viewer.actor, id).await?;
    flash(
        &request,
        true,
        "The webhook is removed, with its delivery log.",
    );
    Ok(see_other("/webhooks"))
}

/// `POST /webhooks/{id}/deliveries/{delivery}/replay`: sends that delivery's event
/// again, now; the attempt joins the log as a new delivery.
pub async fn replay<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    viewer.require_organizer()?;
    let id: WebhookId = path_id(&request)?;
    let delivery: DeliveryId = request
        .raw_path_param("delivery")
        .and_then(|d| d.parse().ok())
        .ok_or(Failure::NotFound)?;
    ui.crm.replay_delivery(&viewer.actor, id, delivery).await?;
    flash(
        &request,
        true,
        "The event is on its way again; its delivery appears in the log shortly.",
    );
    Ok(see_other(&format!("/webhooks/{id}")))
}
