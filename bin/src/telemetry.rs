//! Logs, traces and error reports: one subscriber, set up once. Logs go to stderr
//! (pretty or JSON); spans go to an OpenTelemetry collector too when
//! `tracing.otlp_endpoint` is set; panics and errors logged with their cause go to
//! a Sentry-compatible service when `errors.sentry_dsn` is set.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{ErrorsConfig, LogConfig, LogFormat, TracingConfig};

/// What must be flushed before the process exits: spans not yet exported.
#[must_use = "call shutdown before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    sentry: Option<sentry::ClientInitGuard>,
}

impl Telemetry {
    /// Exports what is left and stops the exporters.
    pub fn shutdown(self) {
        if let Some(sentry) = self.sentry {
            // Dropping the guard sends what is queued, waiting up to its timeout.
            let _ = std::thread::spawn(move || drop(sentry)).join();
        }
        if let Some(provider) = self.provider {
            // Blocking: off the runtime's threads.
            let _ = std::thread::spawn(move || provider.shutdown()).join();
        }
    }
}

/// Installs the global subscriber. `RUST_LOG`, when set, overrides the configured
/// filter. Calling it again (as tests do) is harmless.
pub fn init(config: &LogConfig, traces: &TracingConfig, errors: &ErrorsConfig) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match config.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_writer(std::io::stderr)
            .boxed(),
    };
    let provider = traces
        .otlp_endpoint
        .as_ref()
        .and_then(|endpoint| provider(endpoint, &traces.service_name));
    let spans = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("djcrm")));
    let sentry = errors.sentry_dsn.as_deref().map(|dsn| {
        let mut options = sentry::ClientOptions::default();
        options.release = sentry::release_name!();
        options.attach_stacktrace = true;
        sentry::init((dsn, options))
    });
    let reports = sentry.as_ref().map(|_| {
        use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
        use tracing_subscriber::filter::{LevelFilter, filter_fn};
        // Errors become reports, except the generic line of every 5xx, which says
        // nothing the line with the cause does; what led up to one goes along as
        // breadcrumbs.
        ErrorLayer::new()
            .with_filter(filter_fn(|event| {
                *event.level() == tracing::Level::ERROR
                    && event.target() != "djcrm_adapter_http::observe"
            }))
            .and_then(BreadcrumbLayer::new().with_filter(LevelFilter::INFO))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(spans)
        .with(reports)
        .try_init();
    Telemetry { provider, sentry }
}

/// The OpenTelemetry trace id of the current span, when it has one.
#[must_use]
pub fn trace_id() -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// A tracer provider exporting to `endpoint` in batches, or `None` (said on
/// stderr) when the exporter cannot be built.
fn provider(endpoint: &str, service_name: &str) -> Option<SdkTracerProvider> {
    let endpoint = endpoint.to_owned();
    // The exporter's blocking HTTP client must be built (and dropped) off the
    // async runtime's threads.
    let built = std::thread::spawn(move || {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()
    })
    .join();
    match built {
        Ok(Ok(exporter)) => Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    Resource::builder()
                        .with_service_name(service_name.to_owned())
                        .build(),
                )
                .build(),
        ),
        Ok(Err(error)) => {
            eprintln!("djcrm: spans are not exported: {error}");
            None
        }
        Err(_) => {
            eprintln!("djcrm: spans are not exported: the exporter could not be built");
            None
        }
    }
}
