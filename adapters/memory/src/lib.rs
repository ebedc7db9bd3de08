//! In-process adapters for the embedded default: nothing to install, state kept in
//! this process only (so several instances need the Redis adapters instead).

mod cache;
mod limiter;

pub use cache::MemoryCache;
pub use limiter::MemoryRateLimiter;
