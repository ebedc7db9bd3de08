//! The server over HTTP, on an ephemeral port and a temporary SQLite file.

mod bad_input;
mod isolation;
mod journey;
mod leads;
mod roles;
mod service;
