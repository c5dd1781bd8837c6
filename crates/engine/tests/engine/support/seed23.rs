//! Seeds the Phase 2 and 3 objects (on top of the Phase 1 seed) through the api client.

use brickport_api::WorkspaceClient;
use brickport_api::types::clusters::Cluster;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use brickport_api::types::permissions::AccessControlRequest;
use brickport_api::types::repos::{Repo, UpdateRepo};
use brickport_api::types::workspace::{ExportFormat, Import};
use serde_json::{Value, json};

pub struct Seeded {
    pub etl: String,
    pub gpu: Option<String>,
    pub nightly: i64,
}

async fn import(c: &WorkspaceClient, path: &str, lang: Option<&str>, content: &[u8]) {
    c.workspace()
        .import(&Import {
            path: path.into(),
            format: if lang.is_some() {
                ExportFormat::Source
            } else {
                ExportFormat::Raw
            },
            language: lang.map(str::to_string),
            content: content.to_vec(),
            overwrite: false,
        })
        .await
        .unwrap();
}

async fn id_of<F: Fn(&Value) -> bool>(items: Vec<Value>, pick: F, field: &str) -> String {
    items.into_iter().find(|v| pick(v)).unwrap()[field]
        .as_str()
        .unwrap()
        .to_string()
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    serde_json::from_value(v).unwrap()
}

pub async fn grant(c: &WorkspaceClient, t: &str, id: &str, grants: &[(&str, &str, &str)]) {
    let acl: Vec<AccessControlRequest> = grants
        .iter()
        .map(|(k, n, l)| AccessControlRequest::new(k, n, l))
        .collect();
    c.permissions().update(t, id, &acl).await.unwrap();
}

/// Notebooks in every language, files (binary, one that looks like a notebook), unicode and
/// spaces, the same name in two folders.
pub async fn notebooks(c: &WorkspaceClient) {
    let ws = c.workspace();
    ws.mkdirs("/Shared/ünï côde").await.unwrap();
    import(
        c,
        "/Shared/team/reports/daily",
        Some("PYTHON"),
        "# Databricks notebook source\nprint('héllo ✓')\n\n# COMMAND ----------\n\nx = 1\n"
            .as_bytes(),
    )
    .await;
    import(
        c,
        "/Shared/team/reports/2026/q1 report",
        Some("SCALA"),
        b"// Databricks notebook source\nval x = 1\n",
    )
    .await;
    import(
        c,
        "/Users/alice@example.com/projects/etl",
        Some("SQL"),
        b"-- Databricks notebook source\nSELECT 1\n",
    )
    .await;
    import(
        c,
        "/Users/alice@example.com/projects/analysis",
        Some("R"),
        b"# Databricks notebook source\nx <- 1\n",
    )
    .await;
    import(
        c,
        "/Shared/team/util",
        Some("PYTHON"),
        b"# Databricks notebook source\ndef a(): pass\n",
    )
    .await;
    import(
        c,
        "/Users/alice@example.com/projects/util",
        Some("PYTHON"),
        b"# Databricks notebook source\ndef b(): pass\n",
    )
    .await;
    import(
        c,
        "/Shared/ünï côde/nb ✓",
        Some("PYTHON"),
        "# Databricks notebook source\n# ✓ ü\n".as_bytes(),
    )
    .await;
    import(c, "/Shared/team/kpis.sql", None, b"SELECT 42").await;
    import(c, "/Shared/team/config.json", None, br#"{"env": "prod"}"#).await;
    import(c, "/Shared/team/init.sh", None, b"#!/bin/bash\necho hi\n").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    import(c, "/Shared/team/data.bin", None, &bytes).await;
    import(
        c,
        "/Shared/team/looks_like_nb.py",
        None,
        b"# Databricks notebook source\nprint(1)\n",
    )
    .await;
}

/// Clusters, Git folders, jobs and permissions; `gpu` adds a cluster on g4dn.xlarge.
pub async fn phase23(c: &WorkspaceClient, sp_app_id: &str, gpu: bool) -> Seeded {
    notebooks(c).await;
    let policies: Vec<Value> = c
        .policies()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap())
        .collect();
    let small = id_of(policies, |p| p["name"] == "small-clusters", "policy_id").await;
    let pools: Vec<Value> = c
        .pools()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap())
        .collect();
    let pool_small = id_of(
        pools.clone(),
        |p| p["instance_pool_name"] == "pool-small",
        "instance_pool_id",
    )
    .await;
    let pool_general = id_of(
        pools,
        |p| p["instance_pool_name"] == "pool-general",
        "instance_pool_id",
    )
    .await;
    use futures::TryStreamExt;
    let whs: Vec<Value> = c
        .warehouses()
        .list()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|w| serde_json::to_value(w).unwrap())
        .collect();
    let wh = id_of(whs, |w| w["name"] == "wh-analytics", "id").await;

    let cl = c.clusters();
    let etl = cl
        .create(&Cluster {
            cluster_name: Some("etl".into()),
            spark_version: Some("15.4.x-scala2.12".into()),
            node_type_id: Some("i3.xlarge".into()),
            num_workers: Some(2),
            policy_id: Some(small.clone()),
            autotermination_minutes: Some(30),
            spark_conf: Some(obj(
                json!({"spark.db.password": "{{secrets/app-secrets/db-password}}"}),
            )),
            init_scripts: Some(vec![
                json!({"workspace": {"destination": "/Workspace/Shared/team/init.sh"}}),
            ]),
            data_security_mode: Some("SINGLE_USER".into()),
            single_user_name: Some("alice@example.com".into()),
            custom_tags: Some(obj(json!({"team": "data"}))),
            ..Cluster::default()
        })
        .await
        .unwrap();
    c.libraries()
        .install(
            &etl,
            &[
                json!({"pypi": {"package": "requests==2.31.0"}}),
                json!({"jar": "/Volumes/x/lib.jar"}),
            ],
        )
        .await
        .unwrap();
    cl.pin(&etl).await.unwrap();
    let pooled = cl
        .create(&Cluster {
            cluster_name: Some("pooled".into()),
            spark_version: Some("14.3.x-scala2.12".into()),
            instance_pool_id: Some(pool_small.clone()),
            driver_instance_pool_id: Some(pool_general.clone()),
            autoscale: Some(json!({"min_workers": 1, "max_workers": 3})),
            ..Cluster::default()
        })
        .await
        .unwrap();
    cl.delete(&pooled).await.unwrap();
    // Names are not unique: a second "etl".
    let etl2 = cl
        .create(&Cluster {
            cluster_name: Some("etl".into()),
            spark_version: Some("13.3.x-scala2.12".into()),
            node_type_id: Some("m5d.large".into()),
            num_workers: Some(0),
            ..Cluster::default()
        })
        .await
        .unwrap();
    cl.delete(&etl2).await.unwrap();
    let gpu = if gpu {
        let id = cl
            .create(&Cluster {
                cluster_name: Some("gpu".into()),
                spark_version: Some("15.4.x-scala2.12".into()),
                node_type_id: Some("g4dn.xlarge".into()),
                num_workers: Some(1),
                ..Cluster::default()
            })
            .await
            .unwrap();
        Some(id)
    } else {
        None
    };

    let repos = c.repos();
    let r = repos
        .create(&Repo {
            url: Some("https://github.com/acme/proj.git".into()),
            provider: Some("gitHub".into()),
            path: Some("/Repos/alice@example.com/proj".into()),
            sparse_checkout: Some(json!({"patterns": ["src", "conf"]})),
            ..Repo::default()
        })
        .await
        .unwrap();
    repos
        .update(
            r.id.unwrap(),
            &UpdateRepo {
                branch: Some("dev".into()),
                ..UpdateRepo::default()
            },
        )
        .await
        .unwrap();
    repos
        .create(&Repo {
            url: Some("https://gitlab.com/acme/lib".into()),
            provider: Some("gitlab".into()),
            path: Some("/Repos/team/lib".into()),
            ..Repo::default()
        })
        .await
        .unwrap();

    let jobs = c.jobs();
    let new_cluster = json!({"spark_version": "15.4.x-scala2.12", "instance_pool_id": pool_small, "policy_id": small, "num_workers": 1});
    let nightly = jobs
        .create(&JobSettings {
            name: Some("nightly".into()),
            tasks: Some(vec![
                json!({"task_key": "ingest", "existing_cluster_id": etl, "notebook_task": {"notebook_path": "/Shared/team/reports/daily"}}),
                json!({"task_key": "report", "depends_on": [{"task_key": "ingest"}], "sql_task": {"warehouse_id": wh, "file": {"path": "/Shared/team/kpis.sql", "source": "WORKSPACE"}}}),
                json!({"task_key": "py", "depends_on": [{"task_key": "ingest"}], "new_cluster": new_cluster, "spark_python_task": {"python_file": "/Shared/team/looks_like_nb.py"}}),
                json!({"task_key": "shared", "job_cluster_key": "jc", "notebook_task": {"notebook_path": "/Users/alice@example.com/projects/etl"}}),
            ]),
            job_clusters: Some(vec![json!({"job_cluster_key": "jc", "new_cluster": {"spark_version": "15.4.x-scala2.12", "instance_pool_id": pool_general, "num_workers": 2}})]),
            schedule: Some(json!({"quartz_cron_expression": "0 0 2 * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED"})),
            run_as: Some(json!({"service_principal_name": sp_app_id})),
            tags: Some(json!({"team": "data"})),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // Same name, different job.
    jobs.create(&JobSettings {
        name: Some("nightly".into()),
        ..JobSettings::default()
    })
    .await
    .unwrap();
    // runner runs nightly (created after it: dependency order).
    jobs.create(&JobSettings {
        name: Some("runner".into()),
        tasks: Some(vec![
            json!({"task_key": "run", "run_job_task": {"job_id": nightly}}),
        ]),
        trigger: Some(
            json!({"periodic": {"interval": 1, "unit": "HOURS"}, "pause_status": "PAUSED"}),
        ),
        ..JobSettings::default()
    })
    .await
    .unwrap();
    // ping and pong run each other (a cycle).
    let ping = jobs
        .create(&JobSettings {
            name: Some("ping".into()),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    let pong = jobs
        .create(&JobSettings {
            name: Some("pong".into()),
            tasks: Some(vec![
                json!({"task_key": "p", "run_job_task": {"job_id": ping}}),
            ]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    jobs.update(&UpdateJob {
        job_id: ping,
        new_settings: Some(JobSettings {
            tasks: Some(vec![
                json!({"task_key": "p", "run_job_task": {"job_id": pong}}),
            ]),
            ..JobSettings::default()
        }),
        fields_to_remove: vec![],
    })
    .await
    .unwrap();
    // 120 tasks: 2.2 pages them.
    let many: Vec<Value> = (0..120)
        .map(|i| json!({"task_key": format!("t{i:03}"), "job_cluster_key": "jc", "notebook_task": {"notebook_path": "/Shared/team/util"}}))
        .collect();
    jobs.create(&JobSettings {
        name: Some("big".into()),
        tasks: Some(many),
        job_clusters: Some(vec![json!({"job_cluster_key": "jc", "new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}})]),
        continuous: Some(json!({"pause_status": "UNPAUSED"})),
        ..JobSettings::default()
    })
    .await
    .unwrap();
    jobs.create(&JobSettings {
        name: Some("from-git".into()),
        git_source: Some(json!({"git_url": "https://github.com/acme/proj.git", "git_provider": "gitHub", "git_branch": "main"})),
        tasks: Some(vec![json!({"task_key": "g", "existing_cluster_id": etl, "notebook_task": {"notebook_path": "notebooks/etl"}})]),
        ..JobSettings::default()
    })
    .await
    .unwrap();

    // Direct grants on every object type.
    grant(
        c,
        "clusters",
        &etl,
        &[
            ("user_name", "carol@example.com", "CAN_RESTART"),
            ("group_name", "data-eng", "CAN_ATTACH_TO"),
            ("service_principal_name", sp_app_id, "CAN_MANAGE"),
        ],
    )
    .await;
    grant(
        c,
        "jobs",
        &nightly.to_string(),
        &[
            ("user_name", "carol@example.com", "CAN_VIEW"),
            ("group_name", "data-eng", "CAN_MANAGE_RUN"),
            ("user_name", "alice@example.com", "IS_OWNER"),
        ],
    )
    .await;
    grant(
        c,
        "cluster-policies",
        &small,
        &[("group_name", "analysts", "CAN_USE")],
    )
    .await;
    grant(
        c,
        "instance-pools",
        &pool_small,
        &[("group_name", "data-eng", "CAN_ATTACH_TO")],
    )
    .await;
    grant(
        c,
        "warehouses",
        &wh,
        &[("group_name", "analysts", "CAN_USE")],
    )
    .await;
    let oid = |p: &'static str| async move {
        c.workspace()
            .get_status(p)
            .await
            .unwrap()
            .object_id
            .unwrap()
            .to_string()
    };
    grant(
        c,
        "directories",
        &oid("/Shared/team").await,
        &[("group_name", "data-eng", "CAN_EDIT")],
    )
    .await;
    grant(
        c,
        "notebooks",
        &oid("/Shared/team/reports/daily").await,
        &[("group_name", "analysts", "CAN_READ")],
    )
    .await;
    grant(
        c,
        "files",
        &oid("/Shared/team/config.json").await,
        &[("user_name", "alice@example.com", "CAN_EDIT")],
    )
    .await;
    grant(
        c,
        "repos",
        &r.id.unwrap().to_string(),
        &[("user_name", "alice@example.com", "CAN_MANAGE")],
    )
    .await;
    Seeded { etl, gpu, nightly }
}
