//! Compute and secrets of a generated workspace: cluster policies, instance pools, SQL
//! warehouses, all-purpose clusters, secret scopes.
//!
//! Wiring: clusters use policies and pools, read `{{secrets/<scope>/<key>}}` references in
//! `spark_conf` / `spark_env_vars` (always naming a scope and key that exist), and one runs an
//! init script from a workspace file. The first cluster is RUNNING and pinned; another is
//! pinned; two clusters share a name (cluster names are not unique).

use serde_json::{Map, Value, json};

use super::clouds::{self, Flavour};
use super::counts::Counts;
use super::plan::{Cluster, Plan, SEED_EPOCH_MS, Scope, Spec};
use super::tree::{FILE_INIT_SCRIPT, NAMED_FILES};
use crate::cloud::Cloud;
use crate::ids::IdGen;

/// The named secret scopes and their keys (15 secrets in 3 scopes).
pub const NAMED_SCOPES: &[(&str, &[&str])] = &[
    (
        "prod-db",
        &[
            "jdbc-url",
            "jdbc-user",
            "jdbc-password",
            "replica-password",
            "readonly-user",
            "readonly-password",
        ],
    ),
    (
        "external-apis",
        &[
            "stripe-key",
            "sendgrid-key",
            "slack-webhook",
            "github-token",
            "datadog-api-key",
        ],
    ),
    (
        "ml-secrets",
        &["mlflow-token", "hf-token", "wandb-key", "feature-store-key"],
    ),
];

/// The LTS runtime most objects use.
pub const RUNTIME: &str = "15.4.x-scala2.12";
/// The ML runtime.
pub const ML_RUNTIME: &str = "15.4.x-cpu-ml-scala2.12";

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Policies, pools, warehouses, all-purpose clusters and secret scopes. Needs the users,
/// groups and service principals (ACL principals, single-user clusters).
pub fn generate(c: &Counts, ids: &mut IdGen, plan: &mut Plan) {
    let admin = plan.users[0].user_name.clone();
    plan.policies = policies(c, ids, &admin, plan.cloud);
    plan.pools = pools(c, ids, &admin, plan.cloud);
    plan.warehouses = warehouses(c, ids, &admin);
    plan.scopes = scopes(c, plan);
    plan.clusters = clusters(c, ids, plan);
}

/// The named policies, then `Team Policy NNNNN`s.
fn policies(c: &Counts, ids: &mut IdGen, admin: &str, cloud: Cloud) -> Vec<Spec> {
    let node = |id| clouds::node(cloud, id);
    (0..c.policies)
        .map(|k| {
            let body = match k {
                0 => json!({
                    "name": "Shared Analytics Policy",
                    "description": "Autoscaling shared clusters on LTS runtimes.",
                    "definition": json!({
                        "spark_version": {"type": "allowlist", "values": [RUNTIME, "14.3.x-scala2.12"]},
                        "autotermination_minutes": {"type": "range", "maxValue": 120, "defaultValue": 60},
                        "node_type_id": {"type": "allowlist", "values": [node("i3.xlarge"), node("m5d.xlarge")]},
                        "custom_tags.team": {"type": "fixed", "value": "analytics"}
                    }).to_string()
                }),
                1 => json!({
                    "name": "Jobs Policy",
                    "description": "Job clusters only, at most 8 workers.",
                    "policy_family_id": "job-cluster",
                    "policy_family_definition_overrides": json!({
                        "num_workers": {"type": "range", "maxValue": 8, "defaultValue": 2}
                    }).to_string()
                }),
                2 => json!({
                    "name": "ML Policy",
                    "definition": json!({
                        "spark_version": {"type": "fixed", "value": ML_RUNTIME},
                        "autoscale.max_workers": {"type": "range", "maxValue": 6}
                    }).to_string(),
                    "libraries": [{"pypi": {"package": "mlflow==2.16.0"}}]
                }),
                3 => json!({
                    "name": "Personal Compute - Data Science",
                    "policy_family_id": "personal-vm",
                    "max_clusters_per_user": 1
                }),
                _ => json!({
                    "name": format!("Team Policy {k:05}"),
                    "definition": json!({
                        "autotermination_minutes": {"type": "range", "maxValue": 60 + (k % 5) * 30}
                    }).to_string()
                }),
            };
            Spec {
                id: ids.policy_id(),
                body: obj(body),
                creator: admin.to_string(),
            }
        })
        .collect()
}

/// The named pools, then `Pool NNNNN`s.
fn pools(c: &Counts, ids: &mut IdGen, admin: &str, cloud: Cloud) -> Vec<Spec> {
    let node = |id| clouds::node(cloud, id);
    (0..c.pools)
        .map(|k| {
            let body = match k {
                0 => json!({"instance_pool_name": "General Purpose Pool", "node_type_id": node("i3.xlarge"),
                            "min_idle_instances": 1, "max_capacity": 20,
                            "idle_instance_autotermination_minutes": 30,
                            "preloaded_spark_versions": [RUNTIME]}),
                1 => json!({"instance_pool_name": "ML GPU Pool", "node_type_id": node("g4dn.xlarge"),
                            "min_idle_instances": 0, "max_capacity": 8,
                            "custom_tags": {"team": "ml"}}),
                _ => json!({"instance_pool_name": format!("Pool {k:05}"), "node_type_id": node("m5d.xlarge"),
                            "max_capacity": 10}),
            };
            let mut body = obj(body);
            if k == 0 {
                // The general-purpose pool buys spot instances in a fixed zone.
                let (field, attrs) = clouds::pool_attributes(cloud);
                body.insert(field.into(), attrs);
            }
            Spec {
                id: ids.pool_id(SEED_EPOCH_MS),
                body,
                creator: admin.to_string(),
            }
        })
        .collect()
}

/// The named warehouses, then `Warehouse NNNNN`s.
fn warehouses(c: &Counts, ids: &mut IdGen, admin: &str) -> Vec<Spec> {
    (0..c.warehouses)
        .map(|k| {
            let body = match k {
                0 => json!({"name": "Analytics Warehouse", "cluster_size": "Small",
                            "warehouse_type": "PRO", "enable_serverless_compute": true,
                            "auto_stop_mins": 10, "max_num_clusters": 2,
                            "tags": {"custom_tags": [{"key": "team", "value": "analytics"}]}}),
                1 => json!({"name": "Reporting Warehouse", "cluster_size": "X-Small",
                            "warehouse_type": "CLASSIC", "auto_stop_mins": 30}),
                _ => json!({"name": format!("Warehouse {k:05}"), "cluster_size": "2X-Small",
                            "warehouse_type": "PRO", "auto_stop_mins": 15}),
            };
            Spec {
                id: ids.warehouse_id(),
                body: obj(body),
                creator: admin.to_string(),
            }
        })
        .collect()
}

/// Eight cluster shapes in turn (names numbered after the first eight), on the plan's
/// policies, pools and secrets.
fn clusters(c: &Counts, ids: &mut IdGen, plan: &Plan) -> Vec<Cluster> {
    let admin = plan.users[0].user_name.clone();
    let user = |i: usize| plan.users[i % plan.users.len()].user_name.clone();
    let policy = |i: usize| plan.policies[i % plan.policies.len()].id.clone();
    let pool = |i: usize| plan.pools[i % plan.pools.len()].id.clone();
    let init_script = format!("/Workspace{}", NAMED_FILES[FILE_INIT_SCRIPT]);
    let cloud = plan.cloud;
    let node = |id| clouds::node(cloud, id);
    (0..c.clusters)
        .map(|k| {
            let t = k % 8;
            let suffix = if k < 8 { String::new() } else { format!(" {k:05}") };
            let mut creator = admin.clone();
            let mut body = match t {
                0 => json!({
                    "cluster_name": "Shared Analytics",
                    "spark_version": RUNTIME, "node_type_id": node("i3.xlarge"),
                    "autoscale": {"min_workers": 2, "max_workers": 8},
                    "autotermination_minutes": 60, "policy_id": policy(0),
                    "data_security_mode": "USER_ISOLATION",
                    "spark_conf": {"spark.databricks.sql.initial.catalog.name": "main",
                                   "spark.hadoop.javax.jdo.option.ConnectionPassword": "{{secrets/prod-db/jdbc-password}}"},
                    "custom_tags": {"team": "analytics"}
                }),
                1 => json!({
                    "cluster_name": "Data Engineering",
                    "spark_version": "14.3.x-scala2.12",
                    "instance_pool_id": pool(0), "driver_instance_pool_id": pool(0),
                    "num_workers": 4, "autotermination_minutes": 45,
                    "spark_env_vars": {"DB_PASSWORD": "{{secrets/prod-db/replica-password}}",
                                       "PYSPARK_PYTHON": "/databricks/python3/bin/python3"}
                }),
                2 => json!({
                    "cluster_name": "ML Cluster",
                    "spark_version": ML_RUNTIME, "instance_pool_id": pool(1),
                    "autoscale": {"min_workers": 1, "max_workers": 4}, "policy_id": policy(2),
                    "autotermination_minutes": 120,
                    "spark_conf": {"spark.mlflow.trackingToken": "{{secrets/ml-secrets/mlflow-token}}"}
                }),
                3 => {
                    creator = user(1);
                    json!({
                        "cluster_name": format!("{}'s Personal Compute", plan.users[1 % plan.users.len()].display_name),
                        "spark_version": RUNTIME, "node_type_id": node("m5d.large"), "num_workers": 0,
                        "policy_id": policy(3), "data_security_mode": "SINGLE_USER", "runtime_engine": "STANDARD",
                        "single_user_name": user(1), "autotermination_minutes": 4320,
                        "spark_conf": {"spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*, 4]"},
                        "custom_tags": {"ResourceClass": "SingleNode"}
                    })
                }
                4 => json!({
                    "cluster_name": "Reporting",
                    "spark_version": RUNTIME, "node_type_id": node("m5d.xlarge"), "num_workers": 2,
                    "autotermination_minutes": 30, "policy_id": policy(0),
                    "spark_conf": {"spark.sql.shuffle.partitions": "64"},
                    "custom_tags": {"team": "analytics"},
                    "spark_env_vars": {"SENDGRID_KEY": "{{secrets/external-apis/sendgrid-key}}"}
                }),
                5 => json!({
                    "cluster_name": "Legacy ETL",
                    "spark_version": "12.2.x-scala2.12", "node_type_id": node("r5d.xlarge"), "num_workers": 3,
                    "autotermination_minutes": 0,
                    "init_scripts": [{"workspace": {"destination": init_script}}]
                }),
                _ => {
                    creator = user(t);
                    json!({
                        "cluster_name": "Ad-hoc Analysis",
                        "spark_version": RUNTIME, "node_type_id": node("m5d.large"), "num_workers": 1,
                        "autotermination_minutes": 20
                    })
                }
            };
            // Two shapes carry the cloud's attributes: the shared cluster buys spot nodes with
            // on-demand fallback (and, on AWS, uses the instance profile), the legacy one on
            // demand in a fixed zone.
            let flavour = match t {
                0 => Some(Flavour::SpotWithFallback),
                5 => Some(Flavour::OnDemandInZone),
                _ => None,
            };
            if let Some(f) = flavour {
                body = clouds::with_cluster_attributes(body, cloud, f);
            }
            if let Some(name) = body.get_mut("cluster_name") {
                *name = json!(format!("{}{suffix}", name.as_str().unwrap_or_default()));
            }
            Cluster {
                spec: Spec {
                    id: ids.cluster_id(SEED_EPOCH_MS),
                    body: obj(body),
                    creator,
                },
                source: if t % 2 == 0 { "UI" } else { "API" },
                running: k == 0,
                pinned: t < 2,
            }
        })
        .collect()
}

/// The scopes: the named three, then `team-NNNNN-secrets` scopes; keys beyond the named 15
/// go round-robin to the extra scopes (or to the named ones when there are none).
fn scopes(c: &Counts, plan: &Plan) -> Vec<Scope> {
    let admin = plan.users[0].user_name.clone();
    let local = plan.groups.iter().filter(|g| !g.account).count();
    let group = |i: usize| plan.groups[i % local].display_name.clone();
    let sp = |i: usize| {
        plan.service_principals[i % plan.service_principals.len()]
            .application_id
            .clone()
    };
    let mut scopes: Vec<Scope> = (0..c.scopes)
        .map(|k| {
            let name = NAMED_SCOPES
                .get(k)
                .map_or_else(|| format!("team-{k:05}-secrets"), |(n, _)| n.to_string());
            let acls = match k {
                0 => vec![(group(0), "READ".to_string()), (sp(0), "READ".to_string())],
                1 => vec![(group(2), "READ".to_string()), (sp(1), "WRITE".to_string())],
                2 => vec![
                    (group(4), "READ".to_string()),
                    (plan.users[1].user_name.clone(), "WRITE".to_string()),
                ],
                _ => vec![(group(k), "READ".to_string())],
            };
            let mut all = vec![(admin.clone(), "MANAGE".to_string())];
            all.extend(acls);
            Scope {
                name,
                secrets: Vec::new(),
                acls: all,
            }
        })
        .collect();
    let mut n = 0;
    for (k, (_, keys)) in NAMED_SCOPES.iter().enumerate() {
        for key in keys.iter() {
            if n < c.secrets {
                let value = format!("seed-{}-{key}-not-a-real-secret", scopes[k].name);
                scopes[k]
                    .secrets
                    .push((key.to_string(), value.into_bytes()));
                n += 1;
            }
        }
    }
    let extra = scopes.len().saturating_sub(NAMED_SCOPES.len());
    let mut k = 0;
    while n < c.secrets {
        let s = if extra > 0 {
            NAMED_SCOPES.len() + k % extra
        } else {
            k % scopes.len()
        };
        let key = format!("key-{k:05}");
        let value = format!("seed-{key}-not-a-real-secret");
        scopes[s].secrets.push((key, value.into_bytes()));
        n += 1;
        k += 1;
    }
    scopes
}
