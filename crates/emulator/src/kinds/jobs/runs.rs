//! Minimal job runs: `run-now`, `runs/get`, `runs/list`, `runs/cancel`.
//!
//! Runs execute nothing. A run is RUNNING for the emulator's start delay, then TERMINATED
//! with SUCCESS (or CANCELED if cancelled first, SKIPPED when the job allows 0 concurrent
//! runs). Enough for a migrator's smoke test ("does the migrated job start?").

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{job_id_of, version_of};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::clusters::Delays;
use crate::state::{ApiVersion, AppState, Caller, caller_of, now_ms};
use crate::store::Keyed;

/// One run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// int64 id.
    pub run_id: i64,
    /// The job it belongs to.
    pub job_id: i64,
    /// 1, 2, … per job.
    pub number_in_job: i64,
    /// The job's name when it started.
    pub run_name: String,
    /// Who started it.
    pub creator_user_name: String,
    /// ms since epoch.
    pub start_time: i64,
    /// ms since epoch, when cancelled.
    #[serde(default)]
    pub cancelled_at: Option<i64>,
    /// Skipped (max_concurrent_runs = 0).
    #[serde(default)]
    pub skipped: bool,
    /// `job_parameters` given to run-now.
    #[serde(default)]
    pub job_parameters: Option<Value>,
}

impl Run {
    /// (life_cycle_state, result_state) at `now`.
    pub fn state(&self, now: i64, d: Delays) -> (&'static str, Option<&'static str>) {
        if self.skipped {
            ("SKIPPED", Some("SKIPPED"))
        } else if self.cancelled_at.is_some() {
            ("TERMINATED", Some("CANCELED"))
        } else if now < self.start_time.saturating_add(d.start_ms) {
            ("RUNNING", None)
        } else {
            ("TERMINATED", Some("SUCCESS"))
        }
    }

    fn view(&self, now: i64, d: Delays) -> Value {
        let (life, result) = self.state(now, d);
        let mut state = json!({"life_cycle_state": life, "state_message": ""});
        if let Some(r) = result {
            state["result_state"] = json!(r);
        }
        let mut out = json!({
            "run_id": self.run_id, "job_id": self.job_id, "number_in_job": self.number_in_job,
            "run_name": self.run_name, "creator_user_name": self.creator_user_name,
            "start_time": self.start_time, "state": state, "run_type": "JOB_RUN",
            "trigger": "ONE_TIME",
        });
        if life == "TERMINATED" || life == "SKIPPED" {
            let end = self.cancelled_at.unwrap_or(self.start_time + d.start_ms);
            out["end_time"] = json!(end);
        }
        if let Some(p) = &self.job_parameters {
            out["job_parameters"] = p.clone();
        }
        out
    }
}

fn no_such_run(id: impl std::fmt::Display) -> ApiError {
    // match cloud behaviour: an unknown run is 400 INVALID_PARAMETER_VALUE.
    ApiError::invalid(format!("Run {id} does not exist."))
}

pub(crate) async fn run_now(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    version: Option<Extension<ApiVersion>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let v = version_of(version);
    let job_id = job_id_of(body.get("job_id"))?;
    let mut st = emu.lock();
    let job = st.jobs.get_or_404(&(job_id, v))?;
    let name = job
        .settings
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Untitled")
        .to_string();
    let skipped = job
        .settings
        .get("max_concurrent_runs")
        .and_then(Value::as_i64)
        == Some(0);
    let number = st.jobs.runs.values().filter(|r| r.job_id == job_id).count() as i64 + 1;
    let run_id = st.ids.next_int();
    st.jobs.runs.insert(
        run_id,
        Run {
            run_id,
            job_id,
            number_in_job: number,
            run_name: name,
            creator_user_name: caller.user_name,
            start_time: now_ms(),
            cancelled_at: None,
            skipped,
            job_parameters: body.get("job_parameters").cloned(),
        },
    );
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "run_id": run_id, "number_in_job": number })))
}

fn run_id_of(v: Option<&str>) -> ApiResult<i64> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: run_id"))?
        .parse()
        .map_err(|_| ApiError::invalid("run_id must be an integer"))
}

pub(crate) async fn get_run(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let id = run_id_of(q.get("run_id"))?;
    let st = emu.lock();
    let run = st.jobs.runs.get(&id).ok_or_else(|| no_such_run(id))?;
    Ok(Json(run.view(now_ms(), Delays::of(&emu))))
}

pub(crate) async fn list_runs(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let limit = q.i64("limit")?.unwrap_or(20);
    // Documented: 1..=25 runs per page.
    if !(1..=25).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and 25, got {limit}."
        )));
    }
    let job = q.i64("job_id")?;
    let active_only = q.bool("active_only")?.unwrap_or(false);
    let completed_only = q.bool("completed_only")?.unwrap_or(false);
    if active_only && completed_only {
        return Err(ApiError::invalid(
            "active_only and completed_only cannot both be true.",
        ));
    }
    let offset = match q.get("page_token").filter(|t| !t.is_empty()) {
        Some(t) => t
            .strip_prefix("runs-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid(format!("Invalid page_token: {t}")))?,
        None => q.i64("offset")?.unwrap_or(0).max(0) as usize,
    };
    let (now, d) = (now_ms(), Delays::of(&emu));
    let st = emu.lock();
    // Newest first, as the service lists them.
    let runs: Vec<&Run> = st
        .jobs
        .runs
        .values()
        .rev()
        .filter(|r| job.is_none_or(|j| r.job_id == j))
        .filter(|r| {
            let active = r.state(now, d).0 == "RUNNING";
            (!active_only || active) && (!completed_only || !active)
        })
        .collect();
    let limit = limit as usize;
    let page: Vec<Value> = runs
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| r.view(now, d))
        .collect();
    let has_more = offset.saturating_add(limit) < runs.len();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("runs".into(), Value::Array(page));
    }
    out.insert("has_more".into(), json!(has_more));
    if has_more {
        out.insert(
            "next_page_token".into(),
            json!(format!("runs-{}", offset + limit)),
        );
    }
    Ok(Json(Value::Object(out)))
}

#[derive(Deserialize)]
pub(crate) struct CancelBody {
    run_id: Option<i64>,
}

pub(crate) async fn cancel(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<CancelBody>,
) -> ApiResult<Json<Value>> {
    let id = body
        .run_id
        .ok_or_else(|| ApiError::invalid("Missing required field: run_id"))?;
    let (now, d) = (now_ms(), Delays::of(&emu));
    let mut st = emu.lock();
    let run = st.jobs.runs.get_mut(&id).ok_or_else(|| no_such_run(id))?;
    if run.state(now, d).0 == "RUNNING" {
        run.cancelled_at = Some(now);
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
