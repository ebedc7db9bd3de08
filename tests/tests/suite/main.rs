//! The cross-crate test suite, one binary (one link): the real server driven over
//! HTTP (`api`), and the contract suites run against every store: the store ports
//! (`contract`) and the outbox (`outbox_contract`); and the rate limiter contract
//! and cache contracts against memory and Redis (`limiter_contract`,
//! `cache_contract`).

mod api;
mod cache_contract;
mod contract;
mod digests;
mod expiry;
mod helpers;
mod limiter_contract;
mod outbox_contract;
mod pg;
mod pg_fence;
mod pg_nagle;
mod pg_readers;
mod redis;
mod startup;
