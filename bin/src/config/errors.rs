//! `[errors]`: where failures are reported.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[errors]`
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ErrorsConfig {
    /// A Sentry-compatible DSN (`https://key@host/project`): panics and 500s are
    /// reported there with their cause chain and request id. Unset: they are only
    /// logged.
    pub sentry_dsn: Option<String>,
}

impl ErrorsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match &self.sentry_dsn {
            Some(dsn) => {
                sentry::types::Dsn::from_str(dsn)
                    .map(|_| ())
                    .map_err(|e| ConfigError::Invalid {
                        key: "errors.sentry_dsn",
                        reason: e.to_string(),
                    })
            }
            None => Ok(()),
        }
    }
}

// A DSN holds the project's key: never print it whole.
impl std::fmt::Debug for ErrorsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorsConfig")
            .field("sentry_dsn", &self.sentry_dsn.as_ref().map(|_| "***"))
            .finish()
    }
}
