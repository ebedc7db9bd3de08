//! # DJ CRM REST API
//!
//! `/api/v1` over poem + poem-openapi: bearer-token auth, JSON bodies, RFC 9457
//! problem+json errors, keyset pagination, `ETag`/`If-Match` on leads. The OpenAPI
//! document is served at `/api/openapi.json` and an interactive UI at `/api/docs`.
//!
//! Business rules and authorization live in [`djcrm_application`]; this crate only
//! translates between HTTP and the use cases, and maps errors to statuses once, in
//! [`problem`].

mod allow;
pub mod api;
pub mod auth;
pub mod body;
pub mod connections;
pub mod document;
pub mod dto;
pub mod idempotency;
pub mod metrics;
pub mod observe;
pub mod problem;
pub mod rate_limit;
mod security;

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::Store;
use poem::http::Method;
use poem::middleware::{CatchPanic, Cors};
use poem::{Endpoint, EndpointExt, Response, Route, get, handler};
use poem_openapi::OpenApiService;

use api::agents::AgentsApi;
use api::auth::AuthApi;
use api::categories::CategoriesApi;
use api::events::EventsApi;
use api::export::ExportApi;
use api::health::HealthApi;
use api::imports::{ImportLimit, ImportsApi};
use api::invitations::InvitationsApi;
use api::jobs::JobsApi;
use api::leads::LeadsApi;
use api::organization::OrganizationApi;
use api::stats::StatsApi;
use api::webhooks::WebhooksApi;
use auth::Authenticator;
use body::BodyLimit;
use problem::{ProblemDetails, problem_for_error};

/// HTTP settings.
#[derive(Clone)]
pub struct HttpSettings {
    /// The largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// The largest file `POST /imports` accepts, in bytes.
    pub import_limit: u64,
    /// Origins allowed to call the API from a browser; empty turns CORS off.
    pub cors_allowed_origins: Vec<String>,
    /// The rate limits of the API.
    pub limits: rate_limit::EdgeLimits,
    /// `/metrics` on this listener, behind a bearer token; `None`: not served here.
    pub metrics: Option<metrics::MetricsRoute>,
    /// The trace id of the current span, when spans are exported: recorded on each
    /// request's span, so every log line of the request carries it.
    pub trace_id: Option<observe::TraceId>,
}

/// CORS for the allowed origins: the methods and headers the API uses, and the
/// response headers a browser client needs to read.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            "authorization",
            "content-type",
            "if-match",
            "if-none-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers(["etag", "location", "x-request-id", "retry-after"])
        .max_age(600)
}

/// Every `/api/v1` area, combined.
pub type Apis<S> = (
    AuthApi<S>,
    OrganizationApi<S>,
    AgentsApi<S>,
    InvitationsApi<S>,
    CategoriesApi<S>,
    ExportApi<S>,
    ImportsApi<S>,
    LeadsApi<S>,
    StatsApi<S>,
    EventsApi<S>,
    JobsApi<S>,
    WebhooksApi<S>,
    HealthApi<S>,
);

/// The OpenAPI service of `/api/v1`.
pub fn api_service<S: Store>(crm: &Arc<Crm<S>>) -> OpenApiService<Apis<S>, ()> {
    let apis = (
        AuthApi { crm: crm.clone() },
        OrganizationApi { crm: crm.clone() },
        AgentsApi { crm: crm.clone() },
        InvitationsApi { crm: crm.clone() },
        CategoriesApi { crm: crm.clone() },
        ExportApi { crm: crm.clone() },
        ImportsApi { crm: crm.clone() },
        LeadsApi { crm: crm.clone() },
        StatsApi { crm: crm.clone() },
        EventsApi { crm: crm.clone() },
        JobsApi { crm: crm.clone() },
        WebhooksApi { crm: crm.clone() },
        HealthApi { crm: crm.clone() },
    );
    OpenApiService::new(apis, "DJ CRM", env!("CARGO_PKG_VERSION"))
        .description("A multi-tenant CRM: organizations, agents, leads moving through a pipeline.")
        .server("/api/v1")
}

/// The OpenAPI document, as JSON: what `/api/openapi.json` serves.
pub fn openapi_json<S: Store>(crm: &Arc<Crm<S>>) -> String {
    document::refine(&api_service(crm).spec())
}

/// The whole HTTP application.
pub fn app<S: Store>(crm: Arc<Crm<S>>, settings: HttpSettings) -> impl Endpoint<Output = Response> {
    let service = api_service(&crm);
    let derived = service.spec();
    let spec = document::refine(&derived);
    let mut outside = vec!["/api/openapi.json", "/api/docs", "/healthz", "/readyz"];
    if settings.metrics.is_some() {
        outside.push("/metrics");
    }
    let allowed = Arc::new(allow::AllowedMethods::from_spec(&spec, "/api/v1", &outside));
    // The docs page embeds the document it was given; give it the refined one.
    let docs_page = service.swagger_ui_html().replace(&derived, &spec);
    let authenticator: Arc<dyn Authenticator> = crm.clone();
    let ready_crm = crm.clone();
    let routes = Route::new()
        .nest("/api/v1", service)
        .at(
            "/api/openapi.json",
            poem::endpoint::make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(spec.clone())
            }),
        )
        .nest(
            "/api/docs",
            poem::endpoint::make_sync(move |_| poem::web::Html(docs_page.clone())),
        )
        .at("/healthz", get(healthz))
        .at(
            "/readyz",
            get(poem::endpoint::make(move |_| {
                let crm = ready_crm.clone();
                async move { api::health::readiness(&*crm).await }
            })),
        );
    let routes = match settings.metrics.clone() {
        Some(metrics) => routes.at(
            "/metrics",
            get(poem::endpoint::make_sync(move |request| {
                metrics::guarded(&metrics, &request)
            })),
        ),
        None => routes,
    };
    routes
        .data(authenticator)
        .data(BodyLimit(settings.body_limit))
        .data(ImportLimit(settings.import_limit))
        .with(CatchPanic::new().with_handler(|_| {
            tracing::error!("a request handler panicked");
            ProblemDetails::internal().into_http_response()
        }))
        .catch_all_error(problem_for_error)
        .around({
            let crm = crm.clone();
            let body_limit = settings.body_limit;
            move |next, request| idempotency::guard(crm.clone(), next, request, body_limit)
        })
        .around({
            let limits = Arc::new(settings.limits);
            move |next, request| rate_limit::limit(limits.clone(), next, request)
        })
        .with_if(
            !settings.cors_allowed_origins.is_empty(),
            cors(&settings.cors_allowed_origins),
        )
        .around(move |next, request| {
            observe::observe(
                next,
                request,
                settings.body_limit,
                allowed.clone(),
                settings.trace_id,
            )
        })
}

#[handler]
fn healthz() -> poem_openapi::payload::Json<api::health::HealthBody> {
    api::health::liveness()
}
