//! Request counters of a client: requests, retries and 429s per family.
//!
//! Plain atomics, so counting costs nothing measurable; [`Stats`] is a snapshot for
//! benchmarks, reports and progress displays.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::Family;

/// Counters of one family in a [`Stats`] snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FamilyStats {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that were retries of an earlier one.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Current requests/s budget (after adaptive slow-downs); `None` when unlimited.
    pub current_rate: Option<f64>,
}

/// A snapshot of a client's counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Counters per family (families never used are present with zeros).
    pub families: BTreeMap<Family, FamilyStats>,
}

impl Stats {
    /// Requests over all families.
    pub fn total_requests(&self) -> u64 {
        self.families.values().map(|f| f.requests).sum()
    }

    /// Retries over all families.
    pub fn total_retries(&self) -> u64 {
        self.families.values().map(|f| f.retries).sum()
    }

    /// 429s over all families.
    pub fn total_rate_limited(&self) -> u64 {
        self.families.values().map(|f| f.rate_limited).sum()
    }

    /// Counters of one family.
    pub fn family(&self, family: Family) -> FamilyStats {
        self.families.get(&family).copied().unwrap_or_default()
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
}

/// The live counters.
pub(crate) struct StatsCounters {
    families: [Counters; Family::ALL.len()],
}

impl StatsCounters {
    pub(crate) fn new() -> Self {
        StatsCounters {
            families: Default::default(),
        }
    }

    pub(crate) fn request(&self, family: Family) {
        self.families[family.index()]
            .requests
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retry(&self, family: Family) {
        self.families[family.index()]
            .retries
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rate_limited(&self, family: Family) {
        self.families[family.index()]
            .rate_limited
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, rate: impl Fn(Family) -> f64) -> Stats {
        let families = Family::ALL
            .iter()
            .map(|f| {
                let c = &self.families[f.index()];
                let r = rate(*f);
                (
                    *f,
                    FamilyStats {
                        requests: c.requests.load(Ordering::Relaxed),
                        retries: c.retries.load(Ordering::Relaxed),
                        rate_limited: c.rate_limited.load(Ordering::Relaxed),
                        current_rate: r.is_finite().then_some(r),
                    },
                )
            })
            .collect();
        Stats { families }
    }
}
