//! `[metrics]`: where Prometheus reads the process's metrics.

use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[metrics]`
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// An address of its own that serves only `/metrics`, to no one but who can
    /// reach it (e.g. `127.0.0.1:9100`, or a private interface). Unset: none.
    pub bind: Option<SocketAddr>,
    /// A bearer token (16 characters or more) that opens `/metrics` on the public
    /// listener. Unset: the public listener has no `/metrics`.
    pub token: Option<String>,
}

impl MetricsConfig {
    /// Whether metrics are served anywhere (and so recorded at all).
    #[must_use]
    pub const fn enabled(&self) -> bool {
        self.bind.is_some() || self.token.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match &self.token {
            Some(token) if token.chars().count() < 16 => Err(ConfigError::Invalid {
                key: "metrics.token",
                reason: "must be at least 16 characters".to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

// The token is a secret: never print it.
impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("bind", &self.bind)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_token_is_refused_by_name() {
        let config = MetricsConfig {
            bind: None,
            token: Some("short".to_owned()),
        };
        let error = config.validate().expect_err("too short");
        assert!(error.to_string().contains("metrics.token"), "{error}");
    }

    #[test]
    fn the_token_is_never_printed() {
        let config = MetricsConfig {
            bind: None,
            token: Some("a-secret-scraper-token".to_owned()),
        };
        assert!(!format!("{config:?}").contains("a-secret"));
    }
}
