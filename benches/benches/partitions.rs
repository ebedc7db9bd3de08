//! How 10,000 organizations of skewed sizes spread over N PostgreSQL partitions
//! (or databases) keyed by `organization_id`, and what moving the largest tenant
//! costs: the simulation behind `docs/scaling.md`.
//!
//! `cargo bench -p djcrm-benches --bench partitions` — `DJCRM_BENCH_COPY_RATE` sets
//! the leads (with their history) copied per second when a tenant moves (default
//! 30,000: the PostgreSQL raw-insert rate the import benchmark measured here).
//!
//! Sizes follow Zipf's law by rank (the largest tenant 2,000,000 leads, the n-th
//! largest 2,000,000 / n^1.2, at least 20), as tenants of a SaaS CRM do: a few
//! large customers, a long tail of small teams. Placement is compared two ways:
//! by hash of the organization id (no directory; a partition is a function of the
//! id) and by a directory that puts each tenant, largest first, on the least loaded
//! partition.

const ORGANIZATIONS: usize = 10_000;
const LARGEST: f64 = 2_000_000.0;
const SKEW: f64 = 1.2;
const SMALLEST: u64 = 20;

/// SplitMix64: a fixed, reproducible stream of well-mixed 64-bit values, standing
/// in for the UUIDv7 ids' random bits.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// (id hash, leads) per organization, largest first.
fn organizations() -> Vec<(u64, u64)> {
    let mut seed = 2026;
    (1..=ORGANIZATIONS)
        .map(|rank| {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let leads = (LARGEST / (rank as f64).powf(SKEW)) as u64;
            (splitmix(&mut seed), leads.max(SMALLEST))
        })
        .collect()
}

/// Leads per partition when each tenant goes where its id hashes.
fn by_hash(orgs: &[(u64, u64)], partitions: usize) -> Vec<u64> {
    let mut load = vec![0; partitions];
    for &(hash, leads) in orgs {
        let n = u64::try_from(partitions).unwrap_or(1);
        load[usize::try_from(hash % n).unwrap_or(0)] += leads;
    }
    load
}

/// Leads per partition when a directory places each tenant, largest first, on the
/// least loaded partition.
fn by_directory(orgs: &[(u64, u64)], partitions: usize) -> Vec<u64> {
    let mut load = vec![0; partitions];
    for &(_, leads) in orgs {
        if let Some(least) = load.iter_mut().min() {
            *least += leads;
        }
    }
    load
}

/// The fullest partition over the mean: 1.00 is perfect balance.
#[allow(clippy::cast_precision_loss)]
fn imbalance(load: &[u64]) -> f64 {
    let total: u64 = load.iter().sum();
    let max = load.iter().copied().max().unwrap_or(0);
    max as f64 * load.len() as f64 / total as f64
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let copy_rate: f64 = std::env::var("DJCRM_BENCH_COPY_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000.0);
    let orgs = organizations();
    let total: u64 = orgs.iter().map(|&(_, leads)| leads).sum();
    let largest = orgs.first().map_or(0, |&(_, leads)| leads);
    let top_ten: u64 = orgs.iter().take(10).map(|&(_, leads)| leads).sum();
    #[allow(clippy::cast_precision_loss)]
    let share = |part: u64| 100.0 * part as f64 / total as f64;
    println!(
        "{ORGANIZATIONS} organizations, {total} leads; the largest {largest} ({:.1} %), the ten largest {:.1} %, the median {}",
        share(largest),
        share(top_ten),
        orgs[ORGANIZATIONS / 2].1
    );
    println!();
    println!("partitions  mean leads  hash: max/mean  directory: max/mean  largest tenant / mean");
    for partitions in [2, 4, 8, 16, 32, 64] {
        let mean = total / u64::try_from(partitions).unwrap_or(1);
        #[allow(clippy::cast_precision_loss)]
        let alone = largest as f64 / mean as f64;
        println!(
            "{partitions:>10}  {mean:>10}  {:>14.2}  {:>19.2}  {alone:>21.2}",
            imbalance(&by_hash(&orgs, partitions)),
            imbalance(&by_directory(&orgs, partitions)),
        );
    }
    println!();
    #[allow(clippy::cast_precision_loss)]
    let seconds = largest as f64 / copy_rate;
    println!(
        "moving the largest tenant: {largest} leads with their history at {copy_rate:.0} leads/s \
         = {seconds:.0} s of copying, then the changes made meanwhile (read from the outbox) \
         and a switch of its directory entry; every other tenant is untouched"
    );
}
