//! The spec of a cluster as the engine compares and sends it: read-only fields stripped, the
//! pool rule applied (a pool-backed cluster leaves node types, elastic disk and cloud attributes
//! to its pool), workspace init-script paths normalised; the secret scopes named in
//! `spark_conf` / `spark_env_vars`, the installed libraries, pinning and state go to the
//! object's side-car ([`Facts`]). [`writable_spec`] also serves the job clusters of a job.

use brickport_api::ApiResultExt;
use std::collections::BTreeSet;

use brickport_api::types::clusters::Cluster;
use serde_json::{Map, Value, json};

use super::{NAME, SOURCE_ID_TAG};
use crate::EngineError;
use crate::kinds::facts::{ClusterState, Facts, Needed};
use crate::kinds::{RefBy, secret_scopes};

/// A cluster spec needs the secret scopes its Spark settings read (`{{secrets/<scope>/<key>}}`)
/// and the instance profile it names (by its source ARN, `kinds/compute`).
pub(crate) const READS_SCOPES: &[Needed] = &[
    Needed {
        kind: secret_scopes::NAME,
        by: RefBy::Id,
        what: "secret scope read by the Spark settings",
    },
    INSTANCE_PROFILE,
];

/// The instance profile a cluster spec names.
pub(crate) const INSTANCE_PROFILE: Needed = Needed {
    kind: crate::kinds::instance_profiles::NAME,
    by: RefBy::Key,
    what: "instance profile",
};

/// Fields the service owns (reference §6): never sent back.
const READ_ONLY: &[&str] = &[
    "cluster_id",
    "state",
    "state_message",
    "start_time",
    "terminated_time",
    "termination_reason",
    "last_restarted_time",
    "last_state_loss_time",
    "last_activity_time",
    "driver",
    "executors",
    "spark_context_id",
    "jdbc_port",
    "cluster_cores",
    "cluster_memory_mb",
    "cluster_source",
    "creator_user_name",
    "default_tags",
    "cluster_log_status",
    "spec",
    "effective_spark_version",
    "init_scripts_safe_mode",
    "pinned_by_user_name",
    "disk_spec",
];

/// The secret scopes named by `{{secrets/<scope>/<key>}}` in a string.
pub(crate) fn scopes_in(s: &str, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("{{secrets/") {
        rest = &rest[i + "{{secrets/".len()..];
        if let Some(end) = rest.find('/') {
            out.insert(rest[..end].trim().to_string());
        }
    }
}

/// A ClusterSpec (cluster or job cluster) made writable: read-only fields dropped, the pool
/// rule applied, workspace paths normalised. Returns the secret scopes its Spark settings
/// read (for the side-car's needs, [`READS_SCOPES`]).
pub(crate) fn writable_spec(m: &mut Map<String, Value>) -> BTreeSet<String> {
    for k in READ_ONLY {
        m.remove(*k);
    }
    if m.get("instance_pool_id").is_some_and(|p| !p.is_null()) {
        // The GET fills these in from the pool; create rejects them next to a pool.
        for k in ["node_type_id", "driver_node_type_id", "enable_elastic_disk"] {
            m.remove(k);
        }
        m.remove("azure_attributes");
        for (block, keep) in [
            ("aws_attributes", "instance_profile_arn"),
            ("gcp_attributes", "google_service_account"),
        ] {
            let kept = m.get(block).and_then(|b| b.get(keep)).cloned();
            m.remove(block);
            if let Some(v) = kept {
                m.insert(block.into(), json!({ keep: v }));
            }
        }
    }
    if let Some(Value::Array(scripts)) = m.get_mut("init_scripts") {
        for s in scripts {
            if let Some(Value::String(d)) = s.pointer_mut("/workspace/destination") {
                *d = crate::kinds::shared::normalise_path(d);
            }
        }
    }
    let mut scopes = BTreeSet::new();
    for block in ["spark_conf", "spark_env_vars"] {
        if let Some(Value::Object(vars)) = m.get(block) {
            for v in vars.values() {
                if let Some(s) = v.as_str() {
                    scopes_in(s, &mut scopes);
                }
            }
        }
    }
    scopes
}

/// The libraries of a cluster (as install requests), sorted, without cluster-wide legacy ones
/// and those being uninstalled.
pub(super) async fn libraries(
    client: &brickport_api::WorkspaceClient,
    id: &str,
    side: &str,
) -> Result<Vec<Value>, EngineError> {
    // Said here, since listing clusters makes this call once per cluster.
    let st = client
        .libraries()
        .cluster_status(id)
        .await
        .found()
        .map_err(|e| {
            EngineError::api(
                format!("reading the libraries of cluster {id} in the {side}"),
                e,
            )
        })?;
    let mut libs: Vec<Value> = st
        .and_then(|s| s.library_statuses)
        .unwrap_or_default()
        .into_iter()
        .filter(|l| l.is_library_for_all_clusters != Some(true))
        .filter(|l| !matches!(l.status.as_deref(), Some("UNINSTALL_ON_RESTART")))
        .filter_map(|l| l.library)
        .collect();
    libs.sort_by_key(|l| crate::json::canonical(l).to_string());
    libs.dedup();
    Ok(libs)
}

/// The spec of a cluster as read (source or target), and its side-car: the scopes it reads,
/// its libraries and state.
pub(super) fn spec_of(
    c: &Cluster,
    libs: Vec<Value>,
    source_id: &str,
) -> Result<(Value, Facts), EngineError> {
    let key = c.cluster_id.clone().unwrap_or_default();
    let mut v = crate::kinds::to_json(NAME, &key, c)?;
    let terminated = matches!(c.state.as_deref(), Some("TERMINATED" | "TERMINATING"));
    let pinned = c
        .extra
        .get("pinned_by_user_name")
        .is_some_and(|p| !p.is_null());
    let mut facts = Facts::default();
    if let Value::Object(m) = &mut v {
        facts.need(secret_scopes::NAME, writable_spec(m), "");
        let tags = m.entry("custom_tags").or_insert_with(|| json!({}));
        if let Value::Object(t) = tags {
            t.insert(SOURCE_ID_TAG.into(), json!(source_id));
        }
        facts.cluster = Some(ClusterState {
            libraries: libs,
            pinned,
            terminated,
        });
    }
    Ok((v, facts))
}

/// What of a cluster's side-car its comparison reads, as JSON read as a subset (like the
/// spec): the scopes read and the libraries only when there are some (libraries are never
/// removed), pinning and state always. A scope keeps its name in the target.
pub(super) fn compared_state(f: &Facts) -> Value {
    let mut m = Map::new();
    let scopes: BTreeSet<&str> = (f.needs.iter())
        .filter(|n| n.kind == secret_scopes::NAME)
        .map(|n| n.value.as_str())
        .collect();
    if !scopes.is_empty() {
        m.insert("secret scopes read".into(), json!(scopes));
    }
    if let Some(c) = &f.cluster {
        if !c.libraries.is_empty() {
            m.insert("libraries".into(), json!(c.libraries));
        }
        m.insert("pinned".into(), json!(c.pinned));
        m.insert("terminated".into(), json!(c.terminated));
    }
    Value::Object(m)
}
