//! Phases 2 and 3 when objects cannot be migrated: each failure stays alone, its dependents
//! are skipped naming it, and everything else arrives.

use std::time::Duration;

use brickport_api::types::clusters::Cluster;
use brickport_api::types::jobs::JobSettings;
use brickport_api::types::pipelines::{CreatePipeline, PipelineSpec};
use brickport_engine::Outcome;
use serde_json::json;

use super::{opts, outcome, pair, run, seeded};
use crate::support::{check, seed, seed23};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_stay_alone_and_their_dependents_are_skipped() {
    use base64::Engine;
    let p = pair(Duration::ZERO).await;
    let s = seeded(&p, true).await;
    let gpu = s.gpu.clone().unwrap();
    // A job on a cluster deleted since, and a job running that job.
    let doomed = p
        .source
        .clusters()
        .create(&Cluster {
            cluster_name: Some("doomed".into()),
            spark_version: Some("15.4.x-scala2.12".into()),
            node_type_id: Some("i3.xlarge".into()),
            num_workers: Some(1),
            ..Cluster::default()
        })
        .await
        .unwrap();
    let jobs = p.source.jobs();
    let task = |k: &str, t: serde_json::Value| {
        let mut v = t;
        v["task_key"] = json!(k);
        v
    };
    let orphan = jobs
        .create(&JobSettings {
            name: Some("orphan".into()),
            tasks: Some(vec![task("a", json!({"existing_cluster_id": doomed, "notebook_task": {"notebook_path": "/Shared/team/util"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    p.source.clusters().permanent_delete(&doomed).await.unwrap();
    let after_orphan = jobs
        .create(&JobSettings {
            name: Some("after-orphan".into()),
            tasks: Some(vec![task("r", json!({"run_job_task": {"job_id": orphan}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // A notebook over 10 MB (only the store can hold one), and a job using it.
    {
        let mut st = p.src.emulator().lock();
        let id = st.ids.next_int();
        let body = vec![b'#'; 11 * 1024 * 1024];
        st.workspace.objects.insert(
            "/Shared/team/huge".into(),
            brickport_emulator::kinds::workspace::Object {
                object_id: id,
                object_type: "NOTEBOOK".into(),
                language: Some("PYTHON".into()),
                content: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
                size: body.len(),
                created_at: 1,
                modified_at: 1,
            },
        );
    }
    let huge_job = jobs
        .create(&JobSettings {
            name: Some("huge-job".into()),
            tasks: Some(vec![task("h", json!({"existing_cluster_id": s.etl, "notebook_task": {"notebook_path": "/Shared/team/huge"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    let gpu_job = jobs
        .create(&JobSettings {
            name: Some("gpu-job".into()),
            tasks: Some(vec![task("g", json!({"existing_cluster_id": gpu, "notebook_task": {"notebook_path": "/Shared/team/util"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // A cluster reading a secret from a scope that is not in the source any more.
    let needs_secret = p
        .source
        .clusters()
        .create(&Cluster {
            cluster_name: Some("needs-secret".into()),
            spark_version: Some("15.4.x-scala2.12".into()),
            node_type_id: Some("i3.xlarge".into()),
            num_workers: Some(0),
            spark_env_vars: Some(
                serde_json::from_value(json!({"TOKEN": "{{secrets/gone-scope/token}}"})).unwrap(),
            ),
            ..Cluster::default()
        })
        .await
        .unwrap();
    // A job whose owner has left: the migrating principal owns it in the target.
    let leaver = seed::user(&p.source, "leaver@example.com", "Leaver", true, &[], &[]).await;
    let left_behind = jobs
        .create(&JobSettings {
            name: Some("left-behind".into()),
            run_as: Some(json!({"user_name": "alice@example.com"})),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    let lb = left_behind.to_string();
    seed23::grant(
        &p.source,
        "jobs",
        &lb,
        &[("user_name", "leaver@example.com", "IS_OWNER")],
    )
    .await;
    p.source.scim().users().delete(&leaver).await.unwrap();
    // A pipeline running the notebook too large to copy, and a job updating that pipeline:
    // the pipeline is skipped naming the notebook, the job naming the pipeline.
    let huge_pipeline = CreatePipeline {
        spec: PipelineSpec {
            name: Some("huge-pipeline".into()),
            libraries: Some(vec![json!({"notebook": {"path": "/Shared/team/huge"}})]),
            ..PipelineSpec::default()
        },
        ..CreatePipeline::default()
    };
    let pipeline = p.source.pipelines().create(&huge_pipeline).await.unwrap();
    let pipeline_job = jobs
        .create(&JobSettings {
            name: Some("pipeline-job".into()),
            tasks: Some(vec![task(
                "p",
                json!({"pipeline_task": {"pipeline_id": pipeline}}),
            )]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // The target's region has no GPU nodes.
    p.dst
        .emulator()
        .lock()
        .clusters
        .node_types
        .retain(|n| n.node_type_id != "g4dn.xlarge");

    // validate says so before anything is written.
    let v = brickport_engine::validate(&p.source, &p.target, &opts(&p))
        .await
        .unwrap();
    let nodes = v
        .checks
        .iter()
        .find(|c| c.name == "cluster node types")
        .unwrap();
    // A warning: the run goes on, and only those clusters fail.
    assert!(
        nodes.ok
            && nodes.severity == brickport_engine::Severity::Warning
            && nodes.detail.contains("g4dn.xlarge"),
        "{nodes:?}"
    );

    let r = run(&p).await;
    let expect = |kind: &str, key: &str, o: Outcome, text: &str| {
        let x = outcome(&r, kind, key);
        assert_eq!(x.outcome, o, "{kind} {key}: {x:?}");
        assert!(
            x.detail.as_deref().unwrap_or("").contains(text),
            "{kind} {key}: {x:?}"
        );
    };
    expect("clusters", &gpu, Outcome::Failed, "g4dn.xlarge");
    expect("notebooks", "/Shared/team/huge", Outcome::Failed, "10 MB");
    expect(
        "jobs",
        &format!("({orphan})"),
        Outcome::Failed,
        "no longer exists in the source",
    );
    expect(
        "jobs",
        &format!("({after_orphan})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "jobs",
        &format!("({huge_job})"),
        Outcome::Skipped,
        "/Shared/team/huge",
    );
    expect(
        "jobs",
        &format!("({gpu_job})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "clusters",
        &needs_secret,
        Outcome::Skipped,
        "secret_scopes `gone-scope`",
    );
    expect(
        "cluster_permissions",
        &gpu,
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "job_permissions",
        &format!("({orphan})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "notebook_permissions",
        "/Shared/team/huge",
        Outcome::Skipped,
        "which failed",
    );
    let lbp = outcome(&r, "job_permissions", &format!("({left_behind})"));
    assert!(
        lbp.dropped.iter().any(|d| d.contains("leaver@example.com")),
        "{lbp:?}"
    );
    let tid = lbp.target_id.clone().unwrap();
    let owner = check::grants(&p.target, "jobs", &tid).await;
    assert!(
        owner.contains("user admin@example.com IS_OWNER"),
        "{owner:?}"
    );
    expect(
        "pipelines",
        "huge-pipeline",
        Outcome::Skipped,
        "/Shared/team/huge",
    );
    expect(
        "jobs",
        &format!("({pipeline_job})"),
        Outcome::Skipped,
        "huge-pipeline",
    );
    let t = r.totals();
    assert_eq!(t.failed, 3, "{}", r.to_markdown());
    assert_eq!(t.conflicts, 0);
    assert!(
        r.manual_actions.iter().any(|m| m.kind == "notebooks"
            && m.key == "/Shared/team/huge"
            && m.action.contains("by hand")),
        "{:#?}",
        r.manual_actions
    );

    // Everything else arrived.
    let cl =
        check::assert_clusters(&p.source, &p.target, &[gpu.clone(), needs_secret.clone()]).await;
    check::assert_jobs(
        &p.source,
        &p.target,
        &cl,
        &[orphan, after_orphan, huge_job, gpu_job, pipeline_job],
    )
    .await;
    check::assert_contents(&p.source, &p.target, &["/Shared/team/huge"]).await;
    check::assert_repos(&p.source, &p.target).await;
}
