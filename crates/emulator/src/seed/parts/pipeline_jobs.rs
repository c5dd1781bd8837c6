//! Jobs that run pipelines and notify destinations, a seed part ([`super`]): the jobs a
//! workspace with pipelines has — a nightly refresh, a weekly full refresh of two pipelines,
//! an orchestrator of selected tables — with `webhook_notifications` to the seeded
//! notification destinations at job and at task level.
//!
//! They are jobs like the core ones (same store, same defaults), but new ones: created after
//! every core job, their ids from a fork of the workspace's generator ([`IdGen::fork`], salt
//! [`SALT`]; 16 digits, above every id the workspace hands out), so the core jobs, and every
//! job created later, keep their ids. They are planned naming pipelines and
//! destinations by name ([`Plan::pipelines`], [`Plan::destinations`]: those ids do not exist
//! yet); install swaps each name for the id of the installed object of that name. `typical`
//! has three ([`SHAPES`]); `scale:N` repeats them, numbered, spreading over the seeded
//! pipelines. Each is owned by the admin who created it, and one group may manage its runs.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::destinations::{EMAIL, PAGERDUTY, SLACK, WEBHOOK};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::jobs;
use crate::kinds::permissions::{Grant, Principal};
use crate::seed::install::refused;
use crate::seed::plan::{Plan, SEED_EPOCH_MS};
use crate::seed::tree::nb;
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 3;

/// The part: 3 jobs in `typical`.
pub const PART: Part = Part {
    kind: "jobs with pipeline tasks",
    typical: 3,
    max: usize::MAX,
    generate,
};

/// The shapes' names, in order.
pub const SHAPES: &[&str] = &[
    "DLT Nightly Refresh",
    "DLT Weekly Full Refresh",
    "Marketing Pipeline Orchestrator",
];

/// A planned job: settings naming pipelines and destinations by name, its creator, creation
/// time, and the group that may manage its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    /// The JobSettings, `pipeline_id`s and webhook `id`s holding names.
    pub settings: Map<String, Value>,
    /// Who created it (its IS_OWNER).
    pub creator: String,
    /// ms since the epoch.
    pub created_time: i64,
    /// A workspace group with CAN_MANAGE_RUN.
    pub group: String,
}

/// The planned jobs, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineJobs(pub Vec<PlannedJob>);

/// References a job may use, resolved from the plan.
struct Refs<'a> {
    plan: &'a Plan,
    round: usize,
    /// The all-purpose clusters' ids.
    clusters: &'a [&'a str],
}

impl Refs<'_> {
    /// Pipeline `shape` of this round (typical: the pipeline of that shape).
    fn pipeline(&self, shape: usize) -> String {
        let p = &self.plan.pipelines;
        p[(self.round * 6 + shape) % p.len()].clone()
    }
    /// A destination of this type, this round's when there is one.
    fn dest(&self, kind: usize) -> Value {
        let d = &self.plan.destinations;
        let rounds = d.len().div_ceil(4).max(1);
        let i = (self.round % rounds) * 4 + kind;
        json!({"id": d[if i < d.len() { i } else { kind % d.len() }]})
    }
    fn nb(&self, named: usize) -> String {
        let n = &self.plan.notebooks;
        n[named % n.len()].path.clone()
    }
    fn cluster(&self, i: usize) -> String {
        self.clusters[i % self.clusters.len()].to_string()
    }
}

fn pipeline_task(key: &str, pipeline_id: String, full_refresh: bool) -> Value {
    json!({"task_key": key,
           "pipeline_task": {"pipeline_id": pipeline_id, "full_refresh": full_refresh}})
}

/// The settings of shape `shape`, and its job-level webhook notifications.
fn settings(shape: usize, r: &Refs) -> (Value, Value) {
    match shape {
        0 => (
            json!({
                "tasks": [
                    pipeline_task("refresh_sales", r.pipeline(0), false),
                    {"task_key": "publish", "depends_on": [{"task_key": "refresh_sales"}],
                     "existing_cluster_id": r.cluster(2),
                     "notebook_task": {"notebook_path": r.nb(nb::AGGREGATE), "source": "WORKSPACE"}}
                ],
                "schedule": {"quartz_cron_expression": "0 0 1 * * ?", "timezone_id": "UTC",
                             "pause_status": "UNPAUSED"}
            }),
            json!({"on_failure": [r.dest(SLACK), r.dest(PAGERDUTY)], "on_success": [r.dest(EMAIL)]}),
        ),
        1 => {
            let mut finance = pipeline_task("full_refresh_finance", r.pipeline(2), true);
            finance["webhook_notifications"] = json!({"on_failure": [r.dest(WEBHOOK)]});
            let mut customers = pipeline_task("refresh_customers", r.pipeline(3), false);
            customers["depends_on"] = json!([{"task_key": "full_refresh_finance"}]);
            (
                json!({
                    "tasks": [finance, customers],
                    "schedule": {"quartz_cron_expression": "0 0 3 ? * SUN", "timezone_id": "UTC",
                                 "pause_status": "PAUSED"},
                    "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN",
                                          "value": 7200}]}
                }),
                json!({"on_start": [r.dest(EMAIL)],
                       "on_duration_warning_threshold_exceeded": [r.dest(SLACK)]}),
            )
        }
        _ => {
            let mut attribution = json!({"task_key": "attribution", "pipeline_task": {
                "pipeline_id": r.pipeline(5), "refresh_selection": ["touchpoints", "conversions"]}});
            attribution["webhook_notifications"] = json!({
                "on_success": [r.dest(SLACK)],
                "on_failure": [r.dest(PAGERDUTY), r.dest(WEBHOOK)]});
            (
                json!({"tasks": [attribution], "tags": {"team": "marketing"}}),
                json!({"on_failure": [r.dest(WEBHOOK)]}),
            )
        }
    }
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let core = plan.jobs.len();
    let groups: Vec<String> = (plan.groups.iter())
        .filter(|g| !g.account)
        .map(|g| g.display_name.clone())
        .collect();
    let clusters: Vec<&str> = (plan.clusters.iter())
        .filter(|c| c.source != "JOB")
        .map(|c| c.spec.id.as_str())
        .collect();
    let planned = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let r = Refs {
                plan,
                round,
                clusters: &clusters,
            };
            let (s, hooks) = settings(shape, &r);
            let name = match round {
                0 => SHAPES[shape].to_string(),
                _ => format!("{} #{}", SHAPES[shape], round + 1),
            };
            let mut settings = crate::seed::jobs::filled(s, name);
            settings.insert("webhook_notifications".into(), hooks);
            PlannedJob {
                settings,
                creator: plan.users[0].user_name.clone(),
                created_time: SEED_EPOCH_MS + ((core + k) as i64) * 60_000,
                group: groups[(k + 2) % groups.len()].clone(),
            }
        })
        .collect();
    Box::new(PipelineJobs(planned))
}

impl Planned for PipelineJobs {
    fn objects(&self) -> usize {
        self.0.len()
    }

    /// Installs each job as create would store it, its names swapped for ids and then
    /// checked as create checks it (its pipelines and destinations exist: their parts come
    /// earlier).
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        let pipelines: HashMap<String, String> = (st.pipelines.pipelines.values())
            .map(|p| {
                (
                    p.spec["name"].as_str().unwrap_or("").to_string(),
                    p.pipeline_id.clone(),
                )
            })
            .collect();
        let destinations: HashMap<String, String> = (st.destinations.destinations.values())
            .map(|d| (d.display_name.clone(), d.id.clone()))
            .collect();
        let mut ids = st.ids.fork(SALT);
        for mut j in self.0 {
            let name = j
                .settings
                .get("name")
                .cloned()
                .unwrap_or_default()
                .to_string();
            resolve(&mut j.settings, &pipelines, &destinations).map_err(|e| refused(&name, e))?;
            jobs::validate::check(&j.settings, st).map_err(|e| refused(&name, e))?;
            let job_id = ids.next_int();
            let owner = Grant {
                principal: Principal::UserName(j.creator.clone()),
                permission_level: "IS_OWNER".into(),
            };
            let runs = Grant {
                principal: Principal::GroupName(j.group),
                permission_level: "CAN_MANAGE_RUN".into(),
            };
            (st.permissions).set_direct("jobs", &job_id.to_string(), vec![owner, runs]);
            st.jobs.jobs.insert(
                job_id,
                jobs::Job {
                    job_id,
                    creator_user_name: j.creator,
                    created_time: j.created_time,
                    settings: j.settings,
                },
            );
        }
        Ok(())
    }
}

/// Swaps the names in a planned job for ids: each task's `pipeline_task.pipeline_id`, and
/// each webhook `id` at job and task level.
fn resolve(
    settings: &mut Map<String, Value>,
    pipelines: &HashMap<String, String>,
    destinations: &HashMap<String, String>,
) -> Result<(), String> {
    let swap = |v: &mut Value, ids: &HashMap<String, String>| -> Result<(), String> {
        let name = v.as_str().unwrap_or("").to_string();
        *v = json!(ids.get(&name).ok_or(format!("no object named {name}"))?);
        Ok(())
    };
    let hooks = |w: Option<&mut Value>| -> Result<(), String> {
        let events = w
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|m| m.values_mut());
        for d in events.filter_map(Value::as_array_mut).flatten() {
            if let Some(id) = d.get_mut("id") {
                swap(id, destinations)?;
            }
        }
        Ok(())
    };
    hooks(settings.get_mut("webhook_notifications"))?;
    let tasks = settings.get_mut("tasks").and_then(Value::as_array_mut);
    for t in tasks.into_iter().flatten() {
        if let Some(p) = t.pointer_mut("/pipeline_task/pipeline_id") {
            swap(p, pipelines)?;
        }
        hooks(t.get_mut("webhook_notifications"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_adds_three_jobs_after_the_core_ones() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        // Later parts add jobs of their own.
        let later = super::super::sql_jobs::PART.typical;
        assert_eq!(st.jobs.jobs.len(), Counts::TYPICAL.jobs + 3 + later);
        let tasks = |j: &jobs::Job| j.settings["tasks"].as_array().cloned().unwrap_or_default();
        let with_pipelines: Vec<&jobs::Job> = (st.jobs.jobs.values())
            .filter(|j| tasks(j).iter().any(|t| t.get("pipeline_task").is_some()))
            .collect();
        assert_eq!(with_pipelines.len(), 3);
        for j in &with_pipelines {
            let hooks = j.settings["webhook_notifications"].as_object().unwrap();
            assert!(!hooks.is_empty(), "job-level webhooks");
        }
        let task_hooks = (with_pipelines.iter())
            .flat_map(|j| tasks(j))
            .filter(|t| t.get("webhook_notifications").is_some())
            .count();
        assert_eq!(task_hooks, 2);
        assert!(PART.count(&Counts::scaled(1000)) > 3);
    }
}
