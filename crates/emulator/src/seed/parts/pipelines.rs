//! Lakeflow Declarative Pipelines of a generated workspace, a seed part ([`super`]), with
//! their grants.
//!
//! `typical` has six, one per shape ([`SHAPES`]): triggered and continuous (two, RUNNING with
//! their update, as a live workspace shows them), Unity Catalog (`catalog` + `schema`) and
//! legacy Hive metastore (`target`, one with an explicit `storage`, the others the default
//! the service fills in), notebook, file and glob libraries pointing into the seeded tree,
//! clusters under the seeded policies and on the seeded pools, `configuration` with secret
//! references, e-mail notifications to seeded users, development and production, one run as
//! a service principal (its owner) and one created by a plain user. Each has grants to groups
//! and users besides its one IS_OWNER. `scale:N` repeats the shapes, numbered, up to the
//! documented 12 000 pipelines per workspace. Jobs planned after this part run them, so their
//! names go to [`Plan::pipelines`], in order.
//!
//! Ids (the pipeline's, its running update's) come from a fork of the workspace's generator
//! ([`IdGen::fork`], salt [`SALT`]), drawn at install: the generator itself does not move, so
//! every object seeded or created before this part existed keeps its id.

use crate::seed::clouds::{self, Flavour};
use serde_json::{Map, Value, json};

use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::permissions::{Grant, Principal};
use crate::kinds::pipelines::{self, Pipeline, Update, spec};
use crate::seed::install::refused;
use crate::seed::plan::{Plan, SEED_EPOCH_MS};
use crate::seed::tree::{FILE_KPIS_SQL, FILE_UTILS, nb};
use crate::state::State;

/// Most pipelines a workspace may save (documented resource limit).
pub const MAX_PIPELINES: usize = 12_000;

/// This part's fork of the id generator.
pub const SALT: u64 = 2;

/// The part: 6 pipelines in `typical`.
pub const PART: Part = Part {
    kind: "pipelines",
    typical: 6,
    max: MAX_PIPELINES,
    generate,
};

/// The shapes' names, in order (a pipeline's shape is its index modulo 6).
pub const SHAPES: &[&str] = &[
    "Sales Medallion",
    "Clickstream Events",
    "Finance Reporting DEV",
    "Customer 360",
    "IoT Telemetry",
    "Marketing Attribution DEV",
];

/// A planned pipeline: its create body and what the service keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPipeline {
    /// The create body (spec at the top level with a unique `name`, `run_as`, `parameters`).
    pub body: Map<String, Value>,
    /// Who created it.
    pub creator: String,
    /// Its direct grants, the one IS_OWNER first.
    pub grants: Vec<Grant>,
}

/// The planned pipelines, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipelines(pub Vec<PlannedPipeline>);

/// References a pipeline may use, resolved from the plan.
struct Refs<'a> {
    plan: &'a Plan,
    /// The workspace groups' names (account groups are left to the account).
    groups: Vec<&'a str>,
}

impl Refs<'_> {
    /// A named notebook in `typical` (the first notebooks are the named ones); any notebook
    /// in a tiny scale.
    fn nb(&self, named: usize) -> Value {
        let n = &self.plan.notebooks;
        json!({"notebook": {"path": n[named % n.len()].path}})
    }
    fn file(&self, i: usize) -> Value {
        let f = &self.plan.files;
        json!({"file": {"path": format!("/Workspace{}", f[i % f.len()].path)}})
    }
    fn policy(&self, i: usize) -> String {
        let p = &self.plan.policies;
        p[i % p.len()].id.clone()
    }
    /// The cloud's node type for an AWS one.
    fn node(&self, aws: &'static str) -> &'static str {
        clouds::node(self.plan.cloud, aws)
    }
    /// A cluster with the cloud's attributes of `flavour`.
    fn attrs(&self, cluster: Value, flavour: Flavour) -> Value {
        clouds::with_cluster_attributes(cluster, self.plan.cloud, flavour)
    }
    fn pool(&self, i: usize) -> String {
        let p = &self.plan.pools;
        p[i % p.len()].id.clone()
    }
    fn user(&self, i: usize) -> String {
        let u = &self.plan.users;
        u[i % u.len()].user_name.clone()
    }
    fn sp(&self, i: usize) -> String {
        let s = &self.plan.service_principals;
        s[i % s.len()].application_id.clone()
    }
    fn group(&self, i: usize) -> String {
        self.groups[i % self.groups.len()].to_string()
    }
}

/// The create body of pipeline shape `shape` (before its name).
fn body(shape: usize, r: &Refs) -> Value {
    match shape {
        0 => json!({
            "libraries": [r.nb(nb::BRONZE), r.nb(nb::TRANSFORM), r.nb(nb::AGGREGATE)],
            "catalog": "main", "schema": "sales",
            "clusters": [
                {"label": "default", "policy_id": r.policy(1), "instance_pool_id": r.pool(0),
                 "driver_instance_pool_id": r.pool(0),
                 "autoscale": {"min_workers": 1, "max_workers": 4, "mode": "ENHANCED"},
                 "custom_tags": {"cost-center": "data-platform"}},
                {"label": "maintenance", "instance_pool_id": r.pool(0)}],
            "configuration": {"sales.source": "s3://example-landing/sales/",
                              "sales.jdbc.password": "{{secrets/prod-db/jdbc-password}}"},
            "notifications": [{"email_recipients": [r.user(1), r.user(2)],
                               "alerts": ["on-update-failure", "on-update-fatal-failure"]}],
            "continuous": false, "development": false, "photon": true,
            "channel": "CURRENT", "edition": "ADVANCED",
            "tags": {"team": "data-engineering"}
        }),
        1 => json!({
            "libraries": [r.nb(nb::FILE_LOADER), r.file(FILE_UTILS)],
            "target": "clickstream", "storage": "dbfs:/pipelines/clickstream-events",
            "clusters": [r.attrs(json!({"label": "default", "policy_id": r.policy(0), "node_type_id": r.node("m5d.xlarge"),
                          "num_workers": 2, "spark_conf": {"spark.sql.shuffle.partitions": "64"}}),
                          Flavour::SpotWithFallback)],
            "continuous": true, "development": false, "channel": "CURRENT", "edition": "PRO"
        }),
        2 => json!({
            "libraries": [r.nb(nb::DAILY_REPORT), r.file(FILE_KPIS_SQL)],
            "catalog": "finance_dev", "schema": "reporting",
            "clusters": [r.attrs(json!({"label": "default", "policy_id": r.policy(1), "node_type_id": r.node("m5d.xlarge"),
                          "autoscale": {"min_workers": 1, "max_workers": 2, "mode": "ENHANCED"}}),
                          Flavour::OnDemandInZone)],
            "notifications": [{"email_recipients": [r.user(3)], "alerts": ["on-update-success"]}],
            "development": true, "edition": "CORE"
        }),
        3 => json!({
            "libraries": [r.nb(nb::SILVER), r.nb(nb::GOLD)],
            "target": "customer_360",
            "clusters": [{"label": "default", "policy_id": r.policy(2), "instance_pool_id": r.pool(1),
                          "driver_instance_pool_id": r.pool(1), "num_workers": 3}],
            "configuration": {"customer.lookback_days": "30",
                              "payments.api_key": "{{secrets/external-apis/stripe-key}}"},
            "development": false, "channel": "PREVIEW", "edition": "ADVANCED"
        }),
        4 => json!({
            "libraries": [{"glob": {"include": "/Shared/ETL/bronze/**"}}],
            "catalog": "iot", "schema": "telemetry",
            "run_as": {"service_principal_name": r.sp(0)},
            "parameters": {"env": "prod"},
            "clusters": [{"label": "default", "policy_id": r.policy(1), "instance_pool_id": r.pool(0),
                          "autoscale": {"min_workers": 1, "max_workers": 5, "mode": "ENHANCED"}}],
            "notifications": [{"email_recipients": [r.user(4)], "alerts": ["on-flow-failure"]}],
            "continuous": true, "development": false, "photon": true,
            "tags": {"team": "iot", "tier": "gold"}
        }),
        _ => json!({
            "libraries": [r.nb(nb::SALES + 1)],
            "target": "marketing_dev",
            "clusters": [{"label": "default", "node_type_id": r.node("m5d.xlarge"), "num_workers": 0,
                          "spark_conf": {"spark.databricks.cluster.profile": "singleNode",
                                         "spark.master": "local[*]"},
                          "custom_tags": {"ResourceClass": "SingleNode"}}],
            "development": true, "channel": "PREVIEW"
        }),
    }
}

fn grant(principal: Principal, level: &str) -> Grant {
    Grant {
        principal,
        permission_level: level.into(),
    }
}

/// The creator (a plain user for the last shape), and the grants: the one owner (the run-as
/// service principal when there is one, else the creator), two groups, a user.
fn people(k: usize, shape: usize, r: &Refs) -> (String, Vec<Grant>) {
    let creator = r.user(if shape == 5 { 1 } else { 0 });
    let owner = match shape {
        4 => Principal::ServicePrincipalName(r.sp(0)),
        _ => Principal::UserName(creator.clone()),
    };
    let mut grants = vec![
        grant(owner, "IS_OWNER"),
        grant(Principal::GroupName(r.group(k)), "CAN_VIEW"),
        grant(Principal::GroupName(r.group(k + 1)), "CAN_RUN"),
        grant(Principal::UserName(r.user(2 + k % 5)), "CAN_MANAGE"),
    ];
    if shape == 0 {
        grants.push(grant(Principal::GroupName("users".into()), "CAN_VIEW"));
    }
    (creator, grants)
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let groups = (plan.groups.iter())
        .filter(|g| !g.account)
        .map(|g| g.display_name.as_str())
        .collect();
    let r = Refs { plan, groups };
    let planned: Vec<PlannedPipeline> = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let mut body = match body(shape, &r) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            let name = match round {
                0 => SHAPES[shape].to_string(),
                _ => format!("{} #{}", SHAPES[shape], round + 1),
            };
            body.insert("name".into(), json!(name));
            let (creator, grants) = people(k, shape, &r);
            PlannedPipeline {
                body,
                creator,
                grants,
            }
        })
        .collect();
    plan.pipelines = (planned.iter())
        .map(|p| {
            p.body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    Box::new(Pipelines(planned))
}

impl Planned for Pipelines {
    fn objects(&self) -> usize {
        self.0.len()
    }

    /// Installs each pipeline as create would store it (checked the same way), one a minute;
    /// a continuous one RUNNING since its creation.
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        let mut ids = st.ids.fork(SALT);
        for (k, p) in self.0.into_iter().enumerate() {
            let at = SEED_EPOCH_MS + k as i64 * 60_000;
            let name = p.body.get("name").cloned().unwrap_or_default().to_string();
            let req = spec::parse(st, p.body).map_err(|e| refused(&name, e))?;
            let id = ids.uuid();
            let mut s = req.spec;
            spec::fill_defaults(&mut s, &id);
            let update_id = pipelines::is_continuous(&s).then(|| ids.uuid());
            let updates: Vec<Update> = (update_id.into_iter())
                .map(|update_id| Update {
                    update_id,
                    state: "RUNNING".into(),
                    cause: "USER_ACTION".into(),
                    creation_time: at,
                    options: Map::new(),
                })
                .collect();
            let state = if updates.is_empty() {
                "IDLE"
            } else {
                "RUNNING"
            };
            st.permissions.set_direct("pipelines", &id, p.grants);
            let pipeline = Pipeline {
                pipeline_id: id.clone(),
                spec: s,
                run_as: req.run_as,
                parameters: req.parameters,
                creator_user_name: p.creator,
                last_modified: at,
                state: state.into(),
                updates,
            };
            st.pipelines.pipelines.insert(id, pipeline);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_pipelines_are_valid_owned_once_and_two_run() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        let all: Vec<&Pipeline> = st.pipelines.pipelines.values().collect();
        assert_eq!(all.len(), 6);
        assert_eq!(all.iter().filter(|p| p.state == "RUNNING").count(), 2);
        for p in &all {
            let owners = (st.permissions.direct("pipelines", &p.pipeline_id).iter())
                .filter(|g| g.permission_level == "IS_OWNER")
                .count();
            assert_eq!(owners, 1, "{}", p.pipeline_id);
        }
        let hms = all.iter().filter(|p| p.spec.contains_key("target")).count();
        assert_eq!(hms, 3);
        assert_eq!(PART.count(&Counts::scaled(1000)), 48);
    }
}
