//! Client-side throttling per API [`Family`]: a concurrency cap and a requests/s budget.
//!
//! The platform rate-limits per workspace and per API family, so each family gets its own
//! semaphore (in-flight cap) and token bucket (`governor`). After a 429 the family's rate is
//! halved (down to a floor) and then recovers by 10% every `recover_after` successes, up to
//! the configured budget — the client backs off as a whole, not just the one request.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::Family;

/// Limits of one family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyLimit {
    /// Requests in flight at once (at least 1).
    pub max_concurrent: usize,
    /// Requests per second (`f64::INFINITY` for no limit).
    pub requests_per_second: f64,
}

impl FamilyLimit {
    /// No cap at all.
    pub const UNLIMITED: FamilyLimit = FamilyLimit {
        max_concurrent: Semaphore::MAX_PERMITS,
        requests_per_second: f64::INFINITY,
    };
}

/// Throttling configuration, part of `ClientOptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleOptions {
    /// Per-family limits; a family missing here is unlimited.
    pub limits: BTreeMap<Family, FamilyLimit>,
    /// Successes needed for each +10% step of recovery after a 429 (default 20).
    pub recover_after: u32,
    /// Lowest rate (requests/s) that halving after 429s can reach (default 0.5).
    pub min_rate: f64,
}

impl Default for ThrottleOptions {
    /// Conservative defaults from the published limits (reference §3.1): SCIM reads are
    /// limited to about 255/min, secrets to 1100/min, permissions writes 30/s, workspace
    /// import 30/s; the SDKs pace everything at 15/s.
    fn default() -> Self {
        let mut limits = BTreeMap::new();
        let table: [(Family, usize, f64); 11] = [
            (Family::Scim, 4, 4.0),
            (Family::Clusters, 8, 10.0),
            (Family::Pools, 8, 10.0),
            (Family::Policies, 8, 10.0),
            (Family::Jobs, 8, 15.0),
            (Family::Workspace, 8, 25.0),
            (Family::Permissions, 8, 20.0),
            (Family::Secrets, 8, 15.0),
            (Family::Sql, 8, 10.0),
            (Family::Repos, 8, 10.0),
            (Family::Other, 8, 10.0),
        ];
        for (family, max_concurrent, requests_per_second) in table {
            limits.insert(
                family,
                FamilyLimit {
                    max_concurrent,
                    requests_per_second,
                },
            );
        }
        ThrottleOptions {
            limits,
            recover_after: 20,
            min_rate: 0.5,
        }
    }
}

impl ThrottleOptions {
    /// No limits at all (tests, or a caller that paces itself).
    pub fn unlimited() -> Self {
        ThrottleOptions {
            limits: BTreeMap::new(),
            recover_after: 20,
            min_rate: 0.5,
        }
    }

    /// Sets one family's limits.
    pub fn set(&mut self, family: Family, limit: FamilyLimit) -> &mut Self {
        self.limits.insert(family, limit);
        self
    }

    /// The limits of `family` (unlimited when not configured).
    pub fn limit(&self, family: Family) -> FamilyLimit {
        self.limits
            .get(&family)
            .copied()
            .unwrap_or(FamilyLimit::UNLIMITED)
    }
}

/// Live throttling state of a client.
pub(crate) struct Throttle {
    families: Vec<FamilyState>,
    recover_after: u32,
    min_rate: f64,
}

struct FamilyState {
    semaphore: Arc<Semaphore>,
    configured_rate: f64,
    rate: Mutex<RateState>,
}

struct RateState {
    current: f64,
    successes: u32,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

/// Held while a request is in flight; releases the family's concurrency slot on drop.
pub(crate) struct Permit {
    _permit: Option<OwnedSemaphorePermit>,
}

fn limiter_for(rate: f64) -> Option<Arc<DefaultDirectRateLimiter>> {
    if !rate.is_finite() || rate <= 0.0 {
        return None;
    }
    let period = Duration::from_secs_f64(1.0 / rate);
    let burst = NonZeroU32::new(rate.floor().max(1.0) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).map(|q| Arc::new(RateLimiter::direct(q.allow_burst(burst))))
}

impl Throttle {
    pub(crate) fn new(options: &ThrottleOptions) -> Self {
        let families = Family::ALL
            .iter()
            .map(|f| {
                let limit = options.limit(*f);
                let permits = limit.max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
                FamilyState {
                    semaphore: Arc::new(Semaphore::new(permits)),
                    configured_rate: limit.requests_per_second,
                    rate: Mutex::new(RateState {
                        current: limit.requests_per_second,
                        successes: 0,
                        limiter: limiter_for(limit.requests_per_second),
                    }),
                }
            })
            .collect();
        Throttle {
            families,
            recover_after: options.recover_after.max(1),
            min_rate: options.min_rate.max(0.01),
        }
    }

    /// Waits for a concurrency slot, then for the rate budget.
    pub(crate) async fn acquire(&self, family: Family) -> Permit {
        let state = &self.families[family.index()];
        // The semaphore is never closed, so acquiring can only fail in theory; proceeding
        // without a slot is then the harmless fallback.
        let permit = state.semaphore.clone().acquire_owned().await.ok();
        let limiter = lock(&state.rate).limiter.clone();
        if let Some(limiter) = limiter {
            limiter.until_ready().await;
        }
        Permit { _permit: permit }
    }

    /// A 429 was received: halve the family's rate.
    pub(crate) fn on_rate_limited(&self, family: Family) {
        let state = &self.families[family.index()];
        if !state.configured_rate.is_finite() {
            return;
        }
        let mut rate = lock(&state.rate);
        rate.current = (rate.current / 2.0).max(self.min_rate);
        rate.successes = 0;
        rate.limiter = limiter_for(rate.current);
        tracing::debug!(family = %family, rate = rate.current, "throttled: halving request rate");
    }

    /// A request succeeded: let a reduced rate recover gradually.
    pub(crate) fn on_success(&self, family: Family) {
        let state = &self.families[family.index()];
        let mut rate = lock(&state.rate);
        if rate.current >= state.configured_rate {
            return;
        }
        rate.successes += 1;
        if rate.successes >= self.recover_after {
            rate.successes = 0;
            rate.current = (rate.current * 1.1).min(state.configured_rate);
            rate.limiter = limiter_for(rate.current);
        }
    }

    /// The family's current requests/s budget.
    pub(crate) fn current_rate(&self, family: Family) -> f64 {
        lock(&self.families[family.index()].rate).current
    }
}

/// A poisoned lock only means another task panicked mid-update of plain numbers; the state is
/// still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_halves_and_recovers() {
        let mut o = ThrottleOptions::unlimited();
        o.set(
            Family::Jobs,
            FamilyLimit {
                max_concurrent: 2,
                requests_per_second: 8.0,
            },
        );
        o.recover_after = 2;
        let t = Throttle::new(&o);
        t.on_rate_limited(Family::Jobs);
        assert_eq!(t.current_rate(Family::Jobs), 4.0);
        t.on_rate_limited(Family::Jobs);
        assert_eq!(t.current_rate(Family::Jobs), 2.0);
        for _ in 0..200 {
            t.on_success(Family::Jobs);
        }
        assert_eq!(t.current_rate(Family::Jobs), 8.0);
        t.on_rate_limited(Family::Other);
        assert!(t.current_rate(Family::Other).is_infinite());
    }
}
