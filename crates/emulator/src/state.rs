//! The workspace's state: one typed store per kind, all behind one lock.
//!
//! Handlers take `State<AppState>`, lock `emu.state` for the shortest time they can, and never
//! hold the lock across an `.await`. The whole `State` serialises to JSON: that is both
//! `/_emulator/snapshot` and the `--state FILE` persistence format.
//!
//! Request extensions set by the front layer (see `crate::front`), for handlers to extract:
//! - [`Caller`] (`Extension<Caller>`): who is calling, resolved from the bearer token;
//! - [`ApiVersion`] (`Extension<ApiVersion>`): the `/api/2.x/` version of the request. Routes are
//!   declared **without** the version (`/api/clusters/create`, `/api/preview/scim/v2/Users`):
//!   the front layer strips `/api/2.x` to `/api` before routing, so every version is served by
//!   the same route, and a handler that behaves differently per version (jobs 2.2 vs 2.1) reads
//!   this extension.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Extension;
use serde::{Deserialize, Serialize};

use crate::ids::IdGen;
use crate::kinds;

/// What every handler receives.
pub type AppState = Arc<Emulator>;

/// One emulated workspace.
pub struct Emulator {
    /// Every kind's objects.
    pub state: Mutex<State>,
    /// Behaviour fixed at start (delays, consistency windows).
    pub settings: Settings,
    /// Behaviour that can be changed while running (rate limits, faults, feature switches).
    pub knobs: Knobs,
    /// Request counters (`/_emulator/stats`).
    pub stats: crate::stats::Stats,
    /// Auth, rate limits, faults, latency.
    pub(crate) front: crate::front::Front,
    /// Set by every successful write; cleared when the state file is saved.
    pub(crate) dirty: AtomicBool,
}

impl Emulator {
    /// An emulator over the given state, with the given settings and default knobs.
    pub fn new(state: State, settings: Settings) -> Self {
        Emulator::with_front(state, settings, crate::front::Front::default())
    }

    /// An emulator with the given front layer (tokens, rate limits, faults, latency).
    pub(crate) fn with_front(state: State, settings: Settings, front: crate::front::Front) -> Self {
        Emulator {
            state: Mutex::new(state),
            settings,
            knobs: Knobs::default(),
            stats: crate::stats::Stats::default(),
            front,
            dirty: AtomicBool::new(false),
        }
    }

    /// Locks the state. A poisoned lock (a handler panicked) is recovered, not propagated:
    /// the emulator must keep answering.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the state as changed, so the state file gets saved.
    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Relaxed);
    }
}

/// Behaviour fixed when the emulator starts.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How long a cluster (and a warehouse) stays PENDING/STARTING before it is RUNNING.
    pub cluster_start_delay: Duration,
    /// A principal created less than this long ago is missing from SCIM lists and filters
    /// (match cloud behaviour: SCIM lists are eventually consistent).
    pub scim_visibility_delay: Duration,
}

/// Behaviour that a test may change while the emulator runs.
#[derive(Debug)]
pub struct Knobs {
    /// Rate limits multiplied by this factor (stored as f64 bits). 1.0 = the defaults.
    rate_limit_scale: AtomicU64,
    /// Whether rate limits apply at all.
    pub rate_limits_enabled: AtomicBool,
    /// Whether 429 answers carry `Retry-After`.
    pub retry_after: AtomicBool,
    /// Whether injected faults apply.
    pub faults_enabled: AtomicBool,
    /// When set, the whole permissions API answers FEATURE_DISABLED.
    pub permissions_disabled: AtomicBool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            rate_limit_scale: AtomicU64::new(1.0f64.to_bits()),
            rate_limits_enabled: AtomicBool::new(true),
            retry_after: AtomicBool::new(true),
            faults_enabled: AtomicBool::new(true),
            permissions_disabled: AtomicBool::new(false),
        }
    }
}

impl Knobs {
    /// The current rate-limit scale.
    pub fn rate_limit_scale(&self) -> f64 {
        f64::from_bits(self.rate_limit_scale.load(Ordering::Relaxed))
    }
    /// Sets the rate-limit scale (2.0 = twice the default rates). Non-positive values are ignored.
    pub fn set_rate_limit_scale(&self, scale: f64) {
        if scale.is_finite() && scale > 0.0 {
            self.rate_limit_scale
                .store(scale.to_bits(), Ordering::Relaxed);
        }
    }
    /// Reads a boolean knob.
    pub fn get(flag: &AtomicBool) -> bool {
        flag.load(Ordering::Relaxed)
    }
}

/// The caller of a request, resolved from its bearer token by the auth layer and put into the
/// request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The userName of the principal the token belongs to (the applicationId for a service
    /// principal).
    pub user_name: String,
    /// Whether that principal is in the `admins` group.
    pub is_admin: bool,
}

/// The caller, or an admin when no auth layer put one in the request (in-process routers).
pub fn caller_of(c: Option<Extension<Caller>>) -> Caller {
    match c {
        Some(Extension(c)) => c,
        None => Caller {
            user_name: "admin@example.com".into(),
            is_admin: true,
        },
    }
}

impl Caller {
    /// Whether the caller is a service principal (its `user_name` is then an applicationId).
    pub fn is_service_principal(&self) -> bool {
        uuid::Uuid::parse_str(&self.user_name).is_ok()
    }
}

/// The API version of a request (`/api/2.1/...` → `ApiVersion { major: 2, minor: 1 }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version (0, 1, 2).
    pub minor: u32,
}

impl ApiVersion {
    /// Whether this is at least `major.minor`.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Milliseconds since the epoch, now: the clock every kind uses for timestamps.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Every kind's store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Id generators (counters and PRNG), so a reloaded state never reuses an id.
    pub ids: IdGen,
    /// Users, groups, service principals.
    pub scim: kinds::scim::ScimState,
    /// Notebooks, files, folders.
    pub workspace: kinds::workspace::WorkspaceState,
    /// Secret scopes, secrets, ACLs.
    pub secrets: kinds::secrets::SecretsState,
    /// Direct grants on every object type.
    pub permissions: kinds::permissions::PermissionsState,
    /// Clusters and their libraries.
    pub clusters: kinds::clusters::ClustersState,
    /// Cluster policies.
    pub policies: kinds::policies::PoliciesState,
    /// Instance pools.
    pub pools: kinds::pools::PoolsState,
    /// Instance profiles (AWS only; left out of the JSON when none is registered).
    #[serde(skip_serializing_if = "kinds::instance_profiles::InstanceProfilesState::is_empty")]
    pub instance_profiles: kinds::instance_profiles::InstanceProfilesState,
    /// SQL warehouses.
    pub warehouses: kinds::warehouses::WarehousesState,
    /// Git folders and Git credentials.
    pub repos: kinds::repos::ReposState,
    /// Jobs.
    pub jobs: kinds::jobs::JobsState,
    /// Global init scripts.
    pub init_scripts: kinds::init_scripts::InitScriptsState,
    /// Lakeflow Declarative Pipelines.
    pub pipelines: kinds::pipelines::PipelinesState,
    /// Notification destinations.
    pub destinations: kinds::destinations::DestinationsState,
    /// SQL queries, visualizations, alerts (current and v2), legacy dashboards.
    #[serde(skip_serializing_if = "kinds::sql::SqlState::is_empty")]
    pub sql: kinds::sql::SqlState,
    /// AI/BI (Lakeview) dashboards.
    #[serde(skip_serializing_if = "kinds::lakeview::LakeviewState::is_empty")]
    pub lakeview: kinds::lakeview::LakeviewState,
    /// Genie spaces.
    #[serde(skip_serializing_if = "kinds::genie::GenieState::is_empty")]
    pub genie: kinds::genie::GenieState,
    /// The account's principals unassigned from this workspace (permission assignments).
    #[serde(skip_serializing_if = "kinds::permission_assignments::AccountState::is_empty")]
    pub account: kinds::permission_assignments::AccountState,
}

impl State {
    /// A fresh workspace: built-in groups, the root folder, ids from `seed`.
    pub fn fresh(seed: u64) -> Self {
        let mut st = State {
            ids: IdGen::new(seed),
            ..State::default()
        };
        st.ensure_builtins();
        st
    }

    /// Creates what every workspace has (the `admins` and `users` groups, the root folder and
    /// the `/Users`, `/Shared` folders) when missing. Idempotent; also run after a load.
    pub fn ensure_builtins(&mut self) {
        kinds::scim::ensure_builtins(self);
        kinds::workspace::ensure_builtins(self);
    }
}
