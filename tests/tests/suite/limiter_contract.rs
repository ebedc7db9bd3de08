//! The `RateLimiter` contract, written once and run against every adapter: the
//! in-process one and Redis. One promise per test.

use std::sync::Arc;
use std::time::Duration;

use djcrm_domain::ports::{Quota, RateLimiter};

const MINUTE: Duration = Duration::from_secs(60);

/// Two handles on one limiter's counts: the same instance in memory, two pools on
/// one prefix in Redis (as two servers would have).
type Pair = (Arc<dyn RateLimiter>, Arc<dyn RateLimiter>);

async fn a_key_may_spend_its_limit_then_is_refused((limiter, _): Pair) {
    let quota = Quota::new(3, MINUTE);
    for _ in 0..3 {
        assert!(limiter.hit("k", quota).await.expect("an answer").allowed);
    }
    assert!(!limiter.hit("k", quota).await.expect("an answer").allowed);
}

async fn a_refused_hit_says_when_to_retry((limiter, _): Pair) {
    let quota = Quota::new(2, MINUTE);
    limiter.hit("k", quota).await.expect("an answer");
    limiter.hit("k", quota).await.expect("an answer");
    let refused = limiter.hit("k", quota).await.expect("an answer");
    assert!(refused.retry_after > Duration::ZERO);
    assert!(refused.retry_after <= quota.interval(), "{refused:?}");
}

async fn remaining_counts_down_and_reset_grows((limiter, _): Pair) {
    let quota = Quota::new(5, MINUTE);
    let first = limiter.hit("k", quota).await.expect("an answer");
    let second = limiter.hit("k", quota).await.expect("an answer");
    assert_eq!((first.limit, first.remaining, second.remaining), (5, 4, 3));
    assert!(second.reset_after > first.reset_after);
    assert!(second.reset_after <= MINUTE);
}

async fn a_look_does_not_count((limiter, _): Pair) {
    let quota = Quota::new(1, MINUTE);
    for _ in 0..3 {
        let looked = limiter.peek("k", quota).await.expect("an answer");
        assert!(looked.allowed);
        assert_eq!(looked.remaining, 1);
    }
    assert!(limiter.hit("k", quota).await.expect("an answer").allowed);
    assert!(!limiter.peek("k", quota).await.expect("an answer").allowed);
}

async fn keys_are_counted_apart((limiter, _): Pair) {
    let quota = Quota::new(1, MINUTE);
    assert!(limiter.hit("a", quota).await.expect("an answer").allowed);
    assert!(limiter.hit("b", quota).await.expect("an answer").allowed);
    assert!(!limiter.hit("a", quota).await.expect("an answer").allowed);
}

async fn hits_are_earned_back_over_time((limiter, _): Pair) {
    let quota = Quota::new(2, Duration::from_millis(400));
    limiter.hit("k", quota).await.expect("an answer");
    limiter.hit("k", quota).await.expect("an answer");
    assert!(!limiter.hit("k", quota).await.expect("an answer").allowed);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(limiter.hit("k", quota).await.expect("an answer").allowed);
}

async fn handles_on_one_store_enforce_one_limit_together((one, other): Pair) {
    let quota = Quota::new(10, MINUTE);
    let hits = (0..40).map(|i| {
        let limiter = if i % 2 == 0 {
            one.clone()
        } else {
            other.clone()
        };
        async move {
            limiter
                .hit("shared", quota)
                .await
                .expect("an answer")
                .allowed
        }
    });
    let allowed = futures::future::join_all(hits).await;
    assert_eq!(allowed.iter().filter(|a| **a).count(), 10);
}

crate::on_memory_and_redis!(
    dyn djcrm_domain::ports::RateLimiter,
    djcrm_adapter_memory::MemoryRateLimiter::new(),
    djcrm_adapter_redis::RedisRateLimiter::new;
    a_key_may_spend_its_limit_then_is_refused,
    a_refused_hit_says_when_to_retry,
    remaining_counts_down_and_reset_grows,
    a_look_does_not_count,
    keys_are_counted_apart,
    hits_are_earned_back_over_time,
    handles_on_one_store_enforce_one_limit_together,
);

#[tokio::test]
async fn an_unreachable_redis_is_an_error_within_the_timeout_not_a_hang() {
    let mut settings = crate::redis::settings();
    settings.url = "redis://127.0.0.1:1".to_owned();
    settings.timeout = Duration::from_millis(300);
    let redis = djcrm_adapter_redis::Redis::new(&settings).expect("valid settings");
    let limiter = djcrm_adapter_redis::RedisRateLimiter::new(redis);
    let started = std::time::Instant::now();
    let answer = limiter.hit("k", Quota::per_minute(1)).await;
    assert!(answer.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
