//! The clusters endpoints, served under both `/api/2.0/clusters` and `/api/2.1/clusters`.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Cluster, ClusterState, ClustersState, Delays, Phase, now_ms, validate};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of};
use crate::store::{self, Keyed};

#[derive(Deserialize)]
pub(crate) struct IdBody {
    #[serde(default)]
    cluster_id: String,
}

store::keyed!(ClustersState, clusters, Cluster, no_such_cluster);

/// 400 INVALID_PARAMETER_VALUE `Cluster <id> does not exist`.
fn no_such_cluster(id: &str) -> ApiError {
    // match cloud behaviour: an unknown cluster is a 400, not a 404 (the SDKs map this
    // exact message to ResourceDoesNotExist with a regex).
    ApiError::invalid(format!("Cluster {id} does not exist"))
}

fn find<'a>(clusters: &'a mut ClustersState, id: &str) -> ApiResult<&'a mut Cluster> {
    if id.is_empty() {
        return Err(ApiError::invalid("Missing required field: cluster_id"));
    }
    clusters.get_mut_or_404(id)
}

fn unexpected_state(id: &str, state: ClusterState) -> ApiError {
    // match cloud behaviour: the state is title-cased in the message.
    ApiError::invalid_state(format!(
        "Cluster {id} is in unexpected state {}.",
        state.title()
    ))
}

fn reject_job_cluster(c: &Cluster, action: &str) -> ApiResult<()> {
    if c.cluster_source == "API" || c.cluster_source == "UI" {
        return Ok(());
    }
    // match cloud behaviour [UNVERIFIED message]: clusters the jobs service (or pipelines,
    // model serving, SQL) manages cannot be edited or started by hand.
    Err(ApiError::invalid(format!(
        "Cannot {action} cluster {} because it was created by {} (cluster_source {}).",
        c.cluster_id,
        c.cluster_source.to_lowercase(),
        c.cluster_source
    )))
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let mut spec = validate::strip_read_only(body);
    let mut st = emu.lock();
    super::policy::enforce(&mut spec, &st)?;
    validate::check_spec(&spec, &st.clusters, &st.pools, &st.policies)?;
    super::attributes::check_all([&spec], &st)?;
    let now = now_ms();
    let id = st.ids.cluster_id(now);
    st.permissions
        .init_object("clusters", &id, Some(&caller.user_name));
    let clusters = &mut st.clusters;
    let seq = clusters.next_seq;
    clusters.next_seq += 1;
    clusters.clusters.insert(
        id.clone(),
        Cluster {
            cluster_id: id.clone(),
            spec,
            creator_user_name: caller.user_name.clone(),
            cluster_source: "API".into(),
            // match cloud behaviour: create launches the cluster at once (no "create stopped").
            phase: Phase::Starting { since: now },
            start_time: now,
            pinned_by_user_name: None,
            spark_context_id: super::new_context_id(),
            last_restarted_time: None,
            seq,
        },
    );
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "cluster_id": id })))
}

/// The common part of edit and update: state rules, validation, restart when running.
fn apply_new_spec(
    st: &mut crate::state::State,
    id: &str,
    mut spec: Map<String, Value>,
    d: Delays,
) -> ApiResult<()> {
    let now = now_ms();
    let state = {
        let c = find(&mut st.clusters, id)?;
        reject_job_cluster(c, "edit")?;
        let c = c.clone();
        st.clusters.state_of(&c, now, d)
    };
    // match cloud behaviour: edit is allowed in RUNNING (the cluster restarts) or TERMINATED
    // (it stays terminated); any other state is INVALID_STATE.
    if !matches!(state, ClusterState::Running | ClusterState::Terminated) {
        return Err(unexpected_state(id, state));
    }
    super::policy::enforce(&mut spec, st)?;
    validate::check_spec(&spec, &st.clusters, &st.pools, &st.policies)?;
    super::attributes::check_all([&spec], st)?;
    let c = find(&mut st.clusters, id)?;
    c.spec = spec;
    if state == ClusterState::Running {
        c.phase = Phase::Restarting { since: now };
        c.last_restarted_time = Some(now);
        c.spark_context_id = super::new_context_id();
    }
    Ok(())
}

pub(crate) async fn edit(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let id = body
        .get("cluster_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let spec = validate::strip_read_only(body);
    let mut st = emu.lock();
    apply_new_spec(&mut st, &id, spec, Delays::of(&emu))?;
    emu.mark_dirty();
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub(crate) struct UpdateBody {
    #[serde(default)]
    cluster_id: String,
    #[serde(default)]
    update_mask: String,
    #[serde(default)]
    cluster: Map<String, Value>,
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<UpdateBody>,
) -> ApiResult<Json<Value>> {
    if body.update_mask.trim().is_empty() {
        return Err(ApiError::invalid("Missing required field: update_mask"));
    }
    let mut st = emu.lock();
    let mut spec = find(&mut st.clusters, &body.cluster_id)?.spec.clone();
    // The mask names top-level fields; a named field absent from `cluster` is cleared.
    for field in body
        .update_mask
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        match body.cluster.get(field) {
            Some(v) => spec.insert(field.to_string(), v.clone()),
            None => spec.remove(field),
        };
    }
    apply_new_spec(
        &mut st,
        &body.cluster_id,
        validate::strip_read_only(spec),
        Delays::of(&emu),
    )?;
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn get_cluster(
    State(emu): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let id = q.required("cluster_id")?;
    let st = emu.lock();
    let c = st.clusters.get_or_404(id)?;
    Ok(Json(st.clusters.view(
        c,
        &st.pools,
        now_ms(),
        Delays::of(&emu),
    )))
}

pub(crate) async fn start(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let c = find(&mut st.clusters, &body.cluster_id)?.clone();
    reject_job_cluster(&c, "start")?;
    let state = st.clusters.state_of(&c, now, d);
    // match cloud behaviour: only a TERMINATED cluster starts; PENDING answers
    // `Cluster <id> is in unexpected state Pending.`
    if state != ClusterState::Terminated {
        return Err(unexpected_state(&c.cluster_id, state));
    }
    let c = find(&mut st.clusters, &body.cluster_id)?;
    c.phase = Phase::Starting { since: now };
    c.start_time = now;
    c.spark_context_id = super::new_context_id();
    Ok(Json(json!({})))
}

pub(crate) async fn restart(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let c = find(&mut st.clusters, &body.cluster_id)?.clone();
    let state = st.clusters.state_of(&c, now, d);
    if state != ClusterState::Running {
        return Err(unexpected_state(&c.cluster_id, state));
    }
    let c = find(&mut st.clusters, &body.cluster_id)?;
    c.phase = Phase::Restarting { since: now };
    c.last_restarted_time = Some(now);
    c.spark_context_id = super::new_context_id();
    Ok(Json(json!({})))
}

pub(crate) async fn terminate(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let mut st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let c = find(&mut st.clusters, &body.cluster_id)?.clone();
    let state = st.clusters.state_of(&c, now, d);
    // match cloud behaviour: terminating a terminating/terminated cluster is a no-op.
    if !matches!(state, ClusterState::Terminating | ClusterState::Terminated) {
        find(&mut st.clusters, &body.cluster_id)?.phase = Phase::Terminating {
            since: now,
            by: Some(caller.user_name),
        };
    }
    Ok(Json(json!({})))
}

pub(crate) async fn permanent_delete(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    find(&mut st.clusters, &body.cluster_id)?;
    st.clusters.clusters.remove(&body.cluster_id);
    st.clusters.libraries.remove(&body.cluster_id);
    st.permissions.remove_object("clusters", &body.cluster_id);
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub(crate) struct ResizeBody {
    #[serde(default)]
    cluster_id: String,
    num_workers: Option<Value>,
    autoscale: Option<Value>,
}

pub(crate) async fn resize(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<ResizeBody>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let c = find(&mut st.clusters, &body.cluster_id)?.clone();
    let state = st.clusters.state_of(&c, now, d);
    if state != ClusterState::Running {
        return Err(unexpected_state(&c.cluster_id, state));
    }
    let mut spec = c.spec.clone();
    match (body.num_workers, body.autoscale) {
        (Some(n), None) => {
            spec.remove("autoscale");
            spec.insert("num_workers".into(), n);
        }
        (None, Some(a)) => {
            spec.remove("num_workers");
            spec.insert("autoscale".into(), a);
        }
        _ => {
            return Err(ApiError::invalid(
                "Exactly one of num_workers and autoscale must be given.",
            ));
        }
    }
    super::policy::enforce(&mut spec, &st)?;
    validate::check_spec(&spec, &st.clusters, &st.pools, &st.policies)?;
    super::attributes::check_all([&spec], &st)?;
    let c = find(&mut st.clusters, &body.cluster_id)?;
    c.spec = spec;
    c.phase = Phase::Resizing { since: now };
    Ok(Json(json!({})))
}

fn require_admin(caller: &Caller, what: &str) -> ApiResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(ApiError::permission_denied(format!(
            "Only workspace admins can {what}."
        )))
    }
}

pub(crate) async fn pin(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    require_admin(&caller, "pin clusters")?;
    let mut st = emu.lock();
    let c = find(&mut st.clusters, &body.cluster_id)?;
    c.pinned_by_user_name.get_or_insert(caller.user_name);
    Ok(Json(json!({})))
}

pub(crate) async fn unpin(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    require_admin(&caller, "unpin clusters")?;
    let mut st = emu.lock();
    find(&mut st.clusters, &body.cluster_id)?.pinned_by_user_name = None;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub(crate) struct ChangeOwnerBody {
    #[serde(default)]
    cluster_id: String,
    #[serde(default)]
    owner_username: String,
}

pub(crate) async fn change_owner(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<ChangeOwnerBody>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller), "change a cluster's owner")?;
    if body.owner_username.is_empty() {
        return Err(ApiError::invalid("Missing required field: owner_username"));
    }
    let mut st = emu.lock();
    let c = find(&mut st.clusters, &body.cluster_id)?.clone();
    let state = st.clusters.state_of(&c, now_ms(), Delays::of(&emu));
    if state != ClusterState::Terminated {
        return Err(unexpected_state(&c.cluster_id, state));
    }
    find(&mut st.clusters, &body.cluster_id)?.creator_user_name = body.owner_username;
    Ok(Json(json!({})))
}

pub(crate) async fn spark_versions(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    Json(json!({ "versions": st.clusters.spark_versions }))
}

pub(crate) async fn list_node_types(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    Json(json!({ "node_types": st.clusters.node_types }))
}

pub(crate) async fn list_zones(State(emu): State<AppState>) -> Json<Value> {
    let cloud = emu.lock().clusters.cloud;
    Json(super::catalog::zones_json(cloud))
}
