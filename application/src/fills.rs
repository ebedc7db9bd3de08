//! Cache fills in progress, so that concurrent misses of one key read the store
//! once: without it every request that missed the pipeline statistics after an
//! expiry recounted the organization's leads at the same time (measured: p99 of
//! 738 ms against a p50 of 1.3 ms under 32 clients).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use djcrm_domain::DomainError;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The keys being filled, each with the lock its filler holds.
#[derive(Debug, Default)]
pub(crate) struct Fills {
    pending: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// The right to fill one key, given up when dropped.
struct Fill<'a> {
    fills: &'a Fills,
    key: String,
    held: Option<OwnedMutexGuard<()>>,
}

impl Fills {
    /// The value of `key` in `namespace`: from `hit` (the cache), else from `fill` (which reads
    /// the store and caches what it read). Of concurrent misses of one key, one
    /// fills and the others wait for it and then ask `hit` again; when that still
    /// misses (the cache is off, full or failing), they fill side by side rather
    /// than one after another.
    ///
    /// Plain closures returning futures, not async closures: the futures of async
    /// closures that borrow are not `Send` for every lifetime, which poem's
    /// endpoints need.
    pub(crate) async fn read<T, H, F>(
        &self,
        namespace: &str,
        key: &str,
        hit: impl Fn() -> H,
        fill: impl FnOnce() -> F,
    ) -> Result<Option<T>, DomainError>
    where
        H: Future<Output = Option<T>>,
        F: Future<Output = Result<Option<T>, DomainError>>,
    {
        if let Some(value) = hit().await {
            return Ok(Some(value));
        }
        // Built only on a miss: a hit allocates nothing here.
        let key = format!("{namespace}\u{0}{key}");
        let lock = self.pending().entry(key.clone()).or_default().clone();
        if let Ok(held) = Arc::clone(&lock).try_lock_owned() {
            drop(lock);
            let _fill = Fill {
                fills: self,
                key,
                held: Some(held),
            };
            return fill().await;
        }
        drop(Arc::clone(&lock).lock_owned().await);
        self.leave(&key, lock);
        if let Some(value) = hit().await {
            return Ok(Some(value));
        }
        fill().await
    }

    /// The map; one poisoned by a panic elsewhere is still whole (every change to
    /// it is a single insert or remove).
    fn pending(&self) -> MutexGuard<'_, HashMap<String, Arc<AsyncMutex<()>>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets go of `lock`, the lock of `key`, removing it from the map when no one
    /// else holds it. Every holder lets go here, under the map's lock, so the last
    /// one sees itself last.
    fn leave(&self, key: &str, lock: Arc<AsyncMutex<()>>) {
        let mut pending = self.pending();
        let ours = pending
            .get(key)
            .is_some_and(|held| Arc::ptr_eq(held, &lock));
        drop(lock);
        if ours
            && pending
                .get(key)
                .is_some_and(|held| Arc::strong_count(held) == 1)
        {
            pending.remove(key);
        }
    }
}

impl Drop for Fill<'_> {
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            let lock = Arc::clone(OwnedMutexGuard::mutex(&held));
            drop(held);
            self.fills.leave(&self.key, lock);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// A cache that holds one value (or never, when `stores` is false) and a fill
    /// that takes a while, counting fills and the most at once.
    struct Probe {
        stores: bool,
        cached: Mutex<Option<u32>>,
        fills: AtomicUsize,
        running: AtomicUsize,
        most_at_once: AtomicUsize,
    }

    impl Probe {
        fn new(stores: bool) -> Self {
            Self {
                stores,
                cached: Mutex::new(None),
                fills: AtomicUsize::new(0),
                running: AtomicUsize::new(0),
                most_at_once: AtomicUsize::new(0),
            }
        }

        async fn hit(&self) -> Option<u32> {
            *self.cached.lock().expect("unpoisoned")
        }

        async fn fill(&self) -> Result<Option<u32>, DomainError> {
            self.fills.fetch_add(1, Ordering::SeqCst);
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_at_once.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(30)).await;
            self.running.fetch_sub(1, Ordering::SeqCst);
            if self.stores {
                *self.cached.lock().expect("unpoisoned") = Some(7);
            }
            Ok(Some(7))
        }

        async fn read_four_at_once(&self, fills: &Fills) -> Vec<Option<u32>> {
            let read = || fills.read("n", "k", || self.hit(), || self.fill());
            let (a, b, c, d) = tokio::join!(read(), read(), read(), read());
            [a, b, c, d]
                .into_iter()
                .map(|answer| answer.expect("an answer"))
                .collect()
        }
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_key_fill_once() {
        let (fills, probe) = (Fills::default(), Probe::new(true));
        let answers = probe.read_four_at_once(&fills).await;
        assert_eq!(answers, vec![Some(7); 4]);
        assert_eq!(probe.fills.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn when_the_cache_stores_nothing_the_waiters_fill_side_by_side() {
        let (fills, probe) = (Fills::default(), Probe::new(false));
        let answers = probe.read_four_at_once(&fills).await;
        assert_eq!(answers, vec![Some(7); 4]);
        assert_eq!(probe.fills.load(Ordering::SeqCst), 4);
        assert_eq!(probe.most_at_once.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn misses_of_other_keys_do_not_wait() {
        let (fills, probe) = (Fills::default(), Probe::new(true));
        let read = |key: &'static str| fills.read("n", key, || async { None }, || probe.fill());
        let (a, b) = tokio::join!(read("a"), read("b"));
        assert_eq!(
            (a.expect("an answer"), b.expect("an answer")),
            (Some(7), Some(7))
        );
        assert_eq!(probe.most_at_once.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn finished_fills_leave_nothing_behind() {
        let (fills, probe) = (Fills::default(), Probe::new(false));
        probe.read_four_at_once(&fills).await;
        assert!(fills.pending().is_empty());
    }
}
