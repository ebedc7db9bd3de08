//! A cache of values by namespace and key, in-process or in Redis (shared by every
//! instance), and the hook through which committed changes reach it.
//!
//! Invalidation is by namespace (an organization's data, the token lookups): it
//! moves the namespace's generation on, which orphans every value cached under the
//! old one at once. A reader that fills the cache reads the generation first and
//! passes it to [`Cache::put`], which stores nothing if an invalidation came in
//! between: a value read before a change committed is never cached after it.

use std::time::Duration;

use crate::Event;

/// A namespace's generation, as read before a value is fetched to be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generation(pub u64);

/// Why the cache could not answer. Callers treat it as a miss and go to the store.
#[derive(Debug, thiserror::Error)]
#[error("the cache is unavailable: {context}")]
pub struct CacheError {
    /// What it was doing.
    pub context: String,
    /// Why it failed.
    #[source]
    pub source: Option<crate::BoxError>,
}

/// Values by namespace and key, each with a time to live.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait Cache: Send + Sync {
    /// The value under `key` in the current generation of `namespace`, unless it
    /// expired.
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, CacheError>;

    /// The current generation of `namespace`.
    async fn generation(&self, namespace: &str) -> Result<Generation, CacheError>;

    /// Stores `value` under `key` for `ttl`, if `namespace` is still at
    /// `generation`; says whether it was stored.
    async fn put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Duration,
        generation: Generation,
    ) -> Result<bool, CacheError>;

    /// Drops every value of `namespace`: its generation moves on.
    async fn invalidate(&self, namespace: &str) -> Result<(), CacheError>;

    /// Succeeds when the cache answers.
    async fn ping(&self) -> Result<(), CacheError>;
}

/// Told of every unit of work's events once it has committed, before the use case
/// returns: what keeps caches from serving what a change made stale.
#[async_trait::async_trait]
pub trait ChangeListener: Send + Sync {
    /// `events` have committed together.
    async fn committed(&self, events: &[Event]);
}
