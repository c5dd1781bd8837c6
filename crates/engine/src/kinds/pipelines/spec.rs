//! A pipeline's spec as the engine migrates it: the create body — the settings at the top
//! level, `run_as` and `parameters` beside them — without what the service fills in or owns.
//!
//! Stripped: `id` (output only), `ingestion_definition.source_type` (output only), a `storage`
//! of the form `dbfs:/pipelines/<uuid>` (the default the service gives a Hive-metastore
//! pipeline, named after the source's id: the target picks its own), cluster fields as for
//! clusters ([`writable_spec`]: a pool-backed cluster leaves node types and cloud attributes
//! to its pool). `edition` and `channel` are upper-cased on both sides (GET may answer them in
//! lower case). A continuous pipeline is made triggered (`continuous: false`) until cut-over;
//! a deprecated cron `trigger` is not carried over (nothing may start on its own in the
//! target, and it has no paused state to hold it in).
//!
//! Workspace paths (library notebooks and files, `root_path`) are normalised and left where
//! the declared references see them; paths into `/Repos` are held out in the side-car
//! ([`Facts::kept`]) and put back by [`to_api`]. A `glob` library names a folder (`…/**`) or
//! a file: a need ([`Facts::needs`]) of that folder or file, as are the secret scopes its
//! clusters' Spark settings and its configuration read.

use std::collections::BTreeSet;

use brickport_api::types::pipelines::Pipeline;
use serde_json::{Map, Value, json};

use super::NAME;
use crate::EngineError;
use crate::kinds::clusters::{scopes_in, writable_spec};
use crate::kinds::facts::{Facts, FieldAt};
use crate::kinds::shared::{in_repos, normalise_path};
use crate::kinds::{notebooks, secret_scopes, to_json, workspace_folders};
use crate::ledger::{Action, Category};

/// What the spec builder found.
pub struct Built {
    /// The spec.
    pub spec: Value,
    /// Manual actions (the tables to rebuild, the switch to continuous at cut-over).
    pub manual: Vec<Action>,
    /// Attributes not carried over.
    pub dropped: Vec<String>,
    /// Its side-car.
    pub facts: Facts,
}

/// The body as the API takes it: `v` with the paths held out of it put back.
pub fn to_api(v: &Value, facts: &Facts) -> Value {
    facts.with_kept(v)
}

/// The settings, `run_as` and `parameters` of a pipeline as read (either side), shaped alike:
/// without `id`, enums upper-cased, clusters made writable (returning the secret scopes their
/// Spark settings read, by the pointer of each cluster).
pub fn body_of(p: &Pipeline, key: &str) -> Result<(Map<String, Value>, Facts), EngineError> {
    let mut m = match to_json(NAME, key, &p.spec.clone().unwrap_or_default())? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.remove("id");
    if let Some(r) = &p.run_as {
        m.insert("run_as".into(), to_json(NAME, key, r)?);
    }
    if let Some(params) = p.parameters.as_ref().filter(|p| !p.is_empty()) {
        m.insert("parameters".into(), Value::Object(params.clone()));
    }
    for f in ["edition", "channel"] {
        if let Some(Value::String(s)) = m.get_mut(f) {
            *s = s.to_ascii_uppercase();
        }
    }
    let mut facts = Facts::default();
    if let Some(Value::Array(clusters)) = m.get_mut("clusters") {
        for (i, c) in clusters.iter_mut().enumerate() {
            if let Value::Object(c) = c {
                c.remove("apply_policy_default_values");
                let scopes = writable_spec(c);
                facts.need(secret_scopes::NAME, scopes, &format!("/clusters/{i}"));
            }
        }
    }
    Ok((m, facts))
}

/// Whether `s` is the storage the service gives a pipeline by default.
fn default_storage(s: &str) -> bool {
    s.strip_prefix("dbfs:/pipelines/")
        .is_some_and(crate::kinds::jobs::uuid_like)
}

/// Normalises the workspace path `field` of the object at pointer `at`, or holds a `/Repos`
/// path (a Git folder's, the repos kind's) out of the spec, in `facts`.
fn mark_path(m: &mut Map<String, Value>, at: String, field: &str, facts: &mut Facts) {
    let Some(Value::String(p)) = m.get(field).cloned() else {
        return;
    };
    let normal = normalise_path(&p);
    if p.starts_with('/') && !in_repos(&normal) {
        m.insert(field.into(), json!(normal));
    } else {
        m.remove(field);
        facts.kept.push(FieldAt {
            at,
            field: field.into(),
            value: p,
        });
    }
}

/// A glob's `include`: a folder (`…/**`) or a file, needed in the target; normalised.
fn glob(g: &mut Map<String, Value>, at: &str, facts: &mut Facts) {
    let Some(Value::String(inc)) = g.get("include").cloned() else {
        return;
    };
    let normal = normalise_path(&inc);
    if !inc.starts_with('/') || in_repos(&normal) {
        return;
    }
    g.insert("include".into(), json!(normal));
    match normal.strip_suffix("/**") {
        Some(folder) => facts.need(workspace_folders::NAME, [folder.to_string()], at),
        None => facts.need(notebooks::NAME, [normal.clone()], at),
    }
}

/// The library paths and `root_path`: see [`mark_path`] and [`glob`].
fn paths(m: &mut Map<String, Value>, facts: &mut Facts) {
    if let Some(Value::Array(libs)) = m.get_mut("libraries") {
        for (i, lib) in libs.iter_mut().enumerate() {
            for (what, field) in [("notebook", "path"), ("file", "path")] {
                if let Some(Value::Object(o)) = lib.get_mut(what) {
                    mark_path(o, format!("/libraries/{i}/{what}"), field, facts);
                }
            }
            if let Some(Value::Object(g)) = lib.get_mut("glob") {
                glob(g, &format!("/libraries/{i}/glob"), facts);
            }
        }
    }
    mark_path(m, String::new(), "root_path", facts);
}

/// The secret scopes the configuration's values read (`{{secrets/<scope>/<key>}}`).
fn configuration_scopes(m: &Map<String, Value>) -> BTreeSet<String> {
    let mut scopes = BTreeSet::new();
    if let Some(Value::Object(conf)) = m.get("configuration") {
        for v in conf.values().filter_map(Value::as_str) {
            scopes_in(v, &mut scopes);
        }
    }
    scopes
}

/// Where the pipeline publishes its tables, for a person: `catalog`.`schema` (Unity
/// Catalog), or the Hive metastore's schema `target`; `None` when it publishes nowhere.
pub fn publishes_to(spec: &Value) -> Option<String> {
    let s = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match (s("catalog"), s("schema").or(s("target"))) {
        (Some(c), Some(sc)) => Some(format!("`{c}`.`{sc}`")),
        (Some(c), None) => Some(format!("catalog `{c}`")),
        (None, Some(sc)) => Some(format!("the Hive metastore's schema `{sc}`")),
        (None, None) => None,
    }
}

/// The manual action every pipeline gets: its tables were not copied, and where the copy
/// publishes (said once, in the same words).
fn tables_action(name: &str, spec: &Value) -> Action {
    let first = format!(
        "pipeline `{name}`: its tables are not copied; the first update in the target rebuilds them from its sources (a full refresh)"
    );
    Action::new(
        Category::Refresh,
        match publishes_to(spec) {
            Some(to) => format!(
                "{first}. It publishes to {to}, the same catalog and schema as the source pipeline: if both workspaces share a metastore, both pipelines write the same tables, so start it only once the source pipeline is stopped (or point it at another schema first)"
            ),
            None => first,
        },
    )
}

/// The source's spec of pipeline `p` named `name`, with its notes and side-car.
pub fn build(p: &Pipeline, name: &str) -> Result<Built, EngineError> {
    let (mut m, mut facts) = body_of(p, name)?;
    let mut manual = Vec::new();
    let mut dropped = Vec::new();
    if m.get("storage")
        .and_then(Value::as_str)
        .is_some_and(default_storage)
    {
        m.remove("storage");
    }
    if let Some(Value::Object(d)) = m.get_mut("ingestion_definition") {
        d.remove("source_type");
    }
    paths(&mut m, &mut facts);
    facts.need(
        secret_scopes::NAME,
        configuration_scopes(&m),
        "/configuration",
    );
    if m.get("trigger").and_then(|t| t.get("cron")).is_some() {
        let cron = m.remove("trigger").unwrap_or_default();
        dropped.push(format!("trigger {cron} (deprecated)"));
        manual.push(Action::new(Category::Other, format!(
            "pipeline `{name}` had a deprecated cron trigger ({}), not carried over so that nothing starts on its own in the target: at cut-over, schedule its updates with a job",
            cron["cron"]
        )));
    }
    if m.get("continuous") == Some(&Value::Bool(true)) {
        m.insert("continuous".into(), json!(false));
        manual.push(Action::new(Category::Unpause, format!(
            "make continuous at cut-over: pipeline `{name}` is continuous in the source; it was created triggered, and nothing was started"
        )));
    }
    let spec = Value::Object(m);
    manual.push(tables_action(name, &spec));
    Ok(Built {
        spec,
        manual,
        dropped,
        facts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(spec: Value) -> Pipeline {
        serde_json::from_value(json!({
            "pipeline_id": "p-1", "state": "RUNNING",
            "run_as": {"user_name": "a@x.com"},
            "spec": spec,
        }))
        .unwrap()
    }

    #[test]
    fn shapes_paths_defaults_and_holds_continuous_back() {
        let p = pipeline(json!({
            "id": "p-1", "name": "etl", "continuous": true, "edition": "advanced",
            "catalog": "main", "schema": "sales",
            "storage": "dbfs:/pipelines/0c6b1a2e-5e43-4b3c-9f4e-1d2c3b4a5f60",
            "root_path": "/Workspace/Users/a@x.com/etl",
            "configuration": {"token": "{{secrets/conf-scope/k}}"},
            "libraries": [
                {"notebook": {"path": "/Workspace/Shared/dlt/nb"}},
                {"file": {"path": "/Repos/team/lib/t.py"}},
                {"glob": {"include": "/Workspace/Shared/dlt/**"}},
                {"jar": "dbfs:/x.jar"},
            ],
            "clusters": [{"label": "default", "instance_pool_id": "pool-1",
                          "node_type_id": "i3.xlarge",
                          "spark_conf": {"k": "{{secrets/spark-scope/k}}"}}],
            "trigger": {"cron": {"quartz_cron_schedule": "0 0 * * * ?"}},
        }));
        let b = build(&p, "etl").unwrap();
        let s = &b.spec;
        assert!(s.get("id").is_none() && s.get("storage").is_none());
        assert_eq!(s["continuous"], false);
        assert_eq!(s["edition"], "ADVANCED");
        assert_eq!(s["run_as"]["user_name"], "a@x.com");
        assert_eq!(s["root_path"], "/Users/a@x.com/etl");
        assert_eq!(s["libraries"][0]["notebook"]["path"], "/Shared/dlt/nb");
        assert!(s["libraries"][1]["file"].get("path").is_none());
        assert_eq!(s["libraries"][2]["glob"]["include"], "/Shared/dlt/**");
        assert!(s["clusters"][0].get("node_type_id").is_none());
        assert!(s.get("trigger").is_none());
        assert_eq!(b.dropped.len(), 1);
        let api = to_api(s, &b.facts);
        assert_eq!(api["libraries"][1]["file"]["path"], "/Repos/team/lib/t.py");
        let needs: Vec<(&str, &str, &str)> = (b.facts.needs.iter())
            .map(|n| (n.kind.as_str(), n.value.as_str(), n.at.as_str()))
            .collect();
        assert_eq!(
            needs,
            [
                ("secret_scopes", "spark-scope", "/clusters/0"),
                ("workspace_folders", "/Shared/dlt", "/libraries/2/glob"),
                ("secret_scopes", "conf-scope", "/configuration"),
            ]
        );
        let categories: Vec<Category> = b.manual.iter().map(|a| a.category).collect();
        assert_eq!(
            categories,
            [Category::Other, Category::Unpause, Category::Refresh]
        );
        assert!(
            b.manual[2]
                .text
                .contains("`main`.`sales`, the same catalog and schema")
        );
    }

    #[test]
    fn a_triggered_pipeline_publishing_nowhere_keeps_its_storage() {
        let p = pipeline(json!({"name": "t", "storage": "dbfs:/my/own", "target": ""}));
        let b = build(&p, "t").unwrap();
        assert_eq!(b.spec["storage"], "dbfs:/my/own");
        assert!(b.spec.get("continuous").is_none());
        assert_eq!(b.manual.len(), 1);
        assert!(!b.manual[0].text.contains("same catalog"));
        assert_eq!(
            publishes_to(&json!({"target": "hms_schema"})).as_deref(),
            Some("the Hive metastore's schema `hms_schema`")
        );
    }
}
