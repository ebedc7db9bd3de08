//! The load generator: wrk, driven by a Lua script per case.
//!
//! wrk is written in C and spends little of the machine on itself, so on two cores
//! the server gets about what pgbench leaves PostgreSQL when the raw rates are taken:
//! the ratios compare like with like. (A Rust client in the bench's own process took
//! about a third of the CPU the server needed.)

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::BoxError;

/// What a case measured.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// Successful requests per second.
    pub rate: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Requests that failed (an error status, a timeout or a broken connection).
    pub failed: u64,
}

/// The requests one case sends: a Lua `request` function over the variables `n`
/// (this thread's request count, from 1), `ids` (the lead ids, 1-based) and `offset`
/// (a number per thread, so threads do not walk the same ids in step).
pub struct Script {
    ids: Vec<String>,
    request: String,
}

impl Script {
    /// A script whose `request` function has `body` (Lua statements ending in a
    /// `return wrk.format(...)`).
    #[must_use]
    pub fn new(body: &str) -> Self {
        Self {
            ids: Vec::new(),
            request: body.to_owned(),
        }
    }

    /// Makes `ids` available to the request function.
    #[must_use]
    pub fn with_ids(mut self, ids: &[uuid::Uuid]) -> Self {
        self.ids = ids.iter().map(ToString::to_string).collect();
        self
    }

    fn lua(&self, token: &str) -> String {
        let mut lua = String::from("local ids = {");
        for id in &self.ids {
            let _ = write!(lua, "\"{id}\",");
        }
        let _ = write!(
            lua,
            "}}\n\
             local n = 0\n\
             local threads = 0\n\
             setup = function(thread) thread:set(\"offset\", threads); threads = threads + 1 end\n\
             wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             request = function()\n\
             n = n + 1\n\
             {}\n\
             end\n\
             done = function(summary, latency, requests)\n\
             local e = summary.errors\n\
             io.write(string.format(\"DJCRM %d %d %d %d %d\\n\", summary.requests, \
             e.connect + e.read + e.write + e.status + e.timeout, summary.duration, \
             latency:percentile(50), latency:percentile(99)))\n\
             end\n",
            self.request
        );
        lua
    }
}

/// Runs `script` against `base` (`http://host:port`) with `connections` connections
/// on two threads for `seconds`.
///
/// # Errors
/// When wrk is missing or fails, or the token could break the script.
pub fn drive(
    base: &str,
    token: &str,
    script: &Script,
    connections: usize,
    seconds: u64,
) -> Result<Figures, BoxError> {
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    {
        return Err("the token has characters the Lua script would need escaped".into());
    }
    let path =
        std::env::temp_dir().join(format!("djcrm-wrk-{}.lua", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, script.lua(token))?;
    let output = Command::new("wrk")
        .args(["-t", "2", "--timeout", "10s"])
        .arg("-c")
        .arg(connections.to_string())
        .arg("-d")
        .arg(format!("{seconds}s"))
        .arg("-s")
        .arg(&path)
        .arg(base)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.map_err(|e| format!("wrk (apt-get install wrk): {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<u64> = text
        .lines()
        .find_map(|line| line.strip_prefix("DJCRM "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let [requests, failed, micros, p50, p99] = numbers[..] else {
        return Err(format!(
            "wrk printed no figures: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    };
    #[allow(clippy::cast_precision_loss)]
    let rate = requests.saturating_sub(failed) as f64 / (micros.max(1) as f64 / 1e6);
    Ok(Figures {
        rate,
        p50: Duration::from_micros(p50),
        p99: Duration::from_micros(p99),
        failed,
    })
}
