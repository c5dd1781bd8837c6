//! Cluster libraries (`/api/2.0/libraries/*`): what is installed, or to be installed, where.
//!
//! Statuses are computed on read from the cluster's state: a library asked for on a running
//! cluster reads INSTALLED, on a stopped one PENDING (it installs at the next start); an
//! uninstall on a running cluster reads UNINSTALL_ON_RESTART until the cluster restarts.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{ClusterState, ClustersState, Delays, now_ms};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Keyed;

/// One library requested on one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryEntry {
    /// The Library object as sent (`{"jar": …}`, `{"pypi": {"package": …}}`, …).
    pub library: Value,
    /// ms since epoch when an uninstall was asked for; it takes effect at the next restart.
    #[serde(default)]
    pub uninstall_requested_at: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct LibrariesBody {
    #[serde(default)]
    cluster_id: String,
    #[serde(default)]
    libraries: Vec<Value>,
}

const KINDS: &[&str] = &["jar", "egg", "whl", "pypi", "maven", "cran", "requirements"];

fn check_library(lib: &Value) -> ApiResult<()> {
    let obj = lib.as_object();
    let kinds = obj.map_or(0, |o| {
        o.keys().filter(|k| KINDS.contains(&k.as_str())).count()
    });
    if kinds != 1 {
        return Err(ApiError::invalid(format!(
            "Each library must have exactly one of {}: got {lib}",
            KINDS.join(", ")
        )));
    }
    Ok(())
}

fn check_cluster(clusters: &ClustersState, id: &str) -> ApiResult<()> {
    if id.is_empty() {
        return Err(ApiError::invalid("Missing required field: cluster_id"));
    }
    if clusters.contains(id) {
        Ok(())
    } else {
        Err(ClustersState::missing(id))
    }
}

pub(crate) async fn install(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<LibrariesBody>,
) -> ApiResult<Json<Value>> {
    body.libraries.iter().try_for_each(check_library)?;
    let mut st = emu.lock();
    check_cluster(&st.clusters, &body.cluster_id)?;
    let entries = st.clusters.libraries.entry(body.cluster_id).or_default();
    for lib in body.libraries {
        match entries.iter_mut().find(|e| e.library == lib) {
            // Installing again cancels a pending uninstall.
            Some(e) => e.uninstall_requested_at = None,
            None => entries.push(LibraryEntry {
                library: lib,
                uninstall_requested_at: None,
            }),
        }
    }
    Ok(Json(json!({})))
}

pub(crate) async fn uninstall(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<LibrariesBody>,
) -> ApiResult<Json<Value>> {
    body.libraries.iter().try_for_each(check_library)?;
    let mut st = emu.lock();
    check_cluster(&st.clusters, &body.cluster_id)?;
    let now = now_ms();
    let running = st
        .clusters
        .clusters
        .get(&body.cluster_id)
        .map(|c| st.clusters.state_of(c, now, Delays::of(&emu)))
        == Some(ClusterState::Running);
    let entries = st.clusters.libraries.entry(body.cluster_id).or_default();
    if running {
        for e in entries
            .iter_mut()
            .filter(|e| body.libraries.contains(&e.library))
        {
            e.uninstall_requested_at = Some(now);
        }
    } else {
        entries.retain(|e| !body.libraries.contains(&e.library));
    }
    Ok(Json(json!({})))
}

fn statuses(clusters: &ClustersState, id: &str, now: i64, d: Delays) -> Vec<Value> {
    let Some(c) = clusters.clusters.get(id) else {
        return Vec::new();
    };
    let state = clusters.state_of(c, now, d);
    // A restart after the uninstall request applies it.
    let restarted_at = match &c.phase {
        super::Phase::Starting { since } | super::Phase::Restarting { since } => Some(*since),
        _ => None,
    };
    clusters
        .libraries
        .get(id)
        .into_iter()
        .flatten()
        .filter(|e| match (e.uninstall_requested_at, restarted_at) {
            (Some(asked), Some(restart)) => restart < asked,
            _ => true,
        })
        .map(|e| {
            let status = if e.uninstall_requested_at.is_some() {
                "UNINSTALL_ON_RESTART"
            } else if state == ClusterState::Running {
                "INSTALLED"
            } else {
                "PENDING"
            };
            json!({"library": e.library, "status": status,
                   "is_library_for_all_clusters": false})
        })
        .collect()
}

pub(crate) async fn cluster_status(
    State(emu): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let id = q.required("cluster_id")?;
    let st = emu.lock();
    check_cluster(&st.clusters, id)?;
    let mut out = Map::new();
    out.insert("cluster_id".into(), json!(id));
    let list = statuses(&st.clusters, id, now_ms(), Delays::of(&emu));
    if !list.is_empty() {
        out.insert("library_statuses".into(), Value::Array(list));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn all_statuses(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let all: Vec<Value> = st
        .clusters
        .libraries
        .keys()
        .filter(|id| st.clusters.contains(id))
        .map(|id| json!({"cluster_id": id, "library_statuses": statuses(&st.clusters, id, now, d)}))
        .collect();
    if all.is_empty() {
        Json(json!({}))
    } else {
        Json(json!({ "statuses": all }))
    }
}
