//! Compute across clouds and catalogues: the node types, Spark versions and cloud attributes
//! of every cluster spec — clusters, instance pools, job clusters (`job_clusters[]` and the
//! tasks' `new_cluster`), pipeline clusters, and the values cluster policies fix or allow —
//! made what the target offers, as each object is listed (so the spec hashed, written and
//! compared is the translated one: a re-run writes nothing, a different `[translate]` updates
//! exactly the objects it changes).
//!
//! `catalogue` reads what both workspaces offer, once per run (the run's cache); `translate`
//! chooses a node type or a Spark version; `cloud` makes another cloud's attributes the
//! target's; `policy` does all of it inside a policy's definition. Every substitution is a
//! [`Translation`] on the object (the report's "Translations", `plan`); an object for which
//! nothing the target offers will do gets the reason as a problem of its side-car, so it fails
//! with it, alone, while the others go on.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Ctx, Mode, SourceObject};
use crate::check::Check;
use crate::ledger::Action;
use crate::translation::Translation;

mod catalogue;
mod cloud;
mod policy;
mod translate;

pub(crate) use catalogue::Catalogue;
use catalogue::Cloud;
pub(crate) use translate::{Choice, Translator};

/// Where an object's cluster specs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The object is one cluster spec (an all-purpose cluster).
    Cluster,
    /// An instance pool.
    Pool,
    /// A job: its job clusters and its tasks' new clusters.
    Job,
    /// A pipeline: its clusters (which name no Spark version).
    Pipeline,
    /// A cluster policy: its definition and its family overrides.
    Policy,
}

/// What translating one object found.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub translated: Vec<Translation>,
    pub problems: Vec<String>,
    pub manual: Vec<Action>,
    /// The instance profiles named (source ARN, where): needs of the object.
    pub profiles: Vec<(String, String)>,
}

/// The run's catalogue, read on first use.
pub(crate) async fn catalogue(ctx: &Ctx) -> Arc<Catalogue> {
    ctx.cache
        .compute
        .get_or_init(|| async { Arc::new(Catalogue::read(&ctx.source, &ctx.target).await) })
        .await
        .clone()
}

/// Translates `obj`'s cluster specs for the target (see the module doc). `whose` names the
/// object in manual actions (`cluster \`etl (0101-…)\``).
pub(crate) async fn translate(ctx: &Ctx, obj: &mut SourceObject, shape: Shape, whose: &str) {
    if obj.mode != Mode::Migrate {
        return;
    }
    let cat = catalogue(ctx).await;
    let t = Translator {
        cat: &cat,
        opts: &ctx.opts,
    };
    let mut spec = obj.spec();
    let mut out = Out::default();
    if let Value::Object(m) = &mut spec {
        let s = Specs { t: &t, whose };
        match shape {
            Shape::Cluster => s.cluster(m, "", &mut out),
            Shape::Pool => s.pool(m, &mut out),
            Shape::Job => s.job(m, &mut out),
            Shape::Pipeline => s.pipeline(m, &mut out),
            Shape::Policy => policy::definitions(&s, m, &mut out),
        }
    }
    for (arn, at) in std::mem::take(&mut out.profiles) {
        obj.facts.need(super::instance_profiles::NAME, [arn], &at);
    }
    if out.translated.is_empty() && out.problems.is_empty() && out.manual.is_empty() {
        return;
    }
    obj.set_spec(&spec);
    crate::translation::merge(&mut obj.translated, out.translated);
    obj.facts.problems.extend(out.problems);
    obj.manual.extend(out.manual);
}

/// The translation of one object's specs.
pub(crate) struct Specs<'a> {
    t: &'a Translator<'a>,
    whose: &'a str,
}

impl Specs<'_> {
    /// A node type or Spark version field of `m`: written as chosen, recorded.
    fn field(&self, m: &mut Map<String, Value>, f: &str, at: &str, out: &mut Out) {
        let Some(Value::String(v)) = m.get(f) else {
            return;
        };
        let choice = if f == "spark_version" {
            self.t.version(v)
        } else {
            self.t.node(v)
        };
        match choice {
            Choice::Keep => {}
            Choice::Use { to, why } => {
                out.translated
                    .push(Translation::new(format!("{at}{f}"), v.clone(), &to, why));
                m.insert(f.into(), Value::String(to));
            }
            Choice::Nothing(why) => out.problems.push(format!("{at}{f}: {why}")),
        }
    }

    /// One cluster spec at `at`: its node types, Spark version and cloud attributes.
    fn cluster(&self, m: &mut Map<String, Value>, at: &str, out: &mut Out) {
        for f in ["node_type_id", "driver_node_type_id", "spark_version"] {
            self.field(m, f, at, out);
        }
        self.attributes(m, at, false, out);
    }

    /// The cloud attributes of a spec at `at`.
    fn attributes(&self, m: &mut Map<String, Value>, at: &str, pool: bool, out: &mut Out) {
        match self.t.cat.target_cloud {
            Some(Cloud::Aws) | None => cloud::instance_profile(m, at, self.t.opts, out),
            Some(_) => {}
        }
        if let Some(to) = self.t.cat.target_cloud {
            let across = cloud::Across {
                to,
                pool,
                at,
                whose: self.whose,
            };
            across.attributes(m, out);
            if let Some(zones) = &self.t.cat.target_zones {
                cloud::zone(m, to, zones, at, out);
            }
        }
    }

    fn pool(&self, m: &mut Map<String, Value>, out: &mut Out) {
        self.field(m, "node_type_id", "", out);
        if let Some(Value::Array(versions)) = m.get_mut("preloaded_spark_versions") {
            for (i, v) in versions.iter_mut().enumerate() {
                let mut one = Map::new();
                one.insert("spark_version".into(), v.clone());
                self.field(
                    &mut one,
                    "spark_version",
                    &format!("preloaded_spark_versions[{i}]."),
                    out,
                );
                if let Some(new) = one.remove("spark_version") {
                    *v = new;
                }
            }
        }
        self.attributes(m, "", true, out);
    }

    fn job(&self, m: &mut Map<String, Value>, out: &mut Out) {
        let label = |c: &Map<String, Value>, key: &str, i: usize| {
            c.get(key)
                .and_then(Value::as_str)
                .map_or_else(|| i.to_string(), str::to_string)
        };
        if let Some(Value::Array(jcs)) = m.get_mut("job_clusters") {
            for (i, jc) in jcs.iter_mut().enumerate() {
                let Value::Object(jc) = jc else { continue };
                let at = format!(
                    "job_clusters[{}].new_cluster.",
                    label(jc, "job_cluster_key", i)
                );
                if let Some(Value::Object(nc)) = jc.get_mut("new_cluster") {
                    self.cluster(nc, &at, out);
                }
            }
        }
        if let Some(Value::Array(tasks)) = m.get_mut("tasks") {
            for (i, task) in tasks.iter_mut().enumerate() {
                let Value::Object(task) = task else { continue };
                let at = format!("tasks[{}].", label(task, "task_key", i));
                if let Some(Value::Object(nc)) = task.get_mut("new_cluster") {
                    self.cluster(nc, &format!("{at}new_cluster."), out);
                }
                let inner = task
                    .get_mut("for_each_task")
                    .and_then(|f| f.get_mut("task"));
                if let Some(Value::Object(nc)) = inner.and_then(|t| t.get_mut("new_cluster")) {
                    self.cluster(nc, &format!("{at}for_each_task.task.new_cluster."), out);
                }
            }
        }
    }

    fn pipeline(&self, m: &mut Map<String, Value>, out: &mut Out) {
        if let Some(Value::Array(clusters)) = m.get_mut("clusters") {
            for (i, c) in clusters.iter_mut().enumerate() {
                let Value::Object(c) = c else { continue };
                let label = c
                    .get("label")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_string);
                self.cluster(c, &format!("clusters[{label}]."), out);
            }
        }
    }
}

/// The pre-check of `[translate.node_types]` and `[translate.spark_versions]`: every value
/// they map to must be offered by the target (else no object could use it: said before
/// anything is written).
pub(crate) async fn maps_check(ctx: &Ctx) -> Option<Check> {
    let opts = &ctx.opts;
    if opts.node_types.is_empty() && opts.spark_versions.is_empty() {
        return None;
    }
    let cat = catalogue(ctx).await;
    let mut bad: Vec<String> = Vec::new();
    for (from, to) in &opts.node_types {
        if !cat.offers_node(to) {
            bad.push(format!(
                "[translate.node_types] {from} = {to}: the target offers no node type {to}"
            ));
        }
    }
    for (from, to) in &opts.spark_versions {
        if !cat.offers_version(to) {
            bad.push(format!(
                "[translate.spark_versions] {from} = {to}: the target offers no Spark version {to}"
            ));
        }
    }
    let name = "translate maps";
    Some(if bad.is_empty() {
        Check::pass(
            name,
            "target",
            "the target offers every node type and Spark version [translate] maps to",
        )
    } else {
        Check::fail(
            name,
            "target",
            bad.join("; "),
            "map to node types and Spark versions the target lists (`list-node-types`, `spark-versions`)",
        )
    })
}
