//! `rollback`: the target holds again exactly what it held before the migration and its
//! cut-over (compared with an independent walk), a second rollback writes nothing, a dry run
//! writes nothing, an object changed in the target since is kept unless forced (a folder
//! holding someone else's notebook whatever), and a migration after a rollback creates
//! everything again, held back again.

use std::time::Duration;

use brickport_api::WorkspaceClient;
use brickport_api::types::policies::Policy;
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{
    NoProgress, Outcome, RollbackOptions, RollbackOutcome, RollbackReport, RunReport, migrate,
    rollback,
};
use brickport_testkit::Walk;
use serde_json::{Value, json};

use crate::support::jobs::pauses;
use crate::support::{Pair, options, walk};

/// A source and a target whose clusters start (and stop) at once.
fn fast(seed: SeedSpec, id_seed: u64) -> EmulatorOptions {
    EmulatorOptions {
        seed,
        cluster_start_delay: Duration::from_millis(20),
        ..options(id_seed)
    }
}

async fn run(p: &Pair) -> RunReport {
    migrate(&p.source, &p.target, &p.options(8), &NoProgress)
        .await
        .unwrap()
}

async fn roll_back(p: &Pair, dry_run: bool, force: bool) -> RollbackReport {
    let how = RollbackOptions { dry_run, force };
    rollback(&p.source, &p.target, &p.options(8), how)
        .await
        .unwrap()
}

/// Everything the walk reads, as one JSON document: two walks equal here hold the same
/// objects with the same content and ids. (Every field named: a kind the walk learns must be
/// added here.)
fn everything(w: &Walk) -> Value {
    let Walk {
        users,
        groups,
        service_principals,
        policies,
        pools,
        warehouses,
        scopes,
        tree,
        repos,
        clusters,
        jobs,
        init_scripts,
        destinations,
        pipelines,
        queries,
        alerts,
        alerts_v2,
        legacy_dashboards,
        dashboards,
        genie_spaces,
        instance_profiles,
    } = w;
    let scopes: serde_json::Map<String, Value> = scopes
        .iter()
        .map(|(name, s)| (name.clone(), json!({"keys": s.keys, "acls": s.acls})))
        .collect();
    json!({
        "users": users, "groups": groups, "service_principals": service_principals,
        "policies": policies, "pools": pools, "warehouses": warehouses, "scopes": scopes,
        "tree": tree, "repos": repos, "clusters": clusters, "jobs": jobs,
        "init_scripts": init_scripts, "destinations": destinations, "pipelines": pipelines,
        "queries": queries, "alerts": alerts, "alerts_v2": alerts_v2,
        "instance_profiles": instance_profiles,
        "legacy_dashboards": legacy_dashboards,
        "dashboards": dashboards, "genie_spaces": genie_spaces,
    })
}

/// Where two documents differ, by JSON pointer (the first few).
fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (l, r) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                differences(l, r, &format!("{at}/{k}"), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(l, r, &format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} then {b}")),
        _ => {}
    }
}

fn assert_same(before: &Value, after: &Value) {
    let mut d = Vec::new();
    differences(before, after, "", &mut d);
    d.truncate(20);
    assert!(
        d.is_empty(),
        "the target differs from before:\n{}",
        d.join("\n")
    );
}

/// The team's own objects in the target before the migration: a notebook in a folder of its
/// own, and a copy of the source's first custom policy (which the migration adopts).
async fn team_objects(p: &Pair) -> String {
    let ws = p.target.workspace();
    ws.mkdirs("/Shared/team-own").await.unwrap();
    let notebook = Import {
        path: "/Shared/team-own/notes".into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content: b"# Databricks notebook source\nprint('the team')\n".to_vec(),
        overwrite: false,
    };
    ws.import(&notebook).await.unwrap();
    let policies = p.source.policies().list().await.unwrap();
    let mine = policies
        .into_iter()
        .find(|x| x.is_default != Some(true) && x.policy_family_id.is_none())
        .expect("the typical source has a custom policy");
    let copy = Policy {
        name: mine.name.clone(),
        definition: mine.definition.clone(),
        description: mine.description.clone(),
        max_clusters_per_user: mine.max_clusters_per_user,
        libraries: mine.libraries.clone(),
        ..Policy::default()
    };
    p.target.policies().create(&copy).await.unwrap();
    mine.name.unwrap()
}

fn failures(r: &RunReport) -> Vec<String> {
    let bad = [Outcome::Failed, Outcome::Conflict];
    let objects = r.objects().unwrap().into_iter();
    objects
        .filter(|o| bad.contains(&o.outcome))
        .map(|o| format!("{} {}: {:?}", o.kind, o.key, o.detail))
        .collect()
}

fn left_behind(r: &RollbackReport) -> Vec<String> {
    let kept = r.objects.iter().filter(|o| o.outcome.left_behind());
    kept.map(|o| format!("{} {}: {:?} {:?}", o.kind, o.key, o.outcome, o.detail))
        .collect()
}

async fn state(c: &WorkspaceClient) -> Value {
    everything(&Walk::of(&walk(c)).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typical_migration_rolled_back_leaves_the_target_as_it_was() {
    let p = Pair::of(fast(SeedSpec::Typical, 21), fast(SeedSpec::None, 22)).await;
    let policy = team_objects(&p).await;
    let before = state(&p.target).await;

    let first = run(&p).await;
    assert_eq!(failures(&first), Vec::<String>::new());
    let adopted = first
        .objects()
        .unwrap()
        .into_iter()
        .find(|o| o.key == policy);
    assert_eq!(adopted.map(|o| o.outcome), Some(Outcome::Adopted));
    let migrated = state(&p.target).await;

    // A dry run reads, writes nothing, and says what the rollback will do.
    let (writes, rows) = (p.target_writes(), ledger_rows(&p));
    let look = roll_back(&p, true, false).await;
    assert_eq!(p.target_writes(), writes, "a dry run wrote to the target");
    assert_eq!(ledger_rows(&p), rows, "a dry run wrote to the ledger");
    assert!(look.is_success(), "{:#?}", left_behind(&look));
    assert_same(&migrated, &state(&p.target).await);

    // Cut over: what it switched on in the target (schedules, continuous pipelines) was
    // brickport's doing, not a change made there.
    let cut = brickport_engine::cutover(&p.source, &p.target, &p.options(8), false)
        .await
        .unwrap();
    assert!(cut.count(brickport_engine::CutoverOutcome::Resumed) > 0);
    let running =
        |pauses: &std::collections::BTreeMap<_, std::collections::BTreeMap<_, String>>| {
            pauses
                .values()
                .flat_map(|b| b.values())
                .filter(|s| *s == "UNPAUSED")
                .count()
        };
    assert!(running(&pauses(&p.target).await) > 0);

    let done = roll_back(&p, false, false).await;
    assert!(done.is_success(), "{:#?}", left_behind(&done));
    let deleted = done.count(RollbackOutcome::Deleted);
    assert_eq!(
        deleted,
        look.count(RollbackOutcome::Deleted),
        "as the dry run said"
    );
    // Every object the migration created, of every kind, and nothing else.
    for k in first
        .kinds
        .iter()
        .filter(|k| !k.kind.ends_with("_permissions"))
    {
        let of_kind = done.objects.iter().filter(|o| o.kind == k.kind);
        let n = of_kind
            .filter(|o| o.outcome == RollbackOutcome::Deleted)
            .count();
        assert_eq!(n, k.created, "{} deleted", k.kind);
    }
    assert!(deleted > 300, "{deleted} deleted");
    let kept = done
        .objects
        .iter()
        .find(|o| o.key == policy)
        .map(|o| o.outcome);
    assert_eq!(kept, Some(RollbackOutcome::Existed), "the adopted policy");
    assert_same(&before, &state(&p.target).await);

    // Again: nothing to do, nothing written.
    let writes = p.target_writes();
    let again = roll_back(&p, false, false).await;
    assert_eq!(p.target_writes(), writes, "a second rollback wrote");
    assert_eq!(again.count(RollbackOutcome::Deleted), 0);
    assert_eq!(
        again.already_rolled_back,
        done.already_rolled_back
            + deleted
            + done.count(RollbackOutcome::WithObject)
            + done.count(RollbackOutcome::Gone)
    );

    // A migration after it creates everything again, as the first one did.
    let second = run(&p).await;
    assert_eq!(failures(&second), Vec::<String>::new());
    let created = |r: &RunReport| r.kinds.iter().map(|k| k.created).sum::<usize>();
    assert_eq!(created(&second), created(&first));
    // Held back again: the cut-over of the rolled-back jobs is forgotten with them.
    assert_eq!(
        running(&pauses(&p.target).await),
        0,
        "a job runs in the target"
    );
    let writes = p.target_writes();
    run(&p).await;
    assert_eq!(
        p.target_writes(),
        writes,
        "a re-run after the new migration wrote"
    );
}

/// The ledger's rows, as `status` would count them.
fn ledger_rows(p: &Pair) -> Vec<(String, String, String)> {
    let s = brickport_engine::status(&p.options(8).run_dir).unwrap();
    let mut out = Vec::new();
    for phase in s.phases {
        for k in phase.kinds {
            for (status, n) in k.by_status {
                out.push((k.kind.clone(), format!("{status:?}"), n.to_string()));
            }
        }
    }
    out
}

/// A notebook's import.
fn notebook(path: &str, text: &str, overwrite: bool) -> Import {
    Import {
        path: path.into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content: format!("# Databricks notebook source\n{text}\n").into_bytes(),
        overwrite,
    }
}

fn outcome_of(r: &RollbackReport, key: &str) -> Option<RollbackOutcome> {
    r.objects.iter().find(|o| o.key == key).map(|o| o.outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_changed_in_the_target_is_kept_unless_forced_and_never_someone_elses() {
    let p = Pair::of(fast(SeedSpec::None, 23), fast(SeedSpec::None, 24)).await;
    let small = Policy {
        name: Some("small".into()),
        definition: Some(r#"{"autotermination_minutes": {"type": "fixed", "value": 30}}"#.into()),
        ..Policy::default()
    };
    p.source.policies().create(&small).await.unwrap();
    let ws = p.source.workspace();
    ws.mkdirs("/Shared/etl").await.unwrap();
    ws.import(&notebook("/Shared/etl/nb", "print(1)", false))
        .await
        .unwrap();
    crate::support::seed::group(&p.source, "g", &[], &[]).await;
    assert_eq!(failures(&run(&p).await), Vec::<String>::new());

    // By hand in the target: the policy and the notebook changed, someone's notebook added.
    let mut policy = p.target.policies().list().await.unwrap();
    policy.retain(|x| x.name.as_deref() == Some("small"));
    let mut edited = policy.remove(0);
    edited.definition =
        Some(r#"{"autotermination_minutes": {"type": "fixed", "value": 60}}"#.into());
    p.target.policies().edit(&edited).await.unwrap();
    let tws = p.target.workspace();
    tws.import(&notebook("/Shared/etl/nb", "print(2)", true))
        .await
        .unwrap();
    tws.import(&notebook("/Shared/etl/theirs", "print(3)", false))
        .await
        .unwrap();

    let writes = p.target_writes();
    let look = roll_back(&p, true, false).await;
    assert_eq!(p.target_writes(), writes, "a dry run wrote");
    let done = roll_back(&p, false, false).await;
    for r in [&look, &done] {
        assert_eq!(
            outcome_of(r, "small"),
            Some(RollbackOutcome::Changed),
            "{r:#?}"
        );
        assert_eq!(
            outcome_of(r, "/Shared/etl/nb"),
            Some(RollbackOutcome::Changed)
        );
        assert_eq!(outcome_of(r, "/Shared/etl"), Some(RollbackOutcome::Holds));
        assert!(!r.is_success());
    }
    assert_eq!(outcome_of(&done, "g"), Some(RollbackOutcome::Deleted));
    let detail = done
        .objects
        .iter()
        .find(|o| o.key == "/Shared/etl")
        .unwrap();
    assert!(
        detail
            .detail
            .as_deref()
            .unwrap()
            .contains("/Shared/etl/theirs"),
        "{detail:?}"
    );

    // Forced: what changed goes; the folder stays, with their notebook in it.
    let forced = roll_back(&p, false, true).await;
    assert_eq!(outcome_of(&forced, "small"), Some(RollbackOutcome::Deleted));
    assert_eq!(
        outcome_of(&forced, "/Shared/etl/nb"),
        Some(RollbackOutcome::Deleted)
    );
    assert_eq!(
        outcome_of(&forced, "/Shared/etl"),
        Some(RollbackOutcome::Holds)
    );
    let left = Walk::of(&walk(&p.target)).await.unwrap();
    assert_eq!(left.paths("NOTEBOOK"), ["/Shared/etl/theirs"]);
    assert!(!left.policies.iter().any(|x| x["name"] == "small"));

    // Once their notebook has moved out, the folder goes too.
    tws.delete("/Shared/etl/theirs", false).await.unwrap();
    let last = roll_back(&p, false, false).await;
    assert!(last.is_success(), "{:#?}", left_behind(&last));
    assert_eq!(
        outcome_of(&last, "/Shared/etl"),
        Some(RollbackOutcome::Deleted)
    );
}
