//! In-process adapters for the embedded default: nothing to install, state kept in
//! this process only (so several instances need the Redis adapters instead).

mod limiter;

pub use limiter::MemoryRateLimiter;
