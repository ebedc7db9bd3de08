//! What the in-process cache really holds: fills a `MemoryCache` with lead-sized
//! values (about 800 bytes, as the load benchmark's cached leads) well past its
//! bound, as the load benchmark's walk over all leads does, and prints its own
//! count of the bytes it holds beside the growth of this process's resident memory
//! (jemalloc, as in `djcrm`), and what one entry costs.
//!
//! `cargo bench -p djcrm-benches --bench cache_memory`. Settings:
//! `DJCRM_BENCH_CACHE_MIB` (16, the server's default bound), `DJCRM_BENCH_ENTRIES`
//! (100000), `DJCRM_BENCH_VALUE_BYTES` (800).

use std::time::Duration;

use djcrm_adapter_memory::MemoryCache;
use djcrm_domain::ports::Cache;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's resident memory, in MiB.
fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bound_mib = setting("DJCRM_BENCH_CACHE_MIB", 16);
    let entries = setting("DJCRM_BENCH_ENTRIES", 100_000);
    let value_bytes = setting("DJCRM_BENCH_VALUE_BYTES", 800);
    let ttl = Duration::from_secs(300);

    let before = resident_mib();
    let cache = MemoryCache::new(u64::try_from(bound_mib)? << 20);
    let namespace = format!("org:{}", uuid::Uuid::new_v4());
    let generation = cache.generation(&namespace).await?;
    for i in 0..entries {
        let key = format!("lead:{}", uuid::Uuid::new_v4());
        // Distinct bytes per entry, as JSON of distinct leads would be.
        let value: Vec<u8> = (0..value_bytes)
            .map(|b| u8::try_from((b * 31 + i) % 95 + 32).unwrap_or(b'x'))
            .collect();
        cache.put(&namespace, &key, &value, ttl, generation).await?;
    }
    let weighed = cache.weighed_bytes();
    // jemalloc's background thread returns freed pages after about ten seconds.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let grown = resident_mib() - before;

    #[allow(clippy::cast_precision_loss)]
    let weighed_mib = weighed as f64 / f64::from(1 << 20);
    let held = cache.entry_count();
    #[allow(clippy::cast_precision_loss)]
    let per_entry = grown * f64::from(1 << 20) / held.max(1) as f64;
    println!(
        "cache bound {bound_mib} MiB, {entries} puts of {value_bytes}-byte values: \
         {held} entries held, weighed {weighed_mib:.1} MiB, resident memory grew \
         {grown:.1} MiB ({:.2}x the weighed bytes; {per_entry:.0} bytes an entry)",
        grown / weighed_mib.max(f64::EPSILON)
    );
    Ok(())
}
