//! The records of DJ CRM.

pub mod activity;
pub mod agent;
pub mod category;
pub mod digest;
pub mod import;
pub mod invitation;
pub mod lead;
pub mod organization;
pub mod pipeline;
pub mod token;
pub mod user;
pub mod webhook;
