//! The cross-crate test suite, one binary (one link): the real server driven over
//! HTTP (`api`), and the store contract suite run against every store (`contract`).

mod api;
mod contract;
mod helpers;
mod pg;
mod startup;
