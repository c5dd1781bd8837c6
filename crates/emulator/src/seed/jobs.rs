//! Jobs of a generated workspace, and the clusters their runs created.
//!
//! Jobs follow fourteen shapes, in turn ([`SHAPES`]): multi-task ETL with `depends_on` on a
//! job cluster (policy + pool + a secret in `spark_conf`), notebook tasks on existing
//! all-purpose clusters, SQL tasks on warehouses (a SQL file and a SQL notebook), a job that
//! runs two earlier jobs (`run_job_task`), a continuous job, a file-arrival trigger, an ML job
//! run as a service principal, a Git-sourced job, a Python file task with libraries, two jobs
//! sharing a name, a user-owned job, a fan-out/fan-in quality job. Schedules alternate
//! between UNPAUSED and PAUSED. Every reference names an object of the plan.

use serde_json::{Map, Value, json};

use super::clouds::{self, Flavour};
use super::compute::{ML_RUNTIME, RUNTIME};
use super::counts::Counts;
use super::plan::{Cluster, Job, Plan, SEED_EPOCH_MS, Spec};
use super::tree::{FILE_KPIS_SQL, FILE_REQUIREMENTS, FILE_UTILS, nb};
use crate::ids::IdGen;

/// The shapes' base names, in order (a job's shape is its index modulo 14).
pub const SHAPES: &[&str] = &[
    "Nightly ETL",
    "Hourly Ingest",
    "SQL Reporting",
    "Orchestrator",
    "Streaming Events",
    "File Arrival Loader",
    "ML Training",
    "dbt from Git",
    "Python Utilities",
    "Ad-hoc Export",
    "Personal Report",
    "Data Quality Checks",
    "Quarterly Summary",
    "Ad-hoc Export",
];

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// References a job may use, resolved from the plan.
struct Refs<'a> {
    plan: &'a Plan,
}

impl Refs<'_> {
    fn nb(&self, named: usize, k: usize) -> String {
        let n = &self.plan.notebooks;
        // The typical jobs use the named notebooks; later ones spread over all notebooks.
        let i = if k < 28 {
            named
        } else {
            (k * 7919 + named) % n.len()
        };
        n[i % n.len()].path.clone()
    }
    fn file(&self, i: usize) -> String {
        let f = &self.plan.files;
        format!("/Workspace{}", f[i % f.len()].path)
    }
    fn cluster(&self, i: usize) -> String {
        let c = &self.plan.clusters;
        c[i % c.len()].spec.id.clone()
    }
    fn policy(&self, i: usize) -> String {
        let p = &self.plan.policies;
        p[i % p.len()].id.clone()
    }
    fn pool(&self, i: usize) -> String {
        let p = &self.plan.pools;
        p[i % p.len()].id.clone()
    }
    fn warehouse(&self, i: usize) -> String {
        let w = &self.plan.warehouses;
        w[i % w.len()].id.clone()
    }
    fn user(&self, i: usize) -> String {
        let u = &self.plan.users;
        u[i % u.len()].user_name.clone()
    }
    fn sp(&self, i: usize) -> String {
        let s = &self.plan.service_principals;
        s[i % s.len()].application_id.clone()
    }
    /// The cloud's node type for an AWS one.
    fn node(&self, aws: &'static str) -> &'static str {
        clouds::node(self.plan.cloud, aws)
    }
    /// A cluster spec with the cloud's attributes of `flavour`.
    fn attrs(&self, spec: Value, flavour: Flavour) -> Value {
        clouds::with_cluster_attributes(spec, self.plan.cloud, flavour)
    }
    fn repo(&self, i: usize) -> (String, String) {
        let r = &self.plan.repos;
        let r = &r[i % r.len()];
        (r.url.clone(), r.provider.clone())
    }
}

/// A job cluster spec on a pool, under a policy, reading a secret.
fn pooled_cluster(r: &Refs, policy: usize, pool: usize, runtime: &str, workers: u32) -> Value {
    json!({
        "spark_version": runtime,
        "instance_pool_id": r.pool(pool),
        "driver_instance_pool_id": r.pool(pool),
        "policy_id": r.policy(policy),
        "num_workers": workers,
        "spark_conf": {"spark.databricks.delta.preview.enabled": "true",
                       "spark.hadoop.fs.s3a.secret.key": "{{secrets/prod-db/jdbc-password}}"},
        "custom_tags": {"cost-center": "data-platform"}
    })
}

fn notebook_task(key: &str, path: String) -> Value {
    json!({"task_key": key, "notebook_task": {"notebook_path": path, "source": "WORKSPACE"}})
}

fn with(mut task: Value, extra: Value) -> Value {
    if let (Some(t), Value::Object(e)) = (task.as_object_mut(), extra) {
        t.extend(e);
    }
    task
}

fn schedule(cron: &str, paused: bool) -> Value {
    json!({"quartz_cron_expression": cron, "timezone_id": "UTC",
           "pause_status": if paused { "PAUSED" } else { "UNPAUSED" }})
}

/// The index of the user who created job `k`: the admin, except for the user-owned shapes.
fn creator_of(k: usize) -> usize {
    match k % SHAPES.len() {
        10 | 13 => 1 + k % 5,
        _ => 0,
    }
}

/// The settings of job `k` (jobs `0..k` already have their ids in `earlier`).
fn settings(k: usize, r: &Refs, earlier: &[i64]) -> Map<String, Value> {
    let shape = k % SHAPES.len();
    let round = k / SHAPES.len();
    // Shapes 9 and 13 share a name: job names are not unique.
    let name = if round == 0 {
        SHAPES[shape].to_string()
    } else {
        format!("{} #{}", SHAPES[shape], round + 1)
    };
    let paused = (k / 2) % 2 == 1;
    let owner_mail = r.user(k % 7);
    let s = match shape {
        0 => json!({
            "job_clusters": [{"job_cluster_key": "etl_cluster",
                              "new_cluster": r.attrs(pooled_cluster(r, 1, 0, RUNTIME, 4), Flavour::Pooled)}],
            "tasks": [
                with(notebook_task("bronze", r.nb(nb::BRONZE, k)), json!({"job_cluster_key": "etl_cluster"})),
                with(notebook_task("silver", r.nb(nb::TRANSFORM, k)), json!({"job_cluster_key": "etl_cluster",
                     "depends_on": [{"task_key": "bronze"}]})),
                with(notebook_task("gold", r.nb(nb::AGGREGATE, k)), json!({"job_cluster_key": "etl_cluster",
                     "depends_on": [{"task_key": "silver"}], "max_retries": 2,
                     "min_retry_interval_millis": 60000}))
            ],
            "schedule": schedule("0 0 2 * * ?", paused),
            "email_notifications": {"on_failure": [owner_mail]},
            "tags": {"team": "data-engineering", "tier": "gold"}
        }),
        1 => json!({
            "tasks": [with(notebook_task("ingest", r.nb(nb::SILVER, k)),
                           json!({"existing_cluster_id": r.cluster(1 + k), "max_retries": 3}))],
            "schedule": schedule("0 0 * * * ?", paused)
        }),
        2 => json!({
            "tasks": [
                {"task_key": "kpis", "sql_task": {"warehouse_id": r.warehouse(0),
                    "file": {"path": r.file(FILE_KPIS_SQL), "source": "WORKSPACE"}}},
                with(notebook_task("report", r.nb(nb::DAILY_REPORT, k)),
                     json!({"depends_on": [{"task_key": "kpis"}]}))
            ],
            "schedule": {"quartz_cron_expression": "0 30 7 * * ?", "timezone_id": "Europe/Paris",
                         "pause_status": if paused { "PAUSED" } else { "UNPAUSED" }}
        }),
        3 => json!({
            "tasks": [
                {"task_key": "run_etl", "run_job_task": {"job_id": earlier[k - 3]}},
                {"task_key": "run_ingest", "run_job_task": {"job_id": earlier[k - 2]},
                 "depends_on": [{"task_key": "run_etl"}], "run_if": "ALL_SUCCESS"}
            ],
            "schedule": schedule("0 0 4 * * ?", paused)
        }),
        4 => json!({
            "job_clusters": [{"job_cluster_key": "stream",
                              "new_cluster": pooled_cluster(r, 1, 0, RUNTIME, 2)}],
            "tasks": [with(notebook_task("events", r.nb(nb::STREAMING, k)),
                           json!({"job_cluster_key": "stream"}))],
            "continuous": {"pause_status": if paused { "PAUSED" } else { "UNPAUSED" }}
        }),
        5 => json!({
            "tasks": [with(notebook_task("load", r.nb(nb::FILE_LOADER, k)), json!({"new_cluster": r.attrs(json!({
                "spark_version": RUNTIME, "node_type_id": r.node("m5d.xlarge"), "num_workers": 1,
                "policy_id": r.policy(0), "custom_tags": {"team": "analytics"},
                "spark_env_vars": {"STRIPE_KEY": "{{secrets/external-apis/stripe-key}}"}}), Flavour::SpotWithFallback)}))],
            "trigger": {"pause_status": if paused { "PAUSED" } else { "UNPAUSED" },
                        "file_arrival": {"url": "s3://example-landing/incoming/",
                                         "min_time_between_triggers_seconds": 60}}
        }),
        6 => json!({
            "job_clusters": [{"job_cluster_key": "gpu",
                              "new_cluster": {"spark_version": ML_RUNTIME, "instance_pool_id": r.pool(1),
                                              "policy_id": r.policy(2),
                                              "autoscale": {"min_workers": 1, "max_workers": 4},
                                              "spark_conf": {"spark.mlflow.trackingToken": "{{secrets/ml-secrets/mlflow-token}}"}}}],
            "tasks": [
                with(notebook_task("features", r.nb(nb::FEATURES, k)), json!({"job_cluster_key": "gpu"})),
                with(notebook_task("train", r.nb(nb::TRAIN, k)), json!({"job_cluster_key": "gpu",
                     "depends_on": [{"task_key": "features"}],
                     "libraries": [{"pypi": {"package": "scikit-learn==1.5.2"}}]})),
                with(notebook_task("evaluate", r.nb(nb::EVALUATE, k)), json!({"job_cluster_key": "gpu",
                     "depends_on": [{"task_key": "train"}], "run_if": "ALL_DONE"}))
            ],
            "run_as": {"service_principal_name": r.sp(0)},
            "schedule": schedule("0 0 6 ? * MON", paused)
        }),
        7 => {
            let (url, provider) = r.repo(2);
            json!({
                "git_source": {"git_url": url, "git_provider": provider, "git_branch": "main"},
                "tasks": [{"task_key": "dbt_run", "existing_cluster_id": r.cluster(1),
                           "notebook_task": {"notebook_path": "notebooks/run_dbt", "source": "GIT"}}]
            })
        }
        8 => json!({
            "tasks": [{"task_key": "utils",
                       "spark_python_task": {"python_file": r.file(FILE_UTILS), "parameters": ["--full"]},
                       "new_cluster": r.attrs(json!({"spark_version": RUNTIME, "node_type_id": r.node("c5d.xlarge"), "num_workers": 2}),
                                             Flavour::OnDemandInZone),
                       "libraries": [{"pypi": {"package": "requests==2.32.3"}},
                                     {"requirements": r.file(FILE_REQUIREMENTS)}]}],
            "schedule": schedule("0 15 3 * * ?", paused)
        }),
        9 | 13 => json!({
            "tasks": [with(notebook_task("export", r.nb(nb::SALES, k)),
                           json!({"existing_cluster_id": r.cluster(6 + shape / 13)}))]
        }),
        10 => json!({
            "tasks": [with(notebook_task("report", r.nb(nb::USER_README, k)),
                           json!({"existing_cluster_id": r.cluster(3)}))],
            "run_as": {"user_name": r.user(creator_of(k))},
            "schedule": schedule("0 0 9 ? * MON-FRI", paused)
        }),
        11 => json!({
            "job_clusters": [{"job_cluster_key": "dq", "new_cluster": pooled_cluster(r, 1, 0, RUNTIME, 2)}],
            "tasks": [
                with(notebook_task("extract", r.nb(nb::BRONZE, k)), json!({"job_cluster_key": "dq"})),
                with(notebook_task("check_orders", r.nb(nb::SILVER, k)), json!({"job_cluster_key": "dq",
                     "depends_on": [{"task_key": "extract"}]})),
                with(notebook_task("check_customers", r.nb(nb::GOLD, k)), json!({"job_cluster_key": "dq",
                     "depends_on": [{"task_key": "extract"}]})),
                with(notebook_task("publish", r.nb(nb::KPI, k)), json!({"job_cluster_key": "dq",
                     "depends_on": [{"task_key": "check_orders"}, {"task_key": "check_customers"}],
                     "run_if": "NONE_FAILED"}))
            ],
            "schedule": schedule("0 0 5 * * ?", paused)
        }),
        _ => json!({
            "tasks": [{"task_key": "summary",
                       "notebook_task": {"notebook_path": r.nb(nb::SUMMARY, k), "source": "WORKSPACE",
                                         "warehouse_id": r.warehouse(1)}}],
            "schedule": schedule("0 0 8 1 1,4,7,10 ?", paused)
        }),
    };
    filled(s, name)
}

/// A shape's settings with the job's name and the defaults the service fills in on create.
pub(super) fn filled(mut s: Value, name: String) -> Map<String, Value> {
    if let Some(m) = s.as_object_mut() {
        m.insert("name".into(), json!(name));
        m.insert("max_concurrent_runs".into(), json!(1));
        m.insert("timeout_seconds".into(), json!(0));
        m.insert("format".into(), json!("MULTI_TASK"));
        m.insert("queue".into(), json!({"enabled": true}));
        // The defaults the service fills in on create, so seeded jobs read like created ones.
        m.insert(
            "email_notifications".into(),
            m.get("email_notifications").cloned().unwrap_or(json!({})),
        );
        m.insert("webhook_notifications".into(), json!({}));
        if let Some(tasks) = m.get_mut("tasks").and_then(Value::as_array_mut) {
            for t in tasks.iter_mut().filter_map(Value::as_object_mut) {
                t.entry("run_if").or_insert(json!("ALL_SUCCESS"));
                t.entry("timeout_seconds").or_insert(json!(0));
                t.entry("email_notifications").or_insert(json!({}));
            }
        }
    }
    obj(s)
}

/// Jobs, then the clusters their runs created (appended to `plan.clusters`). Needs everything
/// else.
pub fn generate(c: &Counts, ids: &mut IdGen, plan: &mut Plan) {
    let mut jobs: Vec<Job> = Vec::with_capacity(c.jobs);
    let mut job_ids: Vec<i64> = Vec::with_capacity(c.jobs);
    {
        let r = Refs { plan };
        for k in 0..c.jobs {
            let s = settings(k, &r, &job_ids);
            let creator = r.user(creator_of(k));
            let job_id = ids.next_int();
            job_ids.push(job_id);
            jobs.push(Job {
                job_id,
                creator,
                settings: s,
                created_time: SEED_EPOCH_MS + (k as i64) * 60_000,
            });
        }
    }
    // Clusters of job runs: from the jobs with a job cluster (Nightly ETL, Streaming Events),
    // named as the service names them; the streaming one is still running.
    let with_cluster: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.settings.contains_key("job_clusters"))
        .collect();
    for k in 0..c.job_clusters {
        let j = with_cluster[k % with_cluster.len()];
        let mut spec = j
            .settings
            .get("job_clusters")
            .and_then(|v| v.get(0))
            .and_then(|v| v.get("new_cluster"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let run_id = 500_000_000 + (ids.next_u64() % 400_000_000) as i64;
        spec.insert(
            "cluster_name".into(),
            json!(format!("job-{}-run-{run_id}", j.job_id)),
        );
        plan.clusters.push(Cluster {
            spec: Spec {
                id: ids.cluster_id(SEED_EPOCH_MS),
                body: spec,
                creator: j.creator.clone(),
            },
            source: "JOB",
            running: k % 2 == 1,
            pinned: false,
        });
    }
    plan.jobs = jobs;
}
