//! The `Cache` contract, written once and run against every adapter: in-process and
//! Redis. One promise per test.

use std::sync::Arc;
use std::time::Duration;

use djcrm_domain::ports::{Cache, Generation};

const MINUTE: Duration = Duration::from_secs(60);

/// Two handles on one cache (two servers on one Redis).
type Pair = (Arc<dyn Cache>, Arc<dyn Cache>);

async fn a_stored_value_reads_back((cache, _): Pair) {
    let generation = cache.generation("org:1").await.expect("an answer");
    assert!(
        cache
            .put("org:1", "k", b"value", MINUTE, generation)
            .await
            .expect("an answer")
    );
    assert_eq!(
        cache.get("org:1", "k").await.expect("an answer").as_deref(),
        Some(&b"value"[..])
    );
}

async fn a_missing_key_is_none((cache, _): Pair) {
    assert_eq!(
        cache.get("org:1", "nothing").await.expect("an answer"),
        None
    );
}

async fn namespaces_keep_their_values_apart((cache, _): Pair) {
    let generation = cache.generation("org:1").await.expect("an answer");
    cache
        .put("org:1", "k", b"one", MINUTE, generation)
        .await
        .expect("an answer");
    assert_eq!(cache.get("org:2", "k").await.expect("an answer"), None);
}

async fn an_expired_value_is_gone((cache, _): Pair) {
    let generation = cache.generation("org:1").await.expect("an answer");
    cache
        .put("org:1", "k", b"v", Duration::from_millis(50), generation)
        .await
        .expect("an answer");
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(cache.get("org:1", "k").await.expect("an answer"), None);
}

async fn invalidating_a_namespace_drops_its_values_only((cache, _): Pair) {
    for namespace in ["org:1", "org:2"] {
        let generation = cache.generation(namespace).await.expect("an answer");
        cache
            .put(namespace, "k", b"v", MINUTE, generation)
            .await
            .expect("an answer");
    }
    cache.invalidate("org:1").await.expect("an answer");
    assert_eq!(cache.get("org:1", "k").await.expect("an answer"), None);
    assert!(cache.get("org:2", "k").await.expect("an answer").is_some());
}

async fn a_value_read_before_an_invalidation_is_not_stored((cache, _): Pair) {
    let before = cache.generation("org:1").await.expect("an answer");
    cache.invalidate("org:1").await.expect("an answer");
    let stored = cache
        .put("org:1", "k", b"stale", MINUTE, before)
        .await
        .expect("an answer");
    assert!(!stored);
    assert_eq!(cache.get("org:1", "k").await.expect("an answer"), None);
}

async fn the_generation_moves_on_with_each_invalidation((cache, _): Pair) {
    let first = cache.generation("org:1").await.expect("an answer");
    cache.invalidate("org:1").await.expect("an answer");
    let second = cache.generation("org:1").await.expect("an answer");
    assert_ne!(first, second);
    assert_eq!(
        cache.generation("org:9").await.expect("an answer"),
        Generation::default()
    );
}

async fn an_invalidation_through_one_handle_is_seen_by_the_other((one, other): Pair) {
    let generation = other.generation("org:1").await.expect("an answer");
    other
        .put("org:1", "k", b"v", MINUTE, generation)
        .await
        .expect("an answer");
    one.invalidate("org:1").await.expect("an answer");
    assert_eq!(other.get("org:1", "k").await.expect("an answer"), None);
}

crate::on_memory_and_redis!(
    dyn djcrm_domain::ports::Cache,
    djcrm_adapter_memory::MemoryCache::default(),
    djcrm_adapter_redis::RedisCache::new;
    a_stored_value_reads_back,
    a_missing_key_is_none,
    namespaces_keep_their_values_apart,
    an_expired_value_is_gone,
    invalidating_a_namespace_drops_its_values_only,
    a_value_read_before_an_invalidation_is_not_stored,
    the_generation_moves_on_with_each_invalidation,
    an_invalidation_through_one_handle_is_seen_by_the_other,
);

#[tokio::test]
async fn the_memory_cache_keeps_within_its_byte_bound() {
    let cache = djcrm_adapter_memory::MemoryCache::new(64 * 1024);
    let value = vec![7_u8; 1024];
    for n in 0..1_000 {
        cache
            .put("n", &n.to_string(), &value, MINUTE, Generation::default())
            .await
            .expect("an answer");
    }
    let held = cache.weighed_bytes();
    assert!(held > 0 && held <= 64 * 1024, "holds {held} bytes");
}

#[tokio::test]
async fn a_memory_cache_of_no_bytes_stores_nothing() {
    let cache = djcrm_adapter_memory::MemoryCache::new(0);
    let stored = cache
        .put("n", "k", b"v", MINUTE, Generation::default())
        .await
        .expect("an answer");
    assert!(!stored);
    assert_eq!(cache.get("n", "k").await.expect("an answer"), None);
}
