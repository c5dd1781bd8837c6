//! Clusters (`/api/2.0|2.1/clusters/*`) and their libraries (`/api/2.0/libraries/*`).
//!
//! A cluster is stored as the writable spec it was created or edited with, plus the few
//! facts the service owns (creator, source, when it was last asked to start or stop).
//! Lifecycle states are computed on read from those timestamps and the store's delays, so
//! the store stays plain data (it is the snapshot format) and a cluster created at `t` is
//! PENDING until `t + start_delay_ms`, then RUNNING — no background task needed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub mod attributes;
pub mod catalog;
pub(crate) mod handlers;
pub mod libraries;
pub(crate) mod list;
mod policy;
mod validate;

pub use catalog::{NodeType, SparkVersion};

use crate::cloud::Cloud;

pub use crate::state::now_ms;

/// How long the transitional states last, from the emulator's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delays {
    /// PENDING / RESTARTING / RESIZING, in ms (`Settings::cluster_start_delay`).
    pub start_ms: i64,
    /// TERMINATING, in ms (half the start delay).
    pub terminate_ms: i64,
}

impl Delays {
    /// The delays of this emulator.
    pub fn of(emu: &crate::state::Emulator) -> Self {
        let start = i64::try_from(emu.settings.cluster_start_delay.as_millis()).unwrap_or(i64::MAX);
        Delays {
            start_ms: start,
            terminate_ms: start / 2,
        }
    }
}

/// The clusters store.
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ClustersState {
    /// Every cluster not permanently deleted, by id.
    pub clusters: BTreeMap<String, Cluster>,
    /// Libraries requested per cluster id.
    pub libraries: BTreeMap<String, Vec<libraries::LibraryEntry>>,
    /// What `list-node-types` offers; `node_type_id` on create must be one of these.
    pub node_types: Vec<NodeType>,
    /// What `spark-versions` offers; `spark_version` on create must be one of these.
    pub spark_versions: Vec<SparkVersion>,
    /// Creation counter, for a stable list order.
    pub next_seq: u64,
    /// The cloud the workspace runs on (absent = AWS, so an AWS state keeps its bytes).
    #[serde(skip_serializing_if = "Cloud::is_aws")]
    pub cloud: Cloud,
}

impl Default for ClustersState {
    fn default() -> Self {
        ClustersState {
            clusters: BTreeMap::new(),
            libraries: BTreeMap::new(),
            node_types: catalog::default_node_types(),
            spark_versions: catalog::default_spark_versions(),
            next_seq: 1,
            cloud: Cloud::Aws,
        }
    }
}

impl ClustersState {
    /// An empty store on `cloud`, offering that cloud's catalogue.
    pub fn on(cloud: Cloud) -> Self {
        ClustersState {
            node_types: catalog::node_types(cloud),
            spark_versions: catalog::spark_versions(cloud),
            cloud,
            ..ClustersState::default()
        }
    }
}

/// One cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    /// `MMDD-HHMMSS-xxxxxxxx`.
    pub cluster_id: String,
    /// The writable ClusterSpec fields, as last created/edited (read-only fields stripped).
    pub spec: Map<String, Value>,
    /// Who created it.
    pub creator_user_name: String,
    /// `API`, `UI`, `JOB`, `PIPELINE`, … (only `API` from the REST create).
    pub cluster_source: String,
    /// Where it is in its lifecycle (the visible state is derived from this and the time).
    pub phase: Phase,
    /// ms since epoch of the first start.
    pub start_time: i64,
    /// Set when pinned: who pinned it.
    #[serde(default)]
    pub pinned_by_user_name: Option<String>,
    /// Changes at every (re)start.
    pub spark_context_id: i64,
    /// ms since epoch of the last restart, if any.
    #[serde(default)]
    pub last_restarted_time: Option<i64>,
    /// Creation order.
    #[serde(default)]
    pub seq: u64,
}

/// The lifecycle step a cluster is in. Each step says when it began; the visible state is
/// the step's transitional state until its delay has passed, then the step's resting state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Phase {
    /// PENDING, then RUNNING.
    Starting {
        /// ms since epoch.
        since: i64,
    },
    /// RESTARTING, then RUNNING.
    Restarting {
        /// ms since epoch.
        since: i64,
    },
    /// RESIZING, then RUNNING.
    Resizing {
        /// ms since epoch.
        since: i64,
    },
    /// TERMINATING, then TERMINATED.
    Terminating {
        /// ms since epoch.
        since: i64,
        /// Who asked (for `termination_reason`).
        #[serde(default)]
        by: Option<String>,
    },
    /// ERROR, for seeded broken clusters.
    Error {
        /// `state_message`.
        message: String,
    },
}

/// The states of the platform's `State` enum the emulator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    /// Starting.
    Pending,
    /// Up.
    Running,
    /// Restarting after edit/restart.
    Restarting,
    /// Changing size.
    Resizing,
    /// Stopping.
    Terminating,
    /// Stopped.
    Terminated,
    /// Broken.
    Error,
}

impl ClusterState {
    /// The wire name, e.g. `PENDING`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterState::Pending => "PENDING",
            ClusterState::Running => "RUNNING",
            ClusterState::Restarting => "RESTARTING",
            ClusterState::Resizing => "RESIZING",
            ClusterState::Terminating => "TERMINATING",
            ClusterState::Terminated => "TERMINATED",
            ClusterState::Error => "ERROR",
        }
    }
    /// The title-case name the service puts in INVALID_STATE messages, e.g. `Pending`.
    pub fn title(self) -> &'static str {
        match self {
            ClusterState::Pending => "Pending",
            ClusterState::Running => "Running",
            ClusterState::Restarting => "Restarting",
            ClusterState::Resizing => "Resizing",
            ClusterState::Terminating => "Terminating",
            ClusterState::Terminated => "Terminated",
            ClusterState::Error => "Error",
        }
    }
}

impl ClustersState {
    /// Whether a cluster with this id exists (used by the permissions module).
    pub fn contains(&self, id: &str) -> bool {
        self.clusters.contains_key(id)
    }

    /// The cluster's visible state at `now`.
    pub fn state_of(&self, c: &Cluster, now: i64, d: Delays) -> ClusterState {
        let started = |since: i64| now >= since.saturating_add(d.start_ms);
        match &c.phase {
            Phase::Starting { since } if !started(*since) => ClusterState::Pending,
            Phase::Restarting { since } if !started(*since) => ClusterState::Restarting,
            Phase::Resizing { since } if !started(*since) => ClusterState::Resizing,
            Phase::Starting { .. } | Phase::Restarting { .. } | Phase::Resizing { .. } => {
                ClusterState::Running
            }
            Phase::Terminating { since, .. } => {
                if now >= since.saturating_add(d.terminate_ms) {
                    ClusterState::Terminated
                } else {
                    ClusterState::Terminating
                }
            }
            Phase::Error { .. } => ClusterState::Error,
        }
    }

    /// Inserts a cluster as a seed or a test wants it (any `cluster_source`, e.g. `JOB`),
    /// returning its id. The spec is taken as is, without validation. `running == false`
    /// makes it TERMINATED from the start.
    pub fn insert(
        &mut self,
        id: String,
        spec: Map<String, Value>,
        creator: &str,
        cluster_source: &str,
        running: bool,
    ) -> String {
        let now = now_ms();
        let seq = self.next_seq;
        self.next_seq += 1;
        let phase = if running {
            Phase::Starting { since: 0 }
        } else {
            Phase::Terminating { since: 0, by: None }
        };
        self.clusters.insert(
            id.clone(),
            Cluster {
                cluster_id: id.clone(),
                spec: validate::strip_read_only(spec),
                creator_user_name: creator.to_string(),
                cluster_source: cluster_source.to_string(),
                phase,
                start_time: now,
                pinned_by_user_name: None,
                spark_context_id: new_context_id(),
                last_restarted_time: None,
                seq,
            },
        );
        id
    }

    /// The ClusterDetails JSON for `get`/`list`, with the read-only fields the service adds.
    pub fn view(
        &self,
        c: &Cluster,
        pools: &super::pools::PoolsState,
        now: i64,
        d: Delays,
    ) -> Value {
        let state = self.state_of(c, now, d);
        let mut out = c.spec.clone();
        // match cloud behaviour: the GET fills in node types from the pool, which is why a
        // naive re-create of a pool-backed cluster is rejected (node_type_id + pool).
        if let Some(pool_id) = c.spec.get("instance_pool_id").and_then(Value::as_str) {
            if let Some(node) = pools.node_type_of(pool_id) {
                out.insert("node_type_id".into(), json!(node));
                out.entry("driver_instance_pool_id")
                    .or_insert_with(|| json!(pool_id));
                let driver_pool = out
                    .get("driver_instance_pool_id")
                    .and_then(Value::as_str)
                    .unwrap_or(pool_id)
                    .to_string();
                let driver = pools.node_type_of(&driver_pool).unwrap_or(node);
                out.insert("driver_node_type_id".into(), json!(driver));
            }
        } else if let Some(node) = c.spec.get("node_type_id").cloned() {
            out.entry("driver_node_type_id").or_insert(node);
        }
        out.entry("enable_elastic_disk").or_insert(json!(false));
        let name = c.spec.get("cluster_name").cloned().unwrap_or(json!(""));
        out.insert("cluster_id".into(), json!(c.cluster_id));
        out.insert("creator_user_name".into(), json!(c.creator_user_name));
        out.insert("cluster_source".into(), json!(c.cluster_source));
        out.insert("state".into(), json!(state.as_str()));
        out.insert(
            "state_message".into(),
            json!(state_message(state, &c.phase)),
        );
        out.insert("start_time".into(), json!(c.start_time));
        out.insert("spark_context_id".into(), json!(c.spark_context_id));
        out.insert("jdbc_port".into(), json!(10000));
        out.insert(
            "default_tags".into(),
            json!({"Vendor": "Databricks", "Creator": c.creator_user_name,
                   "ClusterName": name, "ClusterId": c.cluster_id}),
        );
        if let Some(t) = c.last_restarted_time {
            out.insert("last_restarted_time".into(), json!(t));
        }
        if let Some(by) = &c.pinned_by_user_name {
            out.insert("pinned_by_user_name".into(), json!(by));
        }
        if let Phase::Terminating { since, by } = &c.phase
            && state == ClusterState::Terminated
        {
            let ended = since.saturating_add(d.terminate_ms).max(c.start_time);
            out.insert("terminated_time".into(), json!(ended));
            out.insert(
                "termination_reason".into(),
                match by {
                    Some(user) => json!({"code": "USER_REQUEST", "type": "SUCCESS",
                                             "parameters": {"username": user}}),
                    None => json!({"code": "INACTIVITY", "type": "SUCCESS",
                                       "parameters": {"inactivity_duration_min": "120"}}),
                },
            );
        }
        if matches!(state, ClusterState::Running | ClusterState::Resizing) {
            let workers = c
                .spec
                .get("num_workers")
                .and_then(Value::as_u64)
                .unwrap_or_else(|| {
                    c.spec
                        .get("autoscale")
                        .and_then(|a| a.get("min_workers"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                });
            out.insert("driver".into(), node_json(&c.cluster_id, 0, c.start_time));
            let executors: Vec<Value> = (1..=workers.min(8))
                .map(|i| node_json(&c.cluster_id, i, c.start_time))
                .collect();
            if !executors.is_empty() {
                out.insert("executors".into(), Value::Array(executors));
            }
        }
        out.insert("spec".into(), Value::Object(c.spec.clone()));
        Value::Object(out)
    }
}

fn state_message(state: ClusterState, phase: &Phase) -> String {
    match (state, phase) {
        (ClusterState::Pending, _) => "Finding instances for new nodes".into(),
        (ClusterState::Restarting, _) => "Restarting Spark".into(),
        (ClusterState::Resizing, _) => "Resizing cluster".into(),
        (ClusterState::Terminating, _) => "Terminating cluster".into(),
        (ClusterState::Error, Phase::Error { message }) => message.clone(),
        _ => String::new(),
    }
}

fn node_json(cluster_id: &str, index: u64, started: i64) -> Value {
    // The id's random tail; by chars, since a seeded id may be anything.
    let tail: String = cluster_id
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    json!({
        "node_id": format!("{tail}{index:02}"),
        "instance_id": format!("i-0{:015x}", index + 1),
        "private_ip": format!("10.0.0.{}", 10 + index),
        "host_private_ip": format!("10.0.1.{}", 10 + index),
        "start_timestamp": started,
    })
}

fn new_context_id() -> i64 {
    use rand::Rng;
    rand::rng().random_range(1_000_000_000_000_000_000..i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_clock() {
        let mut st = ClustersState::default();
        let id = st.insert(
            "0101-000000-abcdefgh".into(),
            Map::new(),
            "a@x.com",
            "API",
            true,
        );
        let d = Delays {
            start_ms: 100,
            terminate_ms: 50,
        };
        let c = st.clusters.get_mut(&id).unwrap();
        c.phase = Phase::Starting { since: 1_000 };
        let c = c.clone();
        assert_eq!(st.state_of(&c, 1_050, d), ClusterState::Pending);
        assert_eq!(st.state_of(&c, 1_100, d), ClusterState::Running);
        let mut c = c;
        c.phase = Phase::Terminating {
            since: 2_000,
            by: None,
        };
        assert_eq!(st.state_of(&c, 2_010, d), ClusterState::Terminating);
        assert_eq!(st.state_of(&c, 2_050, d), ClusterState::Terminated);
        c.phase = Phase::Restarting { since: 3_000 };
        assert_eq!(st.state_of(&c, 3_000, d).title(), "Restarting");
        // A zero delay means the resting state at once.
        assert_eq!(
            st.state_of(&c, 3_000, Delays::default()),
            ClusterState::Running
        );
    }
}
