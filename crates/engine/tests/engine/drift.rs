//! What a re-run sees of the target: drift made there by hand is left alone by a plain
//! `migrate` (unchanged sources are not re-read) and repaired by `recheck`; the grants of an
//! object left alone as a conflict are not written; `plan` and `migrate` count folders and
//! groups alike on an empty target.

use brickport_api::types::permissions::AccessControlRequest;
use brickport_api::types::policies::Policy;
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{ConflictPolicy, NoProgress, Outcome, RunReport, migrate, plan, verify};
use serde_json::json;

use crate::support::jobs::*;
use crate::support::seed;
use crate::support::{Pair, options, pair};

fn outcome(r: &RunReport, kind: &str, key: &str) -> Outcome {
    r.objects()
        .unwrap()
        .into_iter()
        .find(|o| o.kind == kind && o.key.starts_with(key))
        .unwrap_or_else(|| panic!("no {kind} {key} in {}", r.to_markdown()))
        .outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_in_the_target_is_left_by_migrate_and_repaired_by_recheck() {
    let p = pair().await;
    seed(&p.source).await;
    let mut opts = p.options(4);
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(run.is_success(), "{}", run.to_markdown());

    // Someone edits the notebook and a job in the target.
    edit_by_hand(&p.target).await;

    // The fast default: unchanged sources, no request to the target, the drift stays.
    let writes = p.dst.stats().writes;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome(&r, "notebooks", NB), Outcome::Unchanged);
    assert_eq!(outcome(&r, "jobs", "hourly"), Outcome::Unchanged);
    assert_eq!(p.dst.stats().writes, writes);
    assert!(
        r.to_markdown().contains("**Not re-read:** "),
        "{}",
        r.to_markdown()
    );
    assert!(
        !verify(&p.source, &p.target, &opts)
            .await
            .unwrap()
            .is_success()
    );

    // With recheck every object is compared with the target: both are restored.
    opts.recheck = true;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    assert_eq!(outcome(&r, "notebooks", NB), Outcome::Updated);
    assert_eq!(outcome(&r, "jobs", "hourly"), Outcome::Updated);
    let t = r.totals();
    assert_eq!(
        t.updated,
        2,
        "only the two edited objects: {}",
        r.to_markdown()
    );
    assert!(!r.to_markdown().contains("Not re-read"));
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_of_an_object_left_alone_as_a_conflict_are_not_written() {
    let p = pair().await;
    seed::group(&p.source, "data-eng", &[], &[]).await;
    let policy = |value: i64| Policy {
        name: Some("small-clusters".into()),
        definition: Some(json!({"num_workers": {"type": "fixed", "value": value}}).to_string()),
        ..Policy::default()
    };
    let sid = p.source.policies().create(&policy(2)).await.unwrap();
    let grant = |g: &str| vec![AccessControlRequest::new("group_name", g, "CAN_USE")];
    p.source
        .permissions()
        .set("cluster-policies", &sid, &grant("data-eng"))
        .await
        .unwrap();
    // The target's own policy of that name, with its own grant.
    seed::group(&p.target, "target-team", &[], &[]).await;
    let tid = p.target.policies().create(&policy(9)).await.unwrap();
    p.target
        .permissions()
        .set("cluster-policies", &tid, &grant("target-team"))
        .await
        .unwrap();
    let acl = || async {
        let got = p
            .target
            .permissions()
            .get("cluster-policies", &tid)
            .await
            .unwrap();
        let mut groups: Vec<String> = got
            .access_control_list
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.group_name)
            .filter(|g| g != "admins")
            .collect();
        groups.sort();
        groups
    };

    let mut opts = p.options(4);
    // Users too: without them the `admins` group's members are lost, and the run fails.
    opts.only = [
        "users",
        "groups",
        "cluster_policies",
        "cluster_policy_permissions",
    ]
    .map(String::from)
    .to_vec();
    // The plan says so too (it records nothing in the ledger), then migrate does it.
    let (report, skip) = (ConflictPolicy::Report, ConflictPolicy::Skip);
    for (policy, dry) in [(report, true), (report, false), (skip, false)] {
        opts.conflict_policy = policy;
        let r = if dry {
            plan(&p.source, &p.target, &opts).await.unwrap()
        } else {
            migrate(&p.source, &p.target, &opts, &NoProgress)
                .await
                .unwrap()
        };
        let perm = r
            .objects()
            .unwrap()
            .into_iter()
            .find(|o| o.kind == "cluster_policy_permissions" && o.key == "small-clusters")
            .unwrap();
        assert_eq!(perm.outcome, Outcome::Skipped, "{policy:?}: {perm:?}");
        assert!(
            perm.detail
                .as_deref()
                .is_some_and(|d| d.contains("left alone as a conflict")),
            "{perm:?}"
        );
        assert_eq!(acl().await, ["target-team"], "{policy:?}");
    }

    // Overwritten, the policy is the migration's: its grants follow.
    opts.conflict_policy = ConflictPolicy::Overwrite;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    assert_eq!(acl().await, ["data-eng"]);
}

/// On an empty target, `plan` and `migrate` count folders and groups alike: each folder is
/// created by its own call (parents first), so none is counted `unchanged` because a deeper
/// folder's `mkdirs` made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_migrate_count_folders_and_groups_alike() {
    let typical = EmulatorOptions {
        seed: SeedSpec::Typical,
        ..options(1)
    };
    let p = Pair::of(typical, options(2)).await;
    let (source, target) = (&p.source, &p.target);
    let mut opts = p.options(8);
    // The account group is assigned first (`account_group_assignments`), then mapped.
    opts.only = [
        "users",
        "service_principals",
        "account_group_assignments",
        "groups",
        "workspace_folders",
    ]
    .map(String::from)
    .to_vec();
    let planned = plan(source, target, &opts).await.unwrap();
    let run = migrate(source, target, &opts, &NoProgress).await.unwrap();
    assert!(run.is_success(), "{}", run.to_markdown());
    let counts = |r: &RunReport, kind: &str| {
        let k = r.kinds.iter().find(|k| k.kind == kind).unwrap();
        (k.total, k.created, k.updated, k.unchanged, k.skipped)
    };
    for kind in ["workspace_folders", "groups"] {
        assert_eq!(
            counts(&planned, kind),
            counts(&run, kind),
            "{kind}: plan\n{}\nmigrate\n{}",
            planned.to_markdown(),
            run.to_markdown()
        );
    }
    let (total, created, ..) = counts(&run, "workspace_folders");
    assert!(created > 40 && created < total, "{total} {created}");
}

/// Deep folders created at the same time: each is created by its own call, parents first,
/// so none is found already made by a deeper folder's `mkdirs` and counted `unchanged`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_folder_counts_created_once() {
    let p = pair().await;
    let mut paths = Vec::new();
    for i in 0..20 {
        let deep = format!("/Shared/c{i}/a/b/c/d/e");
        p.source.workspace().mkdirs(&deep).await.unwrap();
        let mut path = deep.as_str();
        while path != "/Shared" {
            paths.push(path.to_string());
            path = path.rsplit_once('/').unwrap().0;
        }
    }
    let mut opts = p.options(4);
    opts.only = vec!["workspace_folders".into()];
    opts.max_concurrency = 64;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    for path in &paths {
        let o = r
            .objects()
            .unwrap()
            .into_iter()
            .find(|o| &o.key == path)
            .unwrap();
        assert_eq!(o.outcome, Outcome::Created, "{o:?}");
    }
    let k = r
        .kinds
        .iter()
        .find(|k| k.kind == "workspace_folders")
        .unwrap();
    assert_eq!(k.created, paths.len());
}
