//! Request counters for `/_emulator/stats`: totals, writes, and counts by method, path, API
//! family, status, and injected fault; and the pipeline updates started.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// Counters, updated by the front layer for every request.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<StatsSnapshot>,
}

/// A copy of the counters, as `/_emulator/stats` answers them.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Every request received (including rejected ones).
    pub requests: u64,
    /// Requests with a method other than GET/HEAD.
    pub writes: u64,
    /// 429 answers sent (rate limits and injected 429s).
    pub throttled: u64,
    /// Requests by HTTP method.
    pub by_method: BTreeMap<String, u64>,
    /// Requests by normalised path (version stripped, no query).
    pub by_path: BTreeMap<String, u64>,
    /// Requests by API family (the rate-limit buckets).
    pub by_family: BTreeMap<String, u64>,
    /// Answers by HTTP status.
    pub by_status: BTreeMap<String, u64>,
    /// Injected faults by kind (`429`, `503`, `500limit`, `reset`, `lost`).
    pub faults: BTreeMap<String, u64>,
    /// Pipeline updates started (`POST /pipelines/{id}/updates`, or a continuous pipeline
    /// started by its create or edit): what "nothing was started" is checked against.
    pub pipeline_updates_started: u64,
}

impl Stats {
    fn with<R>(&self, f: impl FnOnce(&mut StatsSnapshot) -> R) -> R {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Counts one incoming request.
    pub fn request(&self, method: &str, path: &str, family: &str) {
        self.with(|s| {
            s.requests += 1;
            if method != "GET" && method != "HEAD" {
                s.writes += 1;
            }
            *s.by_method.entry(method.to_string()).or_default() += 1;
            *s.by_path.entry(path.to_string()).or_default() += 1;
            *s.by_family.entry(family.to_string()).or_default() += 1;
        });
    }

    /// Counts one answer.
    pub fn status(&self, status: u16) {
        self.with(|s| {
            if status == 429 {
                s.throttled += 1;
            }
            *s.by_status.entry(status.to_string()).or_default() += 1;
        });
    }

    /// Counts one injected fault.
    pub fn fault(&self, kind: &str) {
        self.with(|s| *s.faults.entry(kind.to_string()).or_default() += 1);
    }

    /// Counts one pipeline update started.
    pub fn pipeline_update_started(&self) {
        self.with(|s| s.pipeline_updates_started += 1);
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.with(|s| s.clone())
    }

    /// Resets every counter to zero.
    pub fn reset(&self) {
        self.with(|s| *s = StatsSnapshot::default());
    }
}
