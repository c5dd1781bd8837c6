//! The side-car against real listings: a `typical` workspace plus jobs with every fact a job
//! may have, listed by the kinds themselves.

use std::sync::Arc;
use std::time::Duration;

use brickport_api::types::clusters::Cluster;
use brickport_api::types::jobs::JobSettings;
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::kinds::{Ctx, Detail, SourceObject, snapshot::RunCache};
use crate::ledger::{Access, Ledger};
use crate::{EngineOptions, IdMap};

/// Jobs the `typical` seed lacks: a task on a deleted cluster, a DBFS file, a `/Repos`
/// notebook, a for-each task whose cluster reads a secret. (A pipeline task was one of the
/// problems until pipelines were migrated: now a reference, and the emulator refuses one to a
/// pipeline that does not exist.)
fn extra_jobs(doomed: &str) -> Vec<Value> {
    vec![
        json!({"name": "facts-missing-cluster", "tasks": [
            {"task_key": "a", "existing_cluster_id": doomed,
             "notebook_task": {"notebook_path": "/Repos/a@example.com/p/nb"}},
        ]}),
        json!({"name": "facts-for-each", "tasks": [
            {"task_key": "f", "for_each_task": {"inputs": "[1]", "task": {
                "task_key": "inner", "spark_python_task": {"python_file": "dbfs:/x.py"},
                "new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
                    "num_workers": 1, "spark_env_vars": {"K": "{{secrets/prod-db/jdbc-password}}"}}}}},
        ]}),
    ]
}

/// A `typical` source with [`extra_jobs`], and a context listing it.
async fn listed_source(dir: &std::path::Path) -> (brickport_emulator::RunningEmulator, Ctx) {
    let emu = brickport_emulator::start(brickport_emulator::EmulatorOptions {
        seed: brickport_emulator::SeedSpec::Typical,
        id_seed: 11,
        rate_limits: brickport_emulator::RateLimitSpec::Off,
        ..brickport_emulator::EmulatorOptions::default()
    })
    .await
    .unwrap();
    let cfg = WorkspaceConfig::with_token(emu.url(), "test-token").unwrap();
    let client = WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap();
    // Seeded clusters (their ids are fixed; a created one's holds the time): one gets
    // libraries (the seed installs none), one is deleted after a job was made to run on it.
    let own: Vec<Cluster> = client
        .clusters()
        .list()
        .try_filter(|c| std::future::ready(c.cluster_source.as_deref() == Some("UI")))
        .try_collect()
        .await
        .unwrap();
    let (first, doomed) = (
        own[0].cluster_id.clone().unwrap(),
        own[own.len() - 1].cluster_id.clone().unwrap(),
    );
    let libs = [
        json!({"pypi": {"package": "mlflow==2.16.0"}}),
        json!({"jar": "dbfs:/x.jar"}),
    ];
    client.libraries().install(&first, &libs).await.unwrap();
    for j in extra_jobs(&doomed) {
        let s: JobSettings = serde_json::from_value(j).unwrap();
        client.jobs().create(&s).await.unwrap();
    }
    client.clusters().permanent_delete(&doomed).await.unwrap();
    let ledger = Arc::new(Ledger::open(dir, Access::Create).unwrap());
    let ctx = Ctx {
        source: client.clone(),
        target: client,
        opts: Arc::new(EngineOptions::new(dir)),
        ids: IdMap::new(ledger),
        run_dir: dir.to_path_buf(),
        cache: Arc::new(RunCache::default()),
    };
    (emu, ctx)
}

async fn list_all(ctx: &Ctx) -> Vec<(&'static str, SourceObject)> {
    let mut out = Vec::new();
    for k in crate::kinds::all() {
        let objs: Vec<SourceObject> = k.list(ctx, Detail::Full).try_collect().await.unwrap();
        out.extend(objs.into_iter().map(|o| (k.name(), o)));
    }
    out
}

/// Every key of `v` at any depth, with the object holding it.
fn keys<'v>(v: &'v Value, parent: &'v str, out: &mut Vec<(&'v str, &'v str)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push((parent, k));
                keys(x, k, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, parent, out)),
        _ => {}
    }
}

#[tokio::test]
async fn facts_live_in_the_side_car_and_keep_the_hashes_of_earlier_versions() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, ctx) = listed_source(dir.path()).await;
    let listed = list_all(&ctx).await;

    // No engine-only field in any kind's spec; the tag holding the source id is a real tag.
    for (kind, o) in &listed {
        let spec = o.spec();
        let mut found = Vec::new();
        keys(&spec, "", &mut found);
        for (parent, k) in found {
            let tag = k == super::super::shared::SOURCE_ID_TAG
                && (parent == "tags" || parent == "custom_tags");
            assert!(
                !k.starts_with("brickport_") || tag,
                "{kind} `{}` has `{k}` in its spec",
                o.key
            );
        }
    }

    // Every fact is there to hash: a cluster with libraries, a pinned one; jobs with kept
    // paths, a missing cluster, problems, secret scopes in their clusters.
    let facts = |kind: &'static str| {
        (listed.iter())
            .filter(move |(k, _)| *k == kind)
            .map(|(_, o)| &o.facts)
    };
    let state = || facts("clusters").filter_map(|f| f.cluster.as_ref());
    assert!(state().any(|c| !c.libraries.is_empty()));
    assert!(state().any(|c| c.pinned));
    assert!(facts("clusters").any(|f| !f.needs.is_empty()));
    assert!(facts("jobs").any(|f| !f.kept.is_empty()));
    assert!(facts("jobs").any(|f| !f.missing_clusters.is_empty()));
    assert!(facts("jobs").any(|f| !f.problems.is_empty()));
    assert!(facts("jobs").any(|f| f.needs.iter().any(|n| n.at.contains("for_each_task"))));

    // The hashes today's ledgers hold, computed by the version that kept these facts inside
    // the spec (`old_hashes.json`, recorded from the same listing before side-cars).
    let old: Vec<(String, String, String)> =
        serde_json::from_str(include_str!("old_hashes.json")).unwrap();
    let new: Vec<(String, String, String)> = listed
        .iter()
        .filter(|(k, _)| *k == "clusters" || *k == "jobs")
        .map(|(k, o)| {
            let hash = super::content_hash(&o.spec(), &o.facts);
            (k.to_string(), o.source_id.clone(), hash)
        })
        .collect();
    // The seed has grown since (3 jobs running pipelines and 3 running SQL objects, their ids
    // from streams of their own): every recorded object is still listed with its id and
    // hash, and those 6 besides.
    let recorded: Vec<(String, String, String)> = (new.iter())
        .filter(|(k, id, _)| old.iter().any(|(ok, oid, _)| ok == k && oid == id))
        .cloned()
        .collect();
    assert_eq!(recorded, old);
    assert_eq!(
        new.len(),
        old.len() + 6,
        "the seed's jobs running pipelines and SQL objects"
    );
    assert!(
        listed
            .iter()
            .any(|(k, o)| *k == "jobs" && !o.facts.is_empty())
    );

    // A listed object waits on disk as a JSON line: its side-car with it.
    for (_, o) in &listed {
        let back: SourceObject = serde_json::from_str(&serde_json::to_string(o).unwrap()).unwrap();
        assert_eq!(back.facts, o.facts);
    }
}
