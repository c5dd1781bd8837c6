//! Jobs that run SQL queries, alerts and dashboards, a seed part ([`super`]): a daily SQL
//! reports refresh (a query task, then an alert task with subscriptions), dashboard snapshots
//! (an AI/BI dashboard task subscribing a user and a notification destination; no legacy
//! dashboard task: the platform refuses one naming a dashboard the target lacks, and legacy
//! dashboards are not re-created, so such a job cannot be migrated whole — the engine's unit
//! tests cover it), and SQL quality alerts (two alert tasks after a query task) — [`SHAPES`].
//!
//! New jobs like the other parts' (same store, same defaults), created after every earlier
//! job, ids from a fork of the generator (salt [`SALT`]). Planned naming their queries,
//! alerts, dashboards and destinations by name; install swaps each name for the id of the
//! installed object and checks the job as create does (so the objects must exist: their parts
//! come earlier). One is scheduled UNPAUSED, one PAUSED, one has no schedule. `scale:N`
//! repeats them, numbered.

use serde_json::{Map, Value, json};

use super::sql_common::{self as c, with_fork};
use super::sql_queries::query_named;
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::jobs;
use crate::kinds::permissions::{Grant, Principal};
use crate::seed::install::refused;
use crate::seed::plan::{Plan, SEED_EPOCH_MS};
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 9;

/// The part: 3 jobs in `typical`.
pub const PART: Part = Part {
    kind: "jobs with SQL and dashboard tasks",
    typical: 3,
    max: usize::MAX,
    generate,
};

/// The shapes' names, in order.
pub const SHAPES: &[&str] = &[
    "SQL Reports Refresh",
    "Dashboard Snapshots",
    "SQL Quality Alerts",
];

/// A planned job: settings naming objects by name (`query_id`, `alert_id`, `dashboard_id`,
/// `destination_id` hold names), creator, creation time, and a group that may manage its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    /// The JobSettings.
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
pub struct SqlJobs(pub Vec<PlannedJob>);

fn pick(names: &[String], i: usize) -> String {
    names
        .get(i % names.len().max(1))
        .cloned()
        .unwrap_or_default()
}

fn settings(shape: usize, round: usize, plan: &Plan) -> Value {
    let wh = c::warehouse(plan, round);
    let q = |i: usize| pick(&plan.queries, round * 12 + i);
    let a = |i: usize| pick(&plan.alerts, round * 3 + i);
    let user = |i: usize| json!({"user_name": c::user(plan, i)});
    match shape {
        0 => json!({
            "tasks": [
                {"task_key": "refresh_revenue", "sql_task": {"warehouse_id": wh, "query": {"query_id": q(0)}}},
                {"task_key": "revenue_alert", "depends_on": [{"task_key": "refresh_revenue"}],
                 "sql_task": {"warehouse_id": wh, "alert": {"alert_id": a(0),
                     "subscriptions": [user(1), user(2)], "pause_subscriptions": false}}}
            ],
            "schedule": {"quartz_cron_expression": "0 30 6 * * ?", "timezone_id": "Europe/Paris",
                         "pause_status": "UNPAUSED"}
        }),
        1 => json!({
            "tasks": [
                {"task_key": "snapshot_sales", "dashboard_task": {
                    "dashboard_id": pick(&plan.dashboards, round * 6), "warehouse_id": wh,
                    "subscription": {"custom_subject": "Sales this week", "paused": false,
                        "subscribers": [user(3), {"destination_id": pick(&plan.destinations, 0)}]}}}
            ],
            "schedule": {"quartz_cron_expression": "0 0 7 ? * MON", "timezone_id": "UTC",
                         "pause_status": "PAUSED"}
        }),
        _ => json!({
            "tasks": [
                {"task_key": "freshness", "sql_task": {"warehouse_id": wh, "query": {"query_id": q(6)}}},
                {"task_key": "stale_alert", "depends_on": [{"task_key": "freshness"}],
                 "sql_task": {"warehouse_id": wh, "alert": {"alert_id": a(1), "subscriptions": [user(5)]}}},
                {"task_key": "failed_alert", "depends_on": [{"task_key": "freshness"}],
                 "sql_task": {"warehouse_id": wh, "alert": {"alert_id": a(2), "subscriptions": []}}}
            ],
            "tags": {"team": "data-quality"}
        }),
    }
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let before = plan.jobs.len() + super::pipeline_jobs::PART.typical;
    let planned = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let name = c::numbered(SHAPES[shape], round);
            PlannedJob {
                settings: crate::seed::jobs::filled(settings(shape, round, plan), name),
                creator: c::user(plan, 0),
                created_time: SEED_EPOCH_MS + ((before + k) as i64) * 60_000,
                group: c::group(plan, k + 4),
            }
        })
        .collect();
    Box::new(SqlJobs(planned))
}

/// Finds an installed object's id by its name.
type Finder<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Swaps the object names in a planned job for the installed objects' ids.
fn resolve(settings: &mut Map<String, Value>, st: &State) -> Result<(), String> {
    let by_name = |v: &mut Value, find: Finder| -> Result<(), String> {
        let name = v.as_str().unwrap_or("").to_string();
        *v = json!(find(&name).ok_or(format!("no object named {name}"))?);
        Ok(())
    };
    let alert = |n: &str| {
        (st.sql.alerts.values())
            .find(|a| a.display_name() == n)
            .map(|a| a.id.clone())
    };
    let dashboard = |n: &str| {
        (st.lakeview.dashboards.values())
            .find(|d| d.display_name == n)
            .map(|d| d.dashboard_id.clone())
    };
    let legacy = |n: &str| {
        (st.sql.legacy_dashboards.values())
            .find(|d| d.name == n)
            .map(|d| d.id.clone())
    };
    let destination = |n: &str| {
        (st.destinations.destinations.values())
            .find(|d| d.display_name == n)
            .map(|d| d.id.clone())
    };
    let query = |n: &str| query_named(st, n);
    let tasks = settings.get_mut("tasks").and_then(Value::as_array_mut);
    for t in tasks.into_iter().flatten() {
        let paths: [(&str, Finder); 4] = [
            ("/sql_task/query/query_id", &query),
            ("/sql_task/alert/alert_id", &alert),
            ("/sql_task/dashboard/dashboard_id", &legacy),
            ("/dashboard_task/dashboard_id", &dashboard),
        ];
        for (p, find) in paths {
            if let Some(v) = t.pointer_mut(p) {
                by_name(v, find)?;
            }
        }
        let subs = t
            .pointer_mut("/dashboard_task/subscription/subscribers")
            .and_then(Value::as_array_mut);
        for s in subs.into_iter().flatten() {
            if let Some(d) = s.get_mut("destination_id") {
                by_name(d, &destination)?;
            }
        }
    }
    Ok(())
}

impl Planned for SqlJobs {
    fn objects(&self) -> usize {
        self.0.len()
    }

    /// Installs each job as create would store it, its names swapped for ids, checked as
    /// create checks it.
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            for mut j in self.0 {
                let name = j
                    .settings
                    .get("name")
                    .cloned()
                    .unwrap_or_default()
                    .to_string();
                resolve(&mut j.settings, st).map_err(|e| refused(&name, e))?;
                jobs::validate::check(&j.settings, st).map_err(|e| refused(&name, e))?;
                let job_id = st.ids.next_int();
                let grants = vec![
                    Grant {
                        principal: Principal::UserName(j.creator.clone()),
                        permission_level: "IS_OWNER".into(),
                    },
                    c::to_group(j.group, "CAN_MANAGE_RUN"),
                ];
                st.permissions
                    .set_direct("jobs", &job_id.to_string(), grants);
                let job = jobs::Job {
                    job_id,
                    creator_user_name: j.creator,
                    created_time: j.created_time,
                    settings: j.settings,
                };
                st.jobs.jobs.insert(job_id, job);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_adds_three_jobs_naming_seeded_sql_objects() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        let sql_jobs: Vec<&jobs::Job> = (st.jobs.jobs.values())
            .filter(|j| SHAPES.contains(&j.settings["name"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(sql_jobs.len(), 3);
        let tasks: Vec<&Value> = sql_jobs
            .iter()
            .flat_map(|j| j.settings["tasks"].as_array().unwrap())
            .collect();
        let has = |p: &str| tasks.iter().filter(|t| t.pointer(p).is_some()).count();
        assert_eq!(has("/sql_task/query/query_id"), 2);
        assert_eq!(has("/sql_task/alert/alert_id"), 3);
        assert_eq!(
            has("/sql_task/dashboard/dashboard_id"),
            0,
            "no legacy dashboard task"
        );
        assert_eq!(has("/dashboard_task/dashboard_id"), 1);
        let d = tasks
            .iter()
            .find_map(|t| t.pointer("/dashboard_task/dashboard_id"))
            .unwrap();
        assert!(st.lakeview.has_active(d.as_str().unwrap()));
    }
}
