//! The in-process [`Cache`]: a map per namespace, cleared when the namespace is
//! invalidated, bounded in entries (a full cache stores nothing more until expired
//! entries are swept).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use djcrm_domain::ports::{Cache, CacheError, Generation};

/// Values cached in this process.
#[derive(Debug)]
pub struct MemoryCache {
    max_entries: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    namespaces: HashMap<String, Namespace>,
    entries: usize,
}

#[derive(Debug, Default)]
struct Namespace {
    generation: u64,
    values: HashMap<String, (Vec<u8>, Instant)>,
}

impl MemoryCache {
    /// A cache of at most `max_entries` values.
    #[must_use]
    pub fn new(max_entries: usize) -> Self {
        Self {
            max_entries,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, CacheError> {
        self.state.lock().map_err(|_| CacheError {
            context: "the cache's lock was poisoned by a panic".to_owned(),
            source: None,
        })
    }
}

impl Default for MemoryCache {
    /// At most 100,000 values.
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl State {
    /// Drops expired values everywhere.
    fn sweep(&mut self, now: Instant) {
        let mut entries = 0;
        self.namespaces.retain(|_, namespace| {
            namespace.values.retain(|_, (_, expires)| *expires > now);
            entries += namespace.values.len();
            namespace.generation > 0 || !namespace.values.is_empty()
        });
        self.entries = entries;
    }
}

#[async_trait::async_trait]
impl Cache for MemoryCache {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let state = self.state()?;
        let now = Instant::now();
        Ok(state
            .namespaces
            .get(namespace)
            .and_then(|ns| ns.values.get(key))
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value.clone()))
    }

    async fn generation(&self, namespace: &str) -> Result<Generation, CacheError> {
        let state = self.state()?;
        Ok(Generation(
            state
                .namespaces
                .get(namespace)
                .map_or(0, |ns| ns.generation),
        ))
    }

    async fn put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Duration,
        generation: Generation,
    ) -> Result<bool, CacheError> {
        let mut state = self.state()?;
        let now = Instant::now();
        let current = state
            .namespaces
            .get(namespace)
            .map_or(0, |ns| ns.generation);
        if current != generation.0 {
            return Ok(false);
        }
        if state.entries >= self.max_entries {
            state.sweep(now);
            if state.entries >= self.max_entries {
                return Ok(false);
            }
        }
        let ns = state.namespaces.entry(namespace.to_owned()).or_default();
        let added = ns
            .values
            .insert(key.to_owned(), (value.to_vec(), now + ttl))
            .is_none();
        if added {
            state.entries += 1;
        }
        Ok(true)
    }

    async fn invalidate(&self, namespace: &str) -> Result<(), CacheError> {
        let mut state = self.state()?;
        let ns = state.namespaces.entry(namespace.to_owned()).or_default();
        let dropped = ns.values.len();
        ns.values.clear();
        ns.generation += 1;
        state.entries -= dropped.min(state.entries);
        Ok(())
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.state().map(|_| ())
    }
}
