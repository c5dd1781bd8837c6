//! A job's settings as the engine migrates them: every reference at a declared path, the
//! schedule, trigger and continuous mode paused, queueing made explicit, the source-id tag
//! added, and what cannot be migrated collected as problems.
//!
//! What is not the API's goes to the job's side-car ([`Facts`]): a path that is not a
//! workspace reference (a Git-relative notebook, a `/Repos` path, a DBFS file) is held out
//! of the spec so the notebooks reference does not see it, and put back by [`to_api`]; the
//! secret scopes its clusters read, the clusters its tasks ran on that no longer exist, and
//! the problems are facts too.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::kinds::clusters::writable_spec;
use crate::kinds::facts::{Facts, FieldAt};
use crate::kinds::secret_scopes;
use crate::kinds::shared::{SOURCE_ID_TAG, in_repos, normalise_path};
use crate::ledger::{Action, Category};

/// The most tags a job may have.
const MAX_TAGS: usize = 25;

/// What the job spec builder found.
pub struct Built {
    /// The spec.
    pub spec: Value,
    /// Manual actions (unpause at cut-over).
    pub manual: Vec<Action>,
    /// Its side-car.
    pub facts: Facts,
}

/// The settings as the API takes them: `v` with the paths held out of it put back.
pub fn to_api(v: &Value, facts: &Facts) -> Value {
    facts.with_kept(v)
}

/// Whether a path in a task points into the workspace tree the notebooks kind migrates.
fn is_workspace_path(p: &str) -> bool {
    p.starts_with('/') && !in_repos(&normalise_path(p))
}

/// Holds `field` of `obj` (at pointer `at`) out of the spec, in `facts`, unless it is a
/// workspace path (then it is normalised and left where the reference sees it).
fn mark_path(
    obj: &mut Map<String, Value>,
    at: String,
    field: &str,
    from_git: bool,
    facts: &mut Facts,
) {
    let Some(Value::String(p)) = obj.get(field).cloned() else {
        return;
    };
    if !from_git && is_workspace_path(&p) {
        obj.insert(field.into(), json!(normalise_path(&p)));
    } else {
        obj.remove(field);
        facts.kept.push(FieldAt {
            at,
            field: field.into(),
            value: p,
        });
    }
}

/// A job cluster spec at pointer `at` made writable, the scopes it reads recorded.
fn cluster_at(nc: &mut Map<String, Value>, at: String, facts: &mut Facts) {
    facts.need(secret_scopes::NAME, writable_spec(nc), &at);
}

/// References to objects brickport does not migrate (they live outside the workspace objects
/// it knows): keeping the source id would point the target job at nothing, or at something
/// else, so the job fails with the reason instead.
const NOT_MIGRATED: &[(&str, &str)] = &[
    ("/sql_task/query/query_id", "SQL query"),
    ("/sql_task/alert/alert_id", "SQL alert"),
];

fn not_migrated(whose: &str, what: &str, id: &str) -> String {
    format!(
        "{whose} uses {what} {id}, which brickport does not migrate: re-create it in the target, then point the job at it there (and leave this job out), or remove the reference in the source and run again"
    )
}

/// A `sql_task` refreshing a dashboard names a *legacy* dashboard, which brickport lists but
/// does not re-create (the `legacy_sql` kind): the job cannot point at its copy.
const LEGACY_DASHBOARD: &str = "/sql_task/dashboard/dashboard_id";

fn legacy_dashboard(whose: &str, id: &str) -> String {
    format!(
        "{whose} uses SQL dashboard {id}, a legacy dashboard, which brickport does not re-create: convert it to an AI/BI dashboard in the source and refresh that one with a dashboard task, then run again"
    )
}

/// What the tasks of one job are checked against: the source's clusters and jobs.
struct Known<'a> {
    has_git: bool,
    clusters: &'a BTreeSet<String>,
    jobs: &'a BTreeSet<String>,
}

/// Shapes one task at pointer `at` (and the task inside a for-each task).
fn task(t: &mut Map<String, Value>, at: &str, known: &Known<'_>, facts: &mut Facts) {
    let Known {
        has_git,
        clusters,
        jobs,
    } = *known;
    let key = t
        .get("task_key")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    if let Some(c) = t.get("existing_cluster_id").and_then(crate::json::as_id)
        && !clusters.contains(&c)
    {
        t.remove("existing_cluster_id");
        facts.missing_clusters.push(FieldAt {
            at: at.to_string(),
            field: "existing_cluster_id".into(),
            value: c.clone(),
        });
        facts.problems.push(format!(
            "task `{key}` runs on cluster {c}, which no longer exists in the source: point the task at an existing cluster or a job cluster in the source, then run again"
        ));
    }
    if let Some(Value::Object(nc)) = t.get_mut("new_cluster") {
        cluster_at(nc, format!("{at}/new_cluster"), facts);
    }
    let git = |o: &Map<String, Value>| match o.get("source").and_then(Value::as_str) {
        Some(s) => s.eq_ignore_ascii_case("GIT"),
        None => has_git,
    };
    if let Some(Value::Object(nt)) = t.get_mut("notebook_task") {
        let g = git(nt);
        mark_path(nt, format!("{at}/notebook_task"), "notebook_path", g, facts);
    }
    if let Some(Value::Object(pt)) = t.get_mut("spark_python_task") {
        let g = git(pt);
        mark_path(
            pt,
            format!("{at}/spark_python_task"),
            "python_file",
            g,
            facts,
        );
    }
    if let Some(Value::Object(f)) = t.get_mut("sql_task").and_then(|s| s.get_mut("file")) {
        let g = git(f);
        mark_path(f, format!("{at}/sql_task/file"), "path", g, facts);
    }
    if let Some(j) = t
        .get("run_job_task")
        .and_then(|r| r.get("job_id"))
        .and_then(crate::json::as_id)
        && !jobs.contains(&j)
    {
        facts.problems.push(format!(
            "task `{key}` runs job {j}, which does not exist in the source: fix the task in the source, then run again"
        ));
        if let Some(Value::Object(r)) = t.get_mut("run_job_task") {
            r.remove("job_id");
        }
    }
    let node = Value::Object(t.clone());
    for (pointer, what) in NOT_MIGRATED {
        if let Some(id) = node.pointer(pointer).and_then(crate::json::as_id) {
            facts
                .problems
                .push(not_migrated(&format!("task `{key}`"), what, &id));
        }
    }
    if let Some(id) = node.pointer(LEGACY_DASHBOARD).and_then(crate::json::as_id) {
        let whose = format!("task `{key}`");
        facts.problems.push(legacy_dashboard(&whose, &id));
    }
    if let Some(Value::Object(inner)) = t.get_mut("for_each_task").and_then(|f| f.get_mut("task")) {
        task(inner, &format!("{at}/for_each_task/task"), known, facts);
    }
}

/// The spec of a job's settings. `run_as_user_name` is the effective identity the source job
/// runs as (made explicit when the settings do not name one, so the target job runs as the
/// same principal and not as the migrating one).
pub fn build(
    settings: &Value,
    source_id: &str,
    run_as_user_name: Option<&str>,
    clusters: &BTreeSet<String>,
    jobs: &BTreeSet<String>,
) -> Built {
    let mut s = match settings {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Untitled")
        .to_string();
    // Ignored on write (read as MULTI_TASK); create-only.
    s.remove("format");
    s.remove("access_control_list");
    // 2.2 turns queueing on for new jobs: keep the source's behaviour.
    s.entry("queue").or_insert(json!({"enabled": false}));
    if !s.contains_key("run_as")
        && let Some(who) = run_as_user_name.filter(|w| !w.is_empty())
    {
        let field = if uuid_like(who) {
            "service_principal_name"
        } else {
            "user_name"
        };
        s.insert("run_as".into(), json!({ field: who }));
    }
    let tags = s.entry("tags").or_insert(json!({}));
    if let Value::Object(t) = tags
        && t.len() < MAX_TAGS
    {
        t.insert(SOURCE_ID_TAG.into(), json!(source_id));
    }
    let mut manual = Vec::new();
    let mut unpaused = Vec::new();
    for f in ["schedule", "trigger", "continuous"] {
        if let Some(Value::Object(block)) = s.get_mut(f) {
            let was = block
                .get("pause_status")
                .and_then(Value::as_str)
                .unwrap_or("UNPAUSED")
                .to_string();
            if was != "PAUSED" {
                unpaused.push(f);
            }
            block.insert("pause_status".into(), json!("PAUSED"));
        }
    }
    if !unpaused.is_empty() {
        manual.push(Action::new(Category::Unpause, format!(
            "unpause at cut-over: job `{name}` ({}) was UNPAUSED in the source; it was created PAUSED",
            unpaused.join(", ")
        )));
    }
    let known = Known {
        has_git: s.get("git_source").is_some_and(|g| !g.is_null()),
        clusters,
        jobs,
    };
    let mut facts = Facts::default();
    if let Some(Value::Array(tasks)) = s.get_mut("tasks") {
        for (i, t) in tasks.iter_mut().enumerate() {
            if let Value::Object(t) = t {
                task(t, &format!("/tasks/{i}"), &known, &mut facts);
            }
        }
    }
    if let Some(Value::Array(jcs)) = s.get_mut("job_clusters") {
        for (i, jc) in jcs.iter_mut().enumerate() {
            if let Some(Value::Object(nc)) = jc.get_mut("new_cluster") {
                cluster_at(nc, format!("/job_clusters/{i}/new_cluster"), &mut facts);
            }
        }
    }
    Built {
        spec: Value::Object(s),
        manual,
        facts,
    }
}

/// An application id (a UUID) rather than a user name.
pub fn uuid_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_paths_pause_and_problems() {
        let settings = json!({
            "name": "j", "format": "MULTI_TASK",
            "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED"},
            "tasks": [
                {"task_key": "a", "existing_cluster_id": "gone", "notebook_task": {"notebook_path": "/Workspace/Shared/nb"}},
                {"task_key": "b", "notebook_task": {"notebook_path": "rel/nb", "source": "GIT"}},
                {"task_key": "d", "pipeline_task": {"pipeline_id": "p-1"},
                 "webhook_notifications": {"on_failure": [{"id": "dest-1"}]}},
                {"task_key": "c", "spark_python_task": {"python_file": "dbfs:/x.py"},
                 "new_cluster": {"instance_pool_id": "p", "node_type_id": "i3.xlarge", "spark_version": "v",
                                 "spark_conf": {"k": "{{secrets/sc/key}}"}}},
                {"task_key": "bi", "dashboard_task": {"dashboard_id": "d-1", "warehouse_id": "w-1",
                 "subscription": {"subscribers": [{"destination_id": "dest-3"}, {"user_name": "u@x.com"}]}}},
                {"task_key": "legacy", "sql_task": {"warehouse_id": "w-1", "dashboard": {"dashboard_id": "ld-1"}}},
            ],
        });
        let clusters = BTreeSet::new();
        let b = build(
            &settings,
            "42",
            Some("11111111-2222-3333-4444-555555555555"),
            &clusters,
            &BTreeSet::new(),
        );
        let s = &b.spec;
        assert_eq!(s["schedule"]["pause_status"], "PAUSED");
        assert_eq!(b.manual.len(), 1);
        assert_eq!(s["tags"][SOURCE_ID_TAG], "42");
        assert_eq!(s["queue"]["enabled"], false);
        assert_eq!(
            s["run_as"]["service_principal_name"],
            "11111111-2222-3333-4444-555555555555"
        );
        assert_eq!(
            s["tasks"][0]["notebook_task"]["notebook_path"],
            "/Shared/nb"
        );
        let problems = &b.facts.problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        // An AI/BI dashboard is migrated: its task is a reference (remapped), not a problem; a
        // legacy one is a problem saying to convert it.
        assert_eq!(s["tasks"][4]["dashboard_task"]["dashboard_id"], "d-1");
        assert!(
            problems[1].starts_with("task `legacy` uses SQL dashboard ld-1, a legacy dashboard")
                && problems[1].contains("convert it to an AI/BI dashboard"),
            "{problems:?}"
        );
        assert!(
            problems.iter().all(|p| !p.contains("pipeline")),
            "a pipeline is migrated: its task is a reference"
        );
        assert_eq!(s["tasks"][2]["pipeline_task"]["pipeline_id"], "p-1");
        // A notification destination is a reference (remapped), not a problem.
        assert_eq!(
            s["tasks"][2]["webhook_notifications"]["on_failure"][0]["id"],
            "dest-1"
        );
        assert_eq!(
            b.facts.missing_clusters,
            vec![FieldAt {
                at: "/tasks/0".into(),
                field: "existing_cluster_id".into(),
                value: "gone".into()
            }]
        );
        assert!(
            s["tasks"][1]["notebook_task"]
                .get("notebook_path")
                .is_none()
        );
        assert!(s["tasks"][3]["new_cluster"].get("node_type_id").is_none());
        let scopes: Vec<(&str, &str)> = (b.facts.needs.iter())
            .map(|n| (n.value.as_str(), n.at.as_str()))
            .collect();
        assert_eq!(scopes, vec![("sc", "/tasks/3/new_cluster")]);
        let api = to_api(s, &b.facts);
        assert_eq!(api["tasks"][1]["notebook_task"]["notebook_path"], "rel/nb");
        assert_eq!(
            api["tasks"][3]["spark_python_task"]["python_file"],
            "dbfs:/x.py"
        );
        assert!(api.get("format").is_none());
        assert_eq!(
            api["tags"][SOURCE_ID_TAG], "42",
            "the source-id tag is not engine-only"
        );
    }
}
