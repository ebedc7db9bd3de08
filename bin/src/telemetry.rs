//! Logs and traces: one subscriber, set up once. Logs go to stderr (pretty or
//! JSON); spans go to an OpenTelemetry collector too when `tracing.otlp_endpoint`
//! is set.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogConfig, LogFormat, TracingConfig};

/// What must be flushed before the process exits: spans not yet exported.
#[must_use = "call shutdown before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports what is left and stops the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            // Blocking: off the runtime's threads.
            let _ = std::thread::spawn(move || provider.shutdown()).join();
        }
    }
}

/// Installs the global subscriber. `RUST_LOG`, when set, overrides the configured
/// filter. Calling it again (as tests do) is harmless.
pub fn init(config: &LogConfig, traces: &TracingConfig) -> Telemetry {
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
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(spans)
        .try_init();
    Telemetry { provider }
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
