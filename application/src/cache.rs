//! What the CRM caches, under which namespace, and what a committed change makes
//! stale. Reads fill the cache through [`Crm::cached`]; [`Invalidation`] hears every
//! unit of work's events once committed (the store calls it before `commit`
//! returns), so a client never reads its own write stale.
//!
//! | namespace | holds | made stale by |
//! |---|---|---|
//! | `tokens` | token hash → session | a revoked token (logout, deactivation, deletion), any user change |
//! | `org:<id>` | the organization's statistics (an agent's too), its week and recent activity, leads and lead pages | any event of the organization |
//!
//! The cache is an optimization, never a source of truth: when it fails, reads go
//! to the store, and the failure is logged at most every 30 seconds.

use std::sync::Arc;
use std::time::Duration;

use djcrm_domain::ports::{Cache, CacheError, ChangeListener, Store};
use djcrm_domain::{Change, DomainError, Event, OrgId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Crm;
use crate::throttle::Throttle;

/// The namespace of token lookups.
pub const TOKENS: &str = "tokens";

/// How long a token lookup is kept at most (it also never outlives its token).
pub const TOKEN_TTL: Duration = Duration::from_secs(60);

/// How long statistics are kept at most.
pub const STATS_TTL: Duration = Duration::from_secs(60);

/// How long a lead or a page of leads is kept at most.
pub const LEADS_TTL: Duration = Duration::from_secs(60);

/// The namespace of one organization's cached data.
#[must_use]
pub fn organization(org: OrgId) -> String {
    format!("org:{org}")
}

/// Logs a cache failure at most every 30 seconds, so an outage does not flood the
/// log.
pub fn warn_unavailable(error: &CacheError) {
    static WARNINGS: Throttle = Throttle::every(30);
    if WARNINGS.allow() {
        tracing::warn!(%error, "the cache is unavailable; serving from the store");
    }
}

/// Whether a change can make a cached token lookup wrong.
fn touches_tokens(change: &Change) -> bool {
    matches!(
        change,
        Change::TokenRevoked { .. }
            | Change::UserLoggedOut { .. }
            | Change::AgentDeactivated { .. }
            | Change::AgentDeleted { .. }
            | Change::AgentUpdated { .. }
            | Change::UserCreated { .. }
            | Change::UserRoleChanged { .. }
            | Change::UserDeactivated { .. }
    )
}

/// Drops what committed events made stale.
pub struct Invalidation {
    cache: Arc<dyn Cache>,
}

impl Invalidation {
    /// Invalidation of `cache`.
    #[must_use]
    pub fn new(cache: Arc<dyn Cache>) -> Self {
        Self { cache }
    }
}

#[async_trait::async_trait]
impl ChangeListener for Invalidation {
    async fn committed(&self, events: &[Event]) {
        let mut namespaces: Vec<String> = Vec::new();
        for event in events {
            let namespace = organization(event.org_id);
            if !namespaces.contains(&namespace) {
                namespaces.push(namespace);
            }
            if touches_tokens(&event.change) && !namespaces.iter().any(|n| n == TOKENS) {
                namespaces.push(TOKENS.to_owned());
            }
        }
        for namespace in namespaces {
            if let Err(error) = self.cache.invalidate(&namespace).await {
                warn_unavailable(&error);
            }
        }
    }
}

impl<S: Store> Crm<S> {
    /// `key` of `namespace` from the cache, or from `fetch` (then cached for `ttl`
    /// unless the namespace was invalidated meanwhile). `fetch` answering `None`
    /// is not cached.
    pub(crate) async fn cached<T, F>(
        &self,
        namespace: &str,
        key: &str,
        ttl: Duration,
        fetch: F,
    ) -> Result<Option<T>, DomainError>
    where
        T: Serialize + DeserializeOwned,
        F: AsyncFnOnce() -> Result<Option<T>, DomainError>,
    {
        let hit = || self.cache_hit(namespace, key);
        let fill = || async {
            let generation = self.cache.generation(namespace).await;
            let value = fetch().await?;
            match (generation, &value) {
                (Ok(generation), Some(value)) if !ttl.is_zero() => {
                    let stored = match serde_json::to_vec(value) {
                        Ok(bytes) => {
                            self.cache
                                .put(namespace, key, &bytes, ttl, generation)
                                .await
                        }
                        Err(_) => Ok(false),
                    };
                    if let Err(error) = stored {
                        warn_unavailable(&error);
                    }
                }
                (Err(error), _) => warn_unavailable(&error),
                _ => {}
            }
            Ok(value)
        };
        self.fills.read(namespace, key, hit, fill).await
    }

    /// The cached value of `key`, if there is one that decodes. A cache that fails
    /// answers nothing here; the caller's own call to it reports the failure.
    async fn cache_hit<T: DeserializeOwned>(&self, namespace: &str, key: &str) -> Option<T> {
        // By kind, not by namespace: one series per organization would grow without end.
        let kind = if namespace == TOKENS {
            "tokens"
        } else {
            "organization"
        };
        let (outcome, value) = match self.cache.get(namespace, key).await {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(value) => ("hit", Some(value)),
                Err(_) => ("miss", None),
            },
            Ok(None) => ("miss", None),
            Err(_) => ("error", None),
        };
        metrics::counter!("djcrm_cache_lookups_total", "kind" => kind, "outcome" => outcome)
            .increment(1);
        value
    }
}
