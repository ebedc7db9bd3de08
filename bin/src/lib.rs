//! # DJ CRM binaries
//!
//! The composition root: it reads configuration, picks the adapters, wires them
//! into the application and serves it. `djcrm` is the server, `djcrm-admin` the
//! operator's maintenance tool. The test suite builds the server through
//! [`startup::Application`] exactly as `djcrm serve` does.

pub mod admin;
pub mod background;
pub mod config;
pub mod metrics;
pub mod startup;
pub mod telemetry;
