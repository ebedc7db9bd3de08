//! The in-process [`Cache`]: moka's concurrent cache, bounded in bytes, with a
//! generation per namespace in the key so an invalidation orphans a namespace's
//! values at once (they are then evicted or expire).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use djcrm_domain::ports::{Cache, CacheError, Generation};
use moka::Expiry;

/// What an entry costs beyond its key and value bytes (moka's bookkeeping, the
/// map's slot, the allocator's size classes), so the bound is close to what the
/// process really holds. Measured: a server's resident memory grew by about 1.5
/// times the weighed bytes with 160 here, for lead-sized values (~800 bytes).
const ENTRY_OVERHEAD: usize = 512;

/// Values cached in this process.
pub struct MemoryCache {
    max_bytes: u64,
    values: moka::sync::Cache<String, Stored>,
    generations: Mutex<HashMap<String, u64>>,
}

/// A value and how long it may live.
#[derive(Clone)]
struct Stored {
    bytes: Arc<[u8]>,
    ttl: Duration,
}

/// Each entry lives for the time to live it was stored with.
struct TimeToLive;

impl Expiry<String, Stored> for TimeToLive {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Stored,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        value: &Stored,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.values.entry_count())
            .field("bytes", &self.values.weighted_size())
            .finish_non_exhaustive()
    }
}

impl MemoryCache {
    /// A cache holding at most about `max_bytes` of keys and values; with 0 it
    /// stores nothing.
    #[must_use]
    pub fn new(max_bytes: u64) -> Self {
        let values = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, value: &Stored| {
                u32::try_from(key.len() + value.bytes.len() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
            })
            .expire_after(TimeToLive)
            .build();
        Self {
            max_bytes,
            values,
            generations: Mutex::new(HashMap::new()),
        }
    }

    fn generations(&self) -> Result<MutexGuard<'_, HashMap<String, u64>>, CacheError> {
        self.generations.lock().map_err(|_| CacheError {
            context: "the cache's lock was poisoned by a panic".to_owned(),
            source: None,
        })
    }

    /// The bytes it holds by its own count, once pending evictions are done.
    #[must_use]
    pub fn weighed_bytes(&self) -> u64 {
        self.values.run_pending_tasks();
        self.values.weighted_size()
    }

    /// The entries it holds, once pending evictions are done.
    #[must_use]
    pub fn entry_count(&self) -> u64 {
        self.values.run_pending_tasks();
        self.values.entry_count()
    }

    fn current(&self, namespace: &str) -> Result<u64, CacheError> {
        Ok(self.generations()?.get(namespace).copied().unwrap_or(0))
    }
}

impl Default for MemoryCache {
    /// At most 8 MiB (the server's default bound).
    fn default() -> Self {
        Self::new(8 << 20)
    }
}

/// The key of `key` in `generation` of `namespace`.
fn entry_key(namespace: &str, generation: u64, key: &str) -> String {
    format!("{namespace}\u{0}{generation}\u{0}{key}")
}

#[async_trait::async_trait]
impl Cache for MemoryCache {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let generation = self.current(namespace)?;
        Ok(self
            .values
            .get(&entry_key(namespace, generation, key))
            .map(|stored| stored.bytes.to_vec()))
    }

    async fn generation(&self, namespace: &str) -> Result<Generation, CacheError> {
        self.current(namespace).map(Generation)
    }

    async fn put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Duration,
        generation: Generation,
    ) -> Result<bool, CacheError> {
        if self.max_bytes == 0 || self.current(namespace)? != generation.0 {
            return Ok(false);
        }
        // Stored under the generation it was read in: if an invalidation moved the
        // namespace on meanwhile, no reader will ever look for this key.
        self.values.insert(
            entry_key(namespace, generation.0, key),
            Stored {
                bytes: value.into(),
                ttl,
            },
        );
        Ok(true)
    }

    async fn invalidate(&self, namespace: &str) -> Result<(), CacheError> {
        *self.generations()?.entry(namespace.to_owned()).or_default() += 1;
        Ok(())
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.generations().map(|_| ())
    }
}
