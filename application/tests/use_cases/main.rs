//! Use cases against mocked ports.
//!
//! Reads go to mock repositories; every write goes through a [`MockUnitOfWork`] the
//! test queued on the [`support::TestStore`]. A use case that opens a unit of work the
//! test did not queue panics, and a mock panics on any call it was not told to expect:
//! so a test that queues nothing asserts that the use case writes nothing at all.
//!
//! The promises: authorization for every role, including a user of another
//! organization ([`authorization`]); validation before any write ([`validation`]);
//! what each write use case saves, records and commits, in one unit of work ([`auth`],
//! [`leads`], [`agents`], [`categories`]); and the change feed ([`feed`]).
//!
//! [`MockUnitOfWork`]: djcrm_domain::ports::MockUnitOfWork

mod support;

mod agents;
mod auth;
mod authorization;
mod categories;
mod feed;
mod leads;
mod validation;
