//! Lakeflow Declarative Pipelines (`/api/2.0/pipelines`): create, get, list, edit (a full
//! replace), delete, stop, and updates (reference-more §1).
//!
//! A pipeline is stored as its spec (what create/edit sent, less the input-only fields, plus
//! `id` and the default `storage`), the top-level `run_as` and `parameters`, and its run
//! state: IDLE, or RUNNING while an update runs. Updates never finish on their own (the
//! emulator has no clock for them): `stop` cancels the running one. Every update started, by
//! `POST /updates` or by a continuous pipeline starting, is in the pipeline's
//! `latest_updates` and counted in the stats (`pipeline_updates_started`), so a test can
//! prove that nothing was started.
//!
//! Ownership lives in the permissions store (type `pipelines`, exactly one IS_OWNER): the
//! owner is the `run_as` principal when one is given, else the creator, and
//! `run_as_user_name` is read from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::kinds::permissions::Principal;
use crate::state::{State, now_ms};
use crate::store;

pub(crate) mod handlers;
pub mod spec;

/// Updates shown in `latest_updates`, most recent first [UNVERIFIED count].
const LATEST_UPDATES: usize = 5;

/// The pipelines store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PipelinesState {
    /// Every pipeline, by id (a UUID; the map's order is the list's default `id asc`).
    pub pipelines: BTreeMap<String, Pipeline>,
}

/// One pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    /// UUID.
    pub pipeline_id: String,
    /// The PipelineSpec as last created/edited, with `id` and defaults filled in.
    pub spec: Map<String, Value>,
    /// `run_as` as sent (echoed only when it was set).
    #[serde(default)]
    pub run_as: Option<Value>,
    /// `parameters` as sent.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// Who created it.
    pub creator_user_name: String,
    /// ms since epoch of the last create/edit.
    pub last_modified: i64,
    /// `IDLE` or `RUNNING`.
    pub state: String,
    /// Every update started, oldest first.
    #[serde(default)]
    pub updates: Vec<Update>,
}

/// One pipeline update.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Update {
    /// UUID.
    pub update_id: String,
    /// `RUNNING` until stopped, then `CANCELED`.
    pub state: String,
    /// `API_CALL` (POST /updates) or `USER_ACTION` (a continuous pipeline started by a write).
    pub cause: String,
    /// ms since epoch.
    pub creation_time: i64,
    /// The request's options (`full_refresh`, selections, `validate_only`, `parameters`).
    #[serde(default)]
    pub options: Map<String, Value>,
}

store::keyed!(PipelinesState, pipelines, Pipeline, no_such_pipeline);

/// The platform's answer for an unknown pipeline id.
pub fn no_such_pipeline(id: &str) -> ApiError {
    // match cloud behaviour: the message is the recorded one; the code [UNVERIFIED].
    ApiError::not_found(format!("The specified pipeline {id} was not found."))
}

impl PipelinesState {
    /// Whether a pipeline with this id exists (used by the permissions module and jobs).
    pub fn contains(&self, id: &str) -> bool {
        self.pipelines.contains_key(id)
    }

    /// Another pipeline (not `except`) with this name, if any.
    pub fn named(&self, name: &str, except: Option<&str>) -> Option<&Pipeline> {
        self.pipelines.values().find(|p| {
            p.spec.get("name").and_then(Value::as_str) == Some(name)
                && Some(p.pipeline_id.as_str()) != except
        })
    }
}

/// What create (and the seeds) are given: a checked request and who sends it.
pub struct NewPipeline {
    /// The checked request.
    pub request: spec::Request,
    /// The caller's userName (an SP's applicationId).
    pub creator: String,
}

/// Creates a pipeline (handler and seeds): checks the name is free, records the owner, and
/// starts a continuous pipeline. Returns the id and whether an update was started.
pub fn create(st: &mut State, new: NewPipeline) -> ApiResult<(String, bool)> {
    let req = new.request;
    check_name(st, &req, None)?;
    let id = st.ids.uuid();
    let mut spec = req.spec;
    spec::fill_defaults(&mut spec, &id);
    let owner = req
        .run_as_principal
        .as_ref()
        .map_or(new.creator.clone(), principal_name);
    st.permissions.init_object("pipelines", &id, Some(&owner));
    let mut p = Pipeline {
        pipeline_id: id.clone(),
        spec,
        run_as: req.run_as,
        parameters: req.parameters,
        creator_user_name: new.creator,
        last_modified: now_ms(),
        state: "IDLE".into(),
        updates: Vec::new(),
    };
    // match cloud behaviour: creating a continuous pipeline starts it (Terraform waits for
    // RUNNING only then); a triggered one stays IDLE.
    let started = is_continuous(&p.spec);
    if started {
        let uid = st.ids.uuid();
        start_update(&mut p, uid, "USER_ACTION", Map::new());
    }
    st.pipelines.pipelines.insert(id.clone(), p);
    Ok((id, started))
}

/// Refuses a name another pipeline has, unless the request allows duplicates.
pub fn check_name(st: &State, req: &spec::Request, except: Option<&str>) -> ApiResult<()> {
    let name = req.spec.get("name").and_then(Value::as_str).unwrap_or("");
    if !req.allow_duplicate_names && st.pipelines.named(name, except).is_some() {
        // match cloud behaviour: the recorded message; RESOURCE_CONFLICT is the code the
        // legacy CLI looks for, its status 409 [UNVERIFIED].
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "RESOURCE_CONFLICT",
            format!(
                "The pipeline name '{name}' is already used by another pipeline. This check can be skipped by setting `allow_duplicate_names = true` in the request."
            ),
        ));
    }
    Ok(())
}

/// Whether a spec asks for a continuous pipeline.
pub fn is_continuous(spec: &Map<String, Value>) -> bool {
    spec.get("continuous").and_then(Value::as_bool) == Some(true)
}

/// The userName / applicationId a principal stands for.
pub fn principal_name(p: &Principal) -> String {
    match p {
        Principal::UserName(n) | Principal::ServicePrincipalName(n) | Principal::GroupName(n) => {
            n.clone()
        }
    }
}

/// Starts an update: the pipeline is RUNNING and the update is recorded.
pub fn start_update(p: &mut Pipeline, update_id: String, cause: &str, options: Map<String, Value>) {
    p.state = "RUNNING".into();
    p.updates.push(Update {
        update_id,
        state: "RUNNING".into(),
        cause: cause.into(),
        creation_time: now_ms(),
        options,
    });
}

/// Stops the pipeline: the running update is CANCELED and the pipeline IDLE.
pub fn stop(p: &mut Pipeline) {
    for u in p.updates.iter_mut().filter(|u| u.state == "RUNNING") {
        u.state = "CANCELED".into();
    }
    p.state = "IDLE".into();
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `latest_updates`: UpdateStateInfo items, most recent first (`creation_time` is a string
/// there, unlike in UpdateInfo).
fn latest_updates(p: &Pipeline) -> Vec<Value> {
    p.updates
        .iter()
        .rev()
        .take(LATEST_UPDATES)
        .map(|u| {
            json!({"update_id": u.update_id, "state": u.state,
                   "creation_time": rfc3339(u.creation_time)})
        })
        .collect()
}

/// UpdateInfo, as `GET /updates` and `GET /updates/{id}` show it.
pub fn update_info(p: &Pipeline, u: &Update) -> Value {
    let mut out = u.options.clone();
    out.insert("pipeline_id".into(), json!(p.pipeline_id));
    out.insert("update_id".into(), json!(u.update_id));
    out.insert("state".into(), json!(u.state));
    out.insert("cause".into(), json!(u.cause));
    out.insert("creation_time".into(), json!(u.creation_time));
    Value::Object(out)
}

/// The owner's name, which `run_as_user_name` shows.
fn run_as_user_name(st: &State, p: &Pipeline) -> String {
    st.permissions
        .owner("pipelines", &p.pipeline_id)
        .map_or_else(|| p.creator_user_name.clone(), principal_name)
}

/// PipelineStateInfo: what `list` shows (no spec).
pub fn state_info(st: &State, p: &Pipeline) -> Value {
    let mut out = Map::new();
    out.insert("pipeline_id".into(), json!(p.pipeline_id));
    if let Some(name) = p.spec.get("name") {
        out.insert("name".into(), name.clone());
    }
    out.insert("state".into(), json!(p.state));
    // [UNVERIFIED] health is reported HEALTHY while nothing has failed.
    out.insert("health".into(), json!("HEALTHY"));
    out.insert("creator_user_name".into(), json!(p.creator_user_name));
    out.insert("run_as_user_name".into(), json!(run_as_user_name(st, p)));
    let latest = latest_updates(p);
    if !latest.is_empty() {
        out.insert("latest_updates".into(), Value::Array(latest));
    }
    Value::Object(out)
}

/// GetPipelineResponse: the list item plus `spec`, `last_modified`, the top-level `run_as`
/// and `parameters`, and the effective publishing mode.
pub fn view(st: &State, p: &Pipeline) -> Value {
    let mut out = match state_info(st, p) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    out.insert("spec".into(), Value::Object(p.spec.clone()));
    out.insert("last_modified".into(), json!(p.last_modified));
    // match cloud behaviour: run_as is echoed only when it was set explicitly.
    if let Some(r) = &p.run_as {
        out.insert("run_as".into(), r.clone());
    }
    if let Some(params) = &p.parameters {
        out.insert("parameters".into(), params.clone());
    }
    out.insert(
        "effective_publishing_mode".into(),
        json!("DEFAULT_PUBLISHING_MODE"),
    );
    Value::Object(out)
}
