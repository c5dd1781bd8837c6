//! Client-side throttling per API [`Family`] and lane: a concurrency cap and a requests/s budget.
//!
//! The platform rate-limits per workspace and per API family, and some families have separate
//! published limits for reads and writes (SCIM reads 255/min but writes 30/s; permissions reads
//! 100/s, writes 30/s; workspace export 60/s, import 30/s; jobs create 20/s). A request is
//! paced by its *lane* (`scim.read`, `workspace.import`, …) when one is configured, else by its
//! family, each with its own semaphore (in-flight cap) and requests/s budget ([`Pacer`]: each
//! request reserves its own send time, so a waiting request wakes once). The
//! defaults sit just under the published limits, so a migration runs at the platform's pace
//! rather than a fixed 15 requests/s. After a 429 the rate of that lane (or family) is halved
//! (down to a floor) and then recovers by 10% every `recover_after` successes, up to the
//! configured budget — the client backs off as a whole, not just the one request.
//!
//! The `jobs.create` lane also has a sliding-window quota ([`CreationQuota`], default 10,000
//! per hour, the platform's resource quota; `quota.rs`). A create waits for room in
//! the window before it waits for a concurrency slot, so a full window never holds a slot
//! that other requests of the family could use.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::Family;
use crate::pacer::Pacer;
pub use crate::quota::CreationQuota;
use crate::quota::{Slot, Window};

/// Limits of one family (or lane).
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

/// The lanes: parts of a family with their own published limit. A lane's name is
/// `<family>.<part>` (the names the platform's and the emulator's tables use).
pub const LANES: [&str; 7] = [
    "scim.read",
    "scim.write",
    "permissions.read",
    "permissions.write",
    "workspace.export",
    "workspace.import",
    "jobs.create",
];

/// The lane of a request, if its family has lanes: reads and writes for SCIM and permissions,
/// export and import for the workspace, create for jobs.
pub fn lane_of(family: Family, is_read: bool, path: &str) -> Option<&'static str> {
    match family {
        Family::Scim if is_read => Some("scim.read"),
        Family::Scim => Some("scim.write"),
        Family::Permissions if is_read => Some("permissions.read"),
        Family::Permissions => Some("permissions.write"),
        Family::Workspace if path.contains("/workspace/export") => Some("workspace.export"),
        Family::Workspace if path.contains("/workspace/import") => Some("workspace.import"),
        Family::Jobs if path.contains("/jobs/create") => Some("jobs.create"),
        _ => None,
    }
}

/// Throttling configuration, part of `ClientOptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleOptions {
    /// Per-family limits; a family missing here is unlimited. A family's limit paces the
    /// requests of that family that have no configured lane.
    pub limits: BTreeMap<Family, FamilyLimit>,
    /// Per-lane limits (names from [`LANES`]); a lane missing here falls back to its family.
    pub lanes: BTreeMap<&'static str, FamilyLimit>,
    /// Successes needed for each +10% step of recovery after a 429 (default 20).
    pub recover_after: u32,
    /// Lowest rate (requests/s) that halving after 429s can reach (default 0.5).
    pub min_rate: f64,
    /// The quota of job creations (`jobs/create` requests) per sliding window; `None` for no
    /// quota. Default: the platform's 10,000 per hour. Independent of [`Self::set`]: an
    /// operator's requests/s budget for jobs does not lift the hourly quota.
    pub job_creations: Option<CreationQuota>,
}

/// Share of a published limit the client aims at: requests leave the client at an even pace but
/// reach the server with jitter, so pacing exactly at the limit would earn occasional 429s.
const MARGIN: f64 = 0.95;

impl Default for ThrottleOptions {
    /// The published limits (reference §3.1), times a small margin: SCIM reads 255/min and
    /// writes 30/s, permissions reads 100/s and writes 30/s, workspace export 60/s and import
    /// 30/s, jobs create 20/s, secrets 1100/min, 30/s for the rest. A family's own limit (what
    /// its requests without a lane use) is the lowest of its lanes', so overriding a family
    /// (which drops its lanes) stays on the safe side.
    fn default() -> Self {
        let lim = |max_concurrent: usize, published: f64| FamilyLimit {
            max_concurrent,
            requests_per_second: published * MARGIN,
        };
        let mut limits = BTreeMap::new();
        let table: [(Family, usize, f64); 18] = [
            (Family::Scim, 8, 255.0 / 60.0),
            (Family::Clusters, 32, 30.0),
            (Family::Pools, 32, 30.0),
            (Family::Policies, 32, 30.0),
            (Family::Jobs, 32, 30.0),
            (Family::Workspace, 32, 30.0),
            (Family::Permissions, 32, 30.0),
            (Family::Secrets, 16, 1100.0 / 60.0),
            (Family::Sql, 32, 30.0),
            (Family::Repos, 32, 30.0),
            // No figure is published for notification destinations: the platform's usual 30/s.
            (Family::NotificationDestinations, 32, 30.0),
            // No figure is published for pipelines: the platform's usual 30/s.
            (Family::Pipelines, 32, 30.0),
            // No figure is published for the SQL objects; the SDK warns that 10 or more
            // concurrent lists of queries, alerts or legacy dashboards may be throttled or
            // banned for a while: the platform's usual 30/s, fewer than 10 at once.
            (Family::SqlQueries, 8, 30.0),
            (Family::SqlAlerts, 8, 30.0),
            (Family::SqlLegacy, 8, 30.0),
            // None for AI/BI dashboards or Genie spaces either: the platform's usual 30/s.
            (Family::Lakeview, 32, 30.0),
            (Family::Genie, 32, 30.0),
            (Family::Other, 32, 30.0),
        ];
        for (family, max_concurrent, published) in table {
            limits.insert(family, lim(max_concurrent, published));
        }
        let lanes = [
            ("scim.read", lim(8, 255.0 / 60.0)),
            ("scim.write", lim(32, 30.0)),
            ("permissions.read", lim(32, 100.0)),
            ("permissions.write", lim(32, 30.0)),
            ("workspace.export", lim(32, 60.0)),
            ("workspace.import", lim(32, 30.0)),
            ("jobs.create", lim(32, 20.0)),
        ]
        .into_iter()
        .collect();
        ThrottleOptions {
            limits,
            lanes,
            recover_after: 20,
            min_rate: 0.5,
            job_creations: Some(CreationQuota::JOBS_PER_HOUR),
        }
    }
}

impl ThrottleOptions {
    /// No limits at all (tests, or a caller that paces itself).
    pub fn unlimited() -> Self {
        ThrottleOptions {
            limits: BTreeMap::new(),
            lanes: BTreeMap::new(),
            recover_after: 20,
            min_rate: 0.5,
            job_creations: None,
        }
    }

    /// Sets one family's limits, for all its requests: the family's lanes are dropped, so an
    /// operator's budget for a family is never exceeded by a lane's.
    pub fn set(&mut self, family: Family, limit: FamilyLimit) -> &mut Self {
        self.limits.insert(family, limit);
        let prefix = format!("{}.", family.as_str());
        self.lanes.retain(|lane, _| !lane.starts_with(&prefix));
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

/// After a halving, further 429s within this time do not halve again (they answer requests
/// sent at the old rate; the platform's `Retry-After` is at least a second).
const CUT_COOLDOWN: Duration = Duration::from_secs(1);

/// Live throttling state of a client.
pub(crate) struct Throttle {
    families: Vec<FamilyState>,
    /// Indexed like [`LANES`]; `None` where the lane is not configured (its family applies).
    lanes: Vec<Option<FamilyState>>,
    recover_after: u32,
    min_rate: f64,
    /// The quota of the `jobs.create` lane, when there is one.
    job_creations: Option<Arc<Window>>,
}

/// The lane the job-creation quota applies to.
const QUOTA_LANE: &str = "jobs.create";

struct FamilyState {
    semaphore: Arc<Semaphore>,
    configured_rate: f64,
    rate: Mutex<RateState>,
}

struct RateState {
    current: f64,
    successes: u32,
    /// When the rate was last halved: the 429s of requests already in flight then say nothing
    /// about the new rate, so they do not halve it again (else one burst of 429s would drive the
    /// rate to the floor, where recovery takes hundreds of requests).
    last_cut: Option<Instant>,
    pacer: Option<Arc<Pacer>>,
}

impl RateState {
    /// Moves to `rate`, keeping the slots already given out.
    fn set(&mut self, rate: f64) {
        self.current = rate;
        match &self.pacer {
            Some(p) => p.set_rate(rate),
            None => self.pacer = Pacer::new(rate, Instant::now()).map(Arc::new),
        }
    }
}

/// Held while a request is in flight; releases the family's concurrency slot on drop, and
/// counts a job creation against the quota then (unless [`Permit::refused`] says the server
/// created nothing).
pub(crate) struct Permit {
    _permit: Option<OwnedSemaphorePermit>,
    quota: Option<Slot>,
    quota_wait: Duration,
}

impl Permit {
    /// The server refused the request (a 4xx answer): it created nothing, so it does not
    /// count against a quota.
    pub(crate) fn refused(&mut self) {
        if let Some(slot) = self.quota.take() {
            slot.give_back();
        }
    }

    /// How long this request waited for room in a quota's window.
    pub(crate) fn quota_wait(&self) -> Duration {
        self.quota_wait
    }
}

impl Throttle {
    pub(crate) fn new(options: &ThrottleOptions) -> Self {
        let state = |limit: FamilyLimit| {
            let permits = limit.max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
            FamilyState {
                semaphore: Arc::new(Semaphore::new(permits)),
                configured_rate: limit.requests_per_second,
                rate: Mutex::new(RateState {
                    current: limit.requests_per_second,
                    successes: 0,
                    last_cut: None,
                    pacer: Pacer::new(limit.requests_per_second, Instant::now()).map(Arc::new),
                }),
            }
        };
        let families = Family::ALL
            .iter()
            .map(|f| state(options.limit(*f)))
            .collect();
        let lanes = LANES
            .iter()
            .map(|l| options.lanes.get(l).copied().map(state))
            .collect();
        Throttle {
            families,
            lanes,
            recover_after: options.recover_after.max(1),
            min_rate: options.min_rate.max(0.01),
            job_creations: options.job_creations.map(Window::new),
        }
    }

    /// The state pacing a request of `family` in `lane`.
    fn state(&self, family: Family, lane: Option<&str>) -> &FamilyState {
        lane.and_then(|l| LANES.iter().position(|x| *x == l))
            .and_then(|i| self.lanes[i].as_ref())
            .unwrap_or(&self.families[family.index()])
    }

    /// Waits for room in the lane's quota (if any), then for a concurrency slot, then for
    /// the rate budget.
    pub(crate) async fn acquire(&self, family: Family, lane: Option<&str>) -> Permit {
        let (quota, quota_wait) = match &self.job_creations {
            Some(window) if lane == Some(QUOTA_LANE) => {
                let (slot, waited) = window.acquire().await;
                (Some(slot), waited)
            }
            _ => (None, Duration::ZERO),
        };
        let state = self.state(family, lane);
        // The semaphore is never closed, so acquiring can only fail in theory; proceeding
        // without a slot is then the harmless fallback.
        let permit = state.semaphore.clone().acquire_owned().await.ok();
        let pacer = lock(&state.rate).pacer.clone();
        if let Some(pacer) = pacer {
            // One sleep, on the runtime's own timer, until this request's own slot.
            let wait = pacer.reserve(Instant::now());
            if !wait.is_zero() {
                tracing::trace!(family = %family, lane, wait_ms = wait.as_millis() as u64, "pacing: waiting for the rate budget");
                tokio::time::sleep(wait).await;
            }
        }
        Permit {
            _permit: permit,
            quota,
            quota_wait,
        }
    }

    /// The server refused a request of `lane` for its quota (someone else is using it too):
    /// hold the lane's creations back for `pause`.
    pub(crate) fn on_quota_refused(&self, lane: Option<&str>, pause: Duration) {
        if lane == Some(QUOTA_LANE)
            && let Some(window) = &self.job_creations
        {
            window.pause(pause);
        }
    }

    /// A 429 was received: halve the rate of the request's lane (or family).
    pub(crate) fn on_rate_limited(&self, family: Family, lane: Option<&str>) {
        let state = self.state(family, lane);
        if !state.configured_rate.is_finite() {
            return;
        }
        let mut rate = lock(&state.rate);
        let now = Instant::now();
        if rate
            .last_cut
            .is_some_and(|t| now.duration_since(t) < CUT_COOLDOWN)
        {
            rate.successes = 0;
            return;
        }
        rate.last_cut = Some(now);
        let halved = (rate.current / 2.0).max(self.min_rate);
        rate.set(halved);
        rate.successes = 0;
        tracing::info!(family = %family, lane, rate = rate.current, "the workspace is throttling: halving the request rate");
    }

    /// A request succeeded: let a reduced rate recover gradually.
    pub(crate) fn on_success(&self, family: Family, lane: Option<&str>) {
        let state = self.state(family, lane);
        let mut rate = lock(&state.rate);
        if rate.current >= state.configured_rate {
            return;
        }
        rate.successes += 1;
        if rate.successes >= self.recover_after {
            rate.successes = 0;
            let raised = (rate.current * 1.1).min(state.configured_rate);
            rate.set(raised);
        }
    }

    /// The current requests/s budget of the family's requests without a lane.
    pub(crate) fn current_rate(&self, family: Family) -> f64 {
        lock(&self.families[family.index()].rate).current
    }
}

/// A poisoned lock only means another task panicked mid-update of plain numbers; the state is
/// still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
        t.on_rate_limited(Family::Jobs, None);
        assert_eq!(t.current_rate(Family::Jobs), 4.0);
        // A burst of 429s from requests already in flight halves once.
        t.on_rate_limited(Family::Jobs, None);
        assert_eq!(t.current_rate(Family::Jobs), 4.0);
        lock(&t.families[Family::Jobs.index()].rate).last_cut = None;
        t.on_rate_limited(Family::Jobs, None);
        assert_eq!(t.current_rate(Family::Jobs), 2.0);
        for _ in 0..200 {
            t.on_success(Family::Jobs, None);
        }
        assert_eq!(t.current_rate(Family::Jobs), 8.0);
        t.on_rate_limited(Family::Other, None);
        assert!(t.current_rate(Family::Other).is_infinite());
    }

    #[test]
    fn lanes_pace_apart_and_a_family_override_drops_them() {
        let mut o = ThrottleOptions::default();
        let read = o.lanes["scim.read"].requests_per_second;
        let write = o.lanes["scim.write"].requests_per_second;
        assert!(read < 4.25 && write > 20.0, "{read} {write}");
        assert_eq!(o.limit(Family::Scim).requests_per_second, read);
        let t = Throttle::new(&o);
        // A 429 on SCIM reads slows reads only.
        t.on_rate_limited(Family::Scim, Some("scim.read"));
        let rate = |lane| lock(&t.state(Family::Scim, Some(lane)).rate).current;
        assert_eq!(rate("scim.read"), read / 2.0);
        assert_eq!(rate("scim.write"), write);
        assert_eq!(
            lane_of(Family::Workspace, false, "/api/2.0/workspace/import"),
            Some("workspace.import")
        );
        assert_eq!(
            lane_of(Family::Workspace, true, "/api/2.0/workspace/list"),
            None
        );
        assert_eq!(
            lane_of(Family::Scim, false, "/api/2.0/preview/scim/v2/Users"),
            Some("scim.write")
        );
        // An operator's family budget covers all its requests.
        o.set(
            Family::Scim,
            FamilyLimit {
                max_concurrent: 1,
                requests_per_second: 1.0,
            },
        );
        assert!(!o.lanes.keys().any(|l| l.starts_with("scim.")));
        assert!(o.lanes.contains_key("permissions.read"));
        let t = Throttle::new(&o);
        assert_eq!(
            lock(&t.state(Family::Scim, Some("scim.write")).rate).current,
            1.0
        );
    }

    /// `rollback`'s deletes go at the published limit of their family (reference §3.1, and
    /// part 2 §10: no figure of their own is published, so the family's applies): SCIM's writes
    /// 30/s, secrets 1100/min, 30/s for the rest — never a lane of reads, imports or job
    /// creations (whose quota a delete does not count against).
    #[test]
    fn deletes_are_paced_at_their_familys_published_limit() {
        let o = ThrottleOptions::default();
        let deletes = [
            ("/api/2.0/preview/scim/v2/Users/1", 30.0),
            ("/api/2.0/preview/scim/v2/Groups/1", 30.0),
            ("/api/2.1/clusters/permanent-delete", 30.0),
            ("/api/2.0/workspace/delete", 30.0),
            ("/api/2.2/jobs/delete", 30.0),
            ("/api/2.0/policies/clusters/delete", 30.0),
            ("/api/2.0/instance-pools/delete", 30.0),
            ("/api/2.0/sql/warehouses/abc", 30.0),
            ("/api/2.0/secrets/scopes/delete", 1100.0 / 60.0),
            ("/api/2.0/repos/1", 30.0),
            ("/api/2.0/global-init-scripts/abc", 30.0),
            ("/api/2.0/notification-destinations/abc", 30.0),
            ("/api/2.0/pipelines/abc", 30.0),
        ];
        for (path, published) in deletes {
            let family = Family::from_path(path);
            let limit = match lane_of(family, false, path) {
                Some(lane) => o.lanes[lane],
                None => o.limit(family),
            };
            assert_ne!(lane_of(family, false, path), Some("jobs.create"), "{path}");
            let want = published * MARGIN;
            assert!(
                (limit.requests_per_second - want).abs() < 1e-9,
                "{path}: {} requests/s, {want} published",
                limit.requests_per_second
            );
        }
    }
}
