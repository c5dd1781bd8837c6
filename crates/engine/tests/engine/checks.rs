//! validate, plan, status, conflict policies, fail_fast.

use brickport_api::types::policies::Policy;
use brickport_emulator::{EmulatorOptions, TokenSpec};
use brickport_engine::{ConflictPolicy, NoProgress, Outcome, migrate, plan, status, validate};
use serde_json::json;

use crate::support::seed;
use crate::support::{client, options, pair, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_identity_admin_and_refuses_one_workspace_twice() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    let opts = p.opts();
    let ok = validate(&p.source, &p.target, &opts).await.unwrap();
    assert!(ok.ok(), "{:#?}", ok.failures());
    assert_eq!(ok.source_principal.as_deref(), Some("admin@example.com"));
    assert!(
        ok.checks
            .iter()
            .any(|c| c.name == "workspace admin" && c.workspace == "target" && c.ok)
    );
    assert!(
        ok.checks
            .iter()
            .any(|c| c.name == "pool node types" && c.ok)
    );

    // A supplied secret value for a scope or key the source does not have (a typo) fails the
    // pre-check, naming it, never the value; correct names pass.
    let mut typo = opts.clone();
    let value = || brickport_api::Secret::new("typo-s3cr3t");
    typo.secret_values
        .entry("opz".into())
        .or_default()
        .insert("pager-token".into(), value());
    typo.secret_values
        .entry("ops".into())
        .or_default()
        .insert("pager-tokn".into(), value());
    let bad = validate(&p.source, &p.target, &typo).await.unwrap();
    let c = bad
        .failures()
        .into_iter()
        .find(|c| c.name == "secret values")
        .unwrap_or_else(|| panic!("no failing secret values check: {:#?}", bad.checks));
    assert!(c.detail.contains("scope `opz`"), "{}", c.detail);
    assert!(c.detail.contains("key `ops/pager-tokn`"), "{}", c.detail);
    assert!(!format!("{:?}", bad.checks).contains("typo-s3cr3t"));
    let mut right = opts.clone();
    right
        .secret_values
        .entry("ops".into())
        .or_default()
        .insert("pager-token".into(), value());
    let good = validate(&p.source, &p.target, &right).await.unwrap();
    assert!(good.ok(), "{:#?}", good.failures());
    assert!(
        good.checks
            .iter()
            .any(|c| c.name == "secret values" && c.ok)
    );

    // The same workspace on both sides is refused, by host …
    let same = validate(&p.source, &client(p.src.url()), &opts)
        .await
        .unwrap();
    assert!(!same.ok());
    assert!(
        same.failures()
            .iter()
            .any(|c| c.name == "distinct workspaces")
    );
    // … and by identity, when two names lead to one workspace.
    let alias = client(&p.src.url().replace("127.0.0.1", "localhost"));
    let aliased = validate(&p.source, &alias, &opts).await.unwrap();
    assert!(
        aliased
            .failures()
            .iter()
            .any(|c| c.name == "distinct workspaces" && c.detail.contains("admins")),
        "{:#?}",
        aliased.checks
    );

    // A name taken in the target is reported (informational).
    p.target
        .policies()
        .create(&Policy {
            name: Some("small-clusters".into()),
            definition: Some(json!({"x": {"type": "fixed", "value": 1}}).to_string()),
            ..Policy::default()
        })
        .await
        .unwrap();
    let v = validate(&p.source, &p.target, &opts).await.unwrap();
    let c = v
        .checks
        .iter()
        .find(|c| c.name == "cluster_policies name collisions")
        .unwrap();
    assert!(c.detail.contains("small-clusters"), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_requires_a_workspace_admin() {
    let p = pair().await;
    let nonadmin = start(EmulatorOptions {
        tokens: vec![TokenSpec {
            token: "test-token".into(),
            user_name: "joe@example.com".into(),
            is_admin: false,
        }],
        ..options(3)
    })
    .await;
    let v = validate(&p.source, &client(nonadmin.url()), &p.opts())
        .await
        .unwrap();
    let f = v.failures();
    assert!(
        f.iter().any(|c| c.name == "workspace admin"
            && c.workspace == "target"
            && c.detail.contains("joe@example.com")),
        "{:#?}",
        v.checks
    );
    assert!(f.iter().all(|c| c.fix.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_writes_nothing_and_status_reads_the_ledger() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    let opts = p.opts();
    let before = p.target_writes();
    let planned = plan(&p.source, &p.target, &opts).await.unwrap();
    assert_eq!(p.target_writes(), before, "plan wrote to the target");
    assert!(!opts.run_dir.exists(), "plan created the run directory");
    assert!(planned.dry_run);
    let would = |k: &str| {
        planned
            .objects()
            .unwrap()
            .into_iter()
            .find(|o| o.key == k)
            .map(|o| o.outcome)
    };
    assert_eq!(would("data-eng"), Some(Outcome::Created));
    assert_eq!(would("wh-analytics"), Some(Outcome::Created));
    assert_eq!(would("Personal Compute"), Some(Outcome::Skipped));

    assert!(matches!(
        status(&opts.run_dir),
        Err(brickport_engine::EngineError::NoLedger(_))
    ));
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let replanned = plan(&p.source, &p.target, &opts).await.unwrap();
    let t = replanned.totals();
    assert_eq!(
        t.created + t.updated + t.conflicts + t.failed,
        0,
        "{}",
        replanned.to_markdown()
    );

    let st = status(&opts.run_dir).unwrap();
    assert_eq!((st.runs_started, st.runs_finished), (1, 1));
    let phase1 = st.phases.iter().find(|ph| ph.phase == 1).unwrap();
    assert!(phase1.complete, "{phase1:#?}");
    let users = phase1.kinds.iter().find(|k| k.kind == "users").unwrap();
    assert_eq!(users.total, 4);
    assert!(st.problems.is_empty(), "{:#?}", st.problems);
    assert_eq!(
        st.manual_actions.len(),
        3,
        "one per secret holding the placeholder"
    );
}

/// The source's `small-clusters`, but with another definition, created in the target first.
async fn clashing_policy(p: &crate::support::Pair) {
    p.target
        .policies()
        .create(&Policy {
            name: Some("small-clusters".into()),
            definition: Some(json!({"num_workers": {"type": "fixed", "value": 9}}).to_string()),
            ..Policy::default()
        })
        .await
        .unwrap();
}

fn outcome_of(r: &brickport_engine::RunReport, key: &str) -> Outcome {
    r.objects()
        .unwrap()
        .into_iter()
        .find(|o| o.key == key)
        .unwrap()
        .outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_follow_the_policy_and_equal_objects_are_adopted() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    // An equal pool already in the target: adopted.
    let src_pool = p
        .source
        .pools()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.instance_pool_name.as_deref() == Some("pool-small"))
        .unwrap();
    let mut copy = src_pool.clone();
    copy.instance_pool_id = None;
    copy.state = None;
    copy.stats = None;
    copy.status = None;
    copy.default_tags = None;
    p.target.pools().create(&copy).await.unwrap();
    clashing_policy(&p).await;

    let mut opts = p.opts();
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome_of(&r, "pool-small"), Outcome::Adopted);
    assert_eq!(outcome_of(&r, "small-clusters"), Outcome::Conflict);
    let c = r
        .objects()
        .unwrap()
        .into_iter()
        .find(|o| o.key == "small-clusters")
        .unwrap();
    assert!(c.diffs.iter().any(|d| d == "definition"), "{c:?}");
    assert!(!r.is_success());

    opts.conflict_policy = ConflictPolicy::Skip;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome_of(&r, "small-clusters"), Outcome::Skipped);
    opts.conflict_policy = ConflictPolicy::Fail;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome_of(&r, "small-clusters"), Outcome::Failed);
    opts.conflict_policy = ConflictPolicy::Overwrite;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome_of(&r, "small-clusters"), Outcome::Updated);
    assert!(r.is_success(), "{}", r.to_markdown());
    // Overwritten, it now belongs to the migration: a default-policy run leaves it unchanged.
    opts.conflict_policy = ConflictPolicy::Report;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(outcome_of(&r, "small-clusters"), Outcome::Unchanged);
    crate::support::view::assert_same(&p.source, &p.target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_stops_after_the_first_failure() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    clashing_policy(&p).await;
    let mut opts = p.opts();
    opts.conflict_policy = ConflictPolicy::Fail;
    opts.fail_fast = true;
    opts.max_concurrency = 1;
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(
        r.aborted
            .as_deref()
            .is_some_and(|a| a.contains("small-clusters")),
        "{:?}",
        r.aborted
    );
    let t = r.totals();
    assert_eq!(t.failed, 1);
    // The run stopped: the objects not started before the failure are reported as not
    // attempted (kinds run side by side, so how many started before it depends on timing).
    let not_attempted = r
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| {
            o.outcome == Outcome::Skipped
                && o.detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with("not attempted"))
        })
        .count();
    assert!(not_attempted > 0, "{}", r.to_markdown());
}
