//! The pipelines endpoints: `/pipelines` (create, list), `/pipelines/{id}` (get, edit,
//! delete), `/pipelines/{id}/stop` and `/pipelines/{id}/updates[/{update_id}]`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::spec::{self, Filter};
use super::{NewPipeline, Pipeline};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::permissions::Grant;
use crate::state::{AppState, Caller, State as Ws, caller_of, now_ms};
use crate::store::{self, Keyed};

/// `max_results` when none is given (documented).
const DEFAULT_PAGE: i64 = 25;
/// The largest `max_results` (documented: above it is an error).
const MAX_PAGE: i64 = 100;

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let mut st = emu.lock();
    let request = spec::parse(&st, body)?;
    if request.dry_run {
        // A dry run checks everything create checks and creates nothing.
        super::check_name(&st, &request, None)?;
        return Ok(Json(json!({ "effective_settings": request.spec })));
    }
    let (id, started) = super::create(
        &mut st,
        NewPipeline {
            request,
            creator: caller.user_name,
        },
    )?;
    drop(st);
    if started {
        emu.stats.pipeline_update_started();
    }
    emu.mark_dirty();
    Ok(Json(json!({ "pipeline_id": id })))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let p = st.pipelines.get_or_404(&id)?;
    Ok(Json(super::view(&st, p)))
}

/// `order_by`: `id` or `name`, `asc` (default) or `desc`; at most one.
fn order_of(q: &QueryMap) -> ApiResult<(bool, bool)> {
    let orders = q.all("order_by");
    let Some(first) = orders.first() else {
        return Ok((false, false));
    };
    let words: Vec<String> = first
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let by_name = match words.first().map(String::as_str) {
        Some("id") => false,
        Some("name") => true,
        _ => return Err(bad_order(first)),
    };
    let desc = match words.get(1).map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        _ => return Err(bad_order(first)),
    };
    if orders.len() > 1 || words.len() > 2 {
        return Err(bad_order(first));
    }
    Ok((by_name, desc))
}

fn bad_order(o: &str) -> ApiError {
    // [UNVERIFIED] message; documented: one field, id or name, asc or desc.
    ApiError::invalid(format!(
        "Invalid order_by: {o}. Supported: 'id asc', 'id desc', 'name asc', 'name desc'."
    ))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let size = match q.i64("max_results")? {
        None => DEFAULT_PAGE,
        Some(n) if (1..=MAX_PAGE).contains(&n) => n,
        // Documented: an error is returned above 100. [UNVERIFIED] message.
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "max_results must be between 1 and {MAX_PAGE}; got {n}."
            )));
        }
    } as usize;
    let filter = q
        .string("filter")
        .map(|f| spec::parse_filter(&f))
        .transpose()?;
    let (by_name, desc) = order_of(&q)?;
    let offset = store::offset_of(q.get("page_token"), "pl-", "page_token")?;
    let st = emu.lock();
    let mut all: Vec<&Pipeline> = st
        .pipelines
        .pipelines
        .values()
        .filter(|p| filter.as_ref().is_none_or(|f: &Filter| f.matches(&p.spec)))
        .collect();
    if by_name {
        // Ties (duplicate names) keep the id order.
        all.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    }
    if desc {
        all.reverse();
    }
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(size)
        .map(|p| super::state_info(&st, p))
        .collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("statuses".into(), Value::Array(page));
    }
    if let Some(next) = store::next_token("pl-", offset, size, all.len()) {
        out.insert("next_page_token".into(), json!(next));
    }
    Ok(Json(Value::Object(out)))
}

fn name_of(p: &Pipeline) -> &str {
    p.spec.get("name").and_then(Value::as_str).unwrap_or("")
}

/// Applies a checked edit to pipeline `id`; returns whether an update was started.
fn apply_edit(st: &mut Ws, id: &str, req: spec::Request) -> ApiResult<bool> {
    let current = st.pipelines.get_or_404(id)?;
    if let Some(expected) = req.expected_last_modified
        && expected != current.last_modified
    {
        // [UNVERIFIED] code and message: optimistic concurrency on last_modified.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "RESOURCE_CONFLICT",
            format!(
                "The pipeline {id} was modified at {} since {expected}; read it again.",
                current.last_modified
            ),
        ));
    }
    super::check_name(st, &req, Some(id))?;
    let mut new_spec = req.spec;
    spec::fill_defaults(&mut new_spec, id);
    let storage = |s: &Map<String, Value>| s.get("storage").cloned();
    if storage(&new_spec) != storage(&current.spec) {
        // match cloud behaviour: storage is immutable (Terraform recreates the pipeline),
        // which also refuses a switch between storage and catalog. [UNVERIFIED] message.
        return Err(ApiError::invalid(format!(
            "The storage location of pipeline {id} cannot be changed; create a new pipeline instead."
        )));
    }
    if let Some(owner) = &req.run_as_principal {
        // The run-as identity is the owner: setting it moves IS_OWNER.
        let mut grants: Vec<Grant> = st.permissions.direct("pipelines", id).to_vec();
        grants.retain(|g| g.permission_level != "IS_OWNER" && g.principal != *owner);
        grants.push(Grant {
            principal: owner.clone(),
            permission_level: "IS_OWNER".into(),
        });
        st.permissions.set_direct("pipelines", id, grants);
    }
    let update_id = st.ids.uuid();
    let p = st.pipelines.get_mut_or_404(id)?;
    // [UNVERIFIED] turning `continuous` on starts an idle pipeline; turning it off leaves a
    // running update running until `stop` (the stricter reading: a migrator must stop it).
    let start =
        super::is_continuous(&new_spec) && !super::is_continuous(&p.spec) && p.state == "IDLE";
    p.spec = new_spec;
    p.parameters = req.parameters;
    if req.run_as.is_some() {
        p.run_as = req.run_as;
    }
    p.last_modified = now_ms();
    if start {
        super::start_update(p, update_id, "USER_ACTION", Map::new());
    }
    Ok(start)
}

pub(crate) async fn edit(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    st.pipelines.get_or_404(&id)?;
    let req = spec::parse(&st, body)?;
    let started = apply_edit(&mut st, &id, req)?;
    drop(st);
    if started {
        emu.stats.pipeline_update_started();
    }
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    q.bool("cascade")?;
    q.bool("force")?;
    let mut st = emu.lock();
    // The real deletion is asynchronous (GET answers until it is done); the emulator's is
    // immediate, which every poller accepts.
    st.pipelines.remove_or_404(&id)?;
    st.permissions.remove_object("pipelines", &id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn stop(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    // Documented: a no-op when no update runs.
    super::stop(st.pipelines.get_mut_or_404(&id)?);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn start_update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let update_id = st.ids.uuid();
    let p = st.pipelines.get_mut_or_404(&id)?;
    if p.state == "RUNNING" {
        // Documented: starting an update while one is active fails. [UNVERIFIED] code.
        return Err(ApiError::invalid_state(format!(
            "An active update already exists for pipeline {id}."
        )));
    }
    let cause = match body.remove("cause") {
        Some(Value::String(c)) if !c.is_empty() => c,
        _ => "API_CALL".into(),
    };
    super::start_update(p, update_id.clone(), &cause, body);
    drop(st);
    emu.stats.pipeline_update_started();
    emu.mark_dirty();
    Ok(Json(json!({ "update_id": update_id })))
}

pub(crate) async fn list_updates(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let p = st.pipelines.get_or_404(&id)?;
    let updates: Vec<Value> = p
        .updates
        .iter()
        .rev()
        .map(|u| super::update_info(p, u))
        .collect();
    if updates.is_empty() {
        return Ok(Json(json!({})));
    }
    Ok(Json(json!({ "updates": updates })))
}

pub(crate) async fn get_update(
    State(emu): State<AppState>,
    Path((id, update_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let p = st.pipelines.get_or_404(&id)?;
    let u = p
        .updates
        .iter()
        .find(|u| u.update_id == update_id)
        .ok_or_else(|| {
            ApiError::not_found(format!("The specified update {update_id} was not found."))
        })?;
    Ok(Json(json!({ "update": super::update_info(p, u) })))
}
