//! `[tracing]`: where spans are exported.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[tracing]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TracingConfig {
    /// An OpenTelemetry collector's OTLP/HTTP traces endpoint (e.g.
    /// `http://127.0.0.1:4318/v1/traces`): spans of requests, store calls and jobs
    /// are sent there. Unset: spans are not exported.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` the spans carry.
    pub service_name: String,
}

impl Default for TracingConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "djcrm".to_owned(),
        }
    }
}

impl TracingConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match &self.otlp_endpoint {
            Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                Err(ConfigError::Invalid {
                    key: "tracing.otlp_endpoint",
                    reason: format!("{url:?} is not an http(s) URL"),
                })
            }
            _ => Ok(()),
        }
    }
}
