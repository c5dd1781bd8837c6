//! The workspace's state: one typed store per kind, all behind one lock.
//!
//! Handlers take `State<AppState>`, lock `emu.state` for the shortest time they can, and never
//! hold the lock across an `.await`. The whole `State` serialises to JSON: that is both
//! `/_emulator/snapshot` and the `--state FILE` persistence format.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::kinds;

/// What every handler receives.
pub type AppState = Arc<Emulator>;

/// One emulated workspace.
pub struct Emulator {
    /// Every kind's objects.
    pub state: Mutex<State>,
}

impl Emulator {
    /// Locks the state. A poisoned lock (a handler panicked) is recovered, not propagated:
    /// the emulator must keep answering.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The caller of a request, resolved from its bearer token by the auth layer and put into the
/// request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The userName of the principal the token belongs to.
    pub user_name: String,
    /// Whether that principal is in the `admins` group.
    pub is_admin: bool,
}

/// Every kind's store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
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
    /// SQL warehouses.
    pub warehouses: kinds::warehouses::WarehousesState,
    /// Git folders and Git credentials.
    pub repos: kinds::repos::ReposState,
    /// Jobs.
    pub jobs: kinds::jobs::JobsState,
    /// Global init scripts.
    pub init_scripts: kinds::init_scripts::InitScriptsState,
}
