//! Faults, rejections and crashes.

use std::time::Duration;

use brickport_api::WorkspaceClient;
use brickport_emulator::FaultSpec;
use brickport_engine::{NoProgress, Outcome, migrate};
use futures::TryStreamExt;

use crate::support::pair;
use crate::support::{seed, view};

fn faults() -> FaultSpec {
    FaultSpec {
        p429: 0.04,
        p503: 0.03,
        p500limit: 0.0,
        reset: 0.02,
        lost: 0.10,
    }
}

/// No object name appears twice in the target (names are not unique for pools/warehouses).
async fn assert_no_duplicates(t: &WorkspaceClient) {
    let mut names: Vec<String> = t
        .pools()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|p| format!("pool {}", p.instance_pool_name.unwrap()))
        .collect();
    let whs: Vec<_> = t.warehouses().list().try_collect().await.unwrap();
    names.extend(
        whs.into_iter()
            .map(|w| format!("warehouse {}", w.name.unwrap())),
    );
    names.extend(
        t.policies()
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|p| format!("policy {}", p.name.unwrap())),
    );
    let before = names.len();
    names.sort();
    names.dedup();
    assert_eq!(before, names.len(), "duplicates in the target: {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_do_not_change_the_result() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    p.src.set_faults(faults());
    p.dst.set_faults(faults());
    let opts = p.opts();
    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(report.is_success(), "{}", report.to_markdown());
    let injected = p.dst.stats().faults;
    assert!(
        injected.values().sum::<u64>() > 0,
        "no fault was injected: {injected:?}"
    );

    p.src.set_faults_enabled(false);
    p.dst.set_faults_enabled(false);
    view::assert_same(&p.source, &p.target).await;
    assert_no_duplicates(&p.target).await;
    let before = p.target_writes();
    let again = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before, "{}", again.to_markdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_the_target_rejects_fails_alone() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    // The target does not offer the node type of `pool-general`: it rejects that pool.
    p.dst
        .emulator()
        .lock()
        .clusters
        .node_types
        .retain(|n| n.node_type_id != "m5d.large");

    // A cluster on each pool: the one on the rejected pool must be skipped, with the reason.
    let pools = p.source.pools().list().await.unwrap();
    for pool in &pools {
        let name = pool.instance_pool_name.clone().unwrap();
        let cluster: brickport_api::types::clusters::Cluster =
            serde_json::from_value(serde_json::json!({
                "cluster_name": format!("on-{name}"),
                "spark_version": "15.4.x-scala2.12",
                "instance_pool_id": pool.instance_pool_id,
                "num_workers": 1,
                "autotermination_minutes": 30,
            }))
            .unwrap();
        p.source.clusters().create(&cluster).await.unwrap();
    }
    let mut opts = p.opts();
    opts.phase = None;
    let phase1 = [
        "users",
        "service_principals",
        "groups",
        "cluster_policies",
        "instance_pools",
        "sql_warehouses",
        "secret_scopes",
        "workspace_folders",
    ];
    opts.only = phase1
        .iter()
        .chain(&["clusters"])
        .map(|k| k.to_string())
        .collect();
    let check = brickport_engine::validate(&p.source, &p.target, &opts)
        .await
        .unwrap();
    let node_check = check
        .checks
        .iter()
        .find(|c| c.name == "pool node types")
        .unwrap();
    // A warning, not an error: the run goes on and only that pool fails.
    assert!(
        node_check.ok
            && node_check.severity == brickport_engine::Severity::Warning
            && node_check.detail.contains("m5d.large"),
        "{node_check:?}"
    );

    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let failed: Vec<_> = report
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| o.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.to_markdown());
    assert_eq!(failed[0].key, "pool-general");
    assert!(
        failed[0].detail.as_deref().unwrap().contains("m5d.large"),
        "{:?}",
        failed[0].detail
    );
    assert!(!report.is_success());
    let pools = report
        .kinds
        .iter()
        .find(|k| k.kind == "instance_pools")
        .unwrap();
    assert_eq!((pools.created, pools.failed), (1, 1));
    // Its dependent is skipped with the reason; the cluster on the other pool is created.
    let cluster = |pool: &str| {
        report
            .objects()
            .unwrap()
            .into_iter()
            .find(|o| o.kind == "clusters" && o.key.contains(&format!("on-{pool}")))
            .unwrap()
    };
    let dependent = cluster("pool-general");
    assert_eq!(dependent.outcome, Outcome::Skipped, "{dependent:?}");
    assert!(
        dependent
            .detail
            .as_deref()
            .unwrap()
            .contains("pool-general"),
        "{dependent:?}"
    );
    assert_eq!(cluster("pool-small").outcome, Outcome::Created);
    // Everything else arrived.
    let others = report.totals();
    assert_eq!(others.failed, 1);
    assert!(others.created >= 12, "{}", report.to_markdown());
    let md = std::fs::read_to_string(opts.run_dir.join("report.md")).unwrap();
    assert!(md.contains("pool-general") && md.contains("failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_dropped_mid_way_resumes_without_duplicates() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    let opts = p.opts();
    // Lost answers too, so some intents are left without an outcome at the moment of the drop.
    p.dst.set_faults(FaultSpec {
        lost: 0.15,
        ..FaultSpec::default()
    });
    let (mut cuts, mut pending_seen) = (0, 0);
    for stop_after in [2u64, 5, 9] {
        let start = p.target_writes();
        let watcher = async {
            while p.target_writes() < start + stop_after {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            r = migrate(&p.source, &p.target, &opts, &NoProgress) => {
                // Finished before the cut: fine, the next rounds still resume.
                r.unwrap();
            }
            _ = watcher => {
                cuts += 1;
                let st = brickport_engine::status(&opts.run_dir).unwrap();
                pending_seen += st.problems.iter().filter(|x| x.status == brickport_engine::ledger::Status::Pending).count();
            }
        }
    }
    assert!(cuts >= 2, "the run was never interrupted");
    assert!(
        pending_seen >= 1,
        "no intent was left without an outcome: the scenario did not happen"
    );
    p.dst.set_faults_enabled(false);
    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(report.is_success(), "{}", report.to_markdown());
    view::assert_same(&p.source, &p.target).await;
    assert_no_duplicates(&p.target).await;
    let before = p.target_writes();
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before);
}

/// One object's 500 is that object's failure, not an outage: the run neither waits nor
/// stops, the other objects are migrated, and the target is never taken for unreachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_objects_500_fails_that_object_alone() {
    use brickport_emulator::{FaultRule, RuleAction};
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    p.dst.set_fault_rules(vec![FaultRule::nth(
        "POST",
        "/api/2.0/instance-pools/create",
        1,
        RuleAction::Error {
            status: 500,
            error_code: "INTERNAL_ERROR".into(),
            message: Some("something broke".into()),
        },
    )]);
    let mut outages = p.target.outages();
    let report = migrate(&p.source, &p.target, &p.opts(), &NoProgress)
        .await
        .unwrap();
    let objects = report.objects().unwrap();
    let failed: Vec<_> = objects
        .iter()
        .filter(|o| o.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.to_markdown());
    assert_eq!(failed[0].kind, "instance_pools");
    assert!(
        failed[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("HTTP 500"),
        "{failed:?}"
    );
    let pools = report.kinds.iter().find(|k| k.kind == "instance_pools");
    let pools = pools.unwrap();
    assert_eq!((pools.failed, pools.created), (1, pools.total - 1));
    assert!(!outages.has_changed().unwrap(), "the gate never moved");
    assert_eq!(
        *outages.borrow_and_update(),
        brickport_api::Outage::Answering
    );
}
