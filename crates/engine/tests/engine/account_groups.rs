//! Account groups into a target that does not have them: assigned through the workspace's
//! permission-assignments API (shown in `plan`, recorded as created, taken back by
//! `rollback`, left alone by a re-run); refused by the target, a manual action names the
//! group and the account console's page, the run goes on, and only what names the group
//! (its own groups line, the membership and the grant naming it) is left out, saying why.

use std::time::Duration;

use brickport_emulator::{EmulatorOptions, FaultRule, RuleAction, SeedSpec};
use brickport_engine::{
    NoProgress, ObjectReport, Outcome, RollbackOptions, RunReport, migrate, plan, rollback,
};

use crate::support::{Pair, options};

const GROUP: &str = "acct-all-employees";
const KIND: &str = "account_group_assignments";
const TEAM_SPACE: &str = "/Shared/Team Space";

async fn typical_into_empty() -> Pair {
    let at = |seed, id_seed| EmulatorOptions {
        seed,
        cluster_start_delay: Duration::from_millis(20),
        ..options(id_seed)
    };
    Pair::of(at(SeedSpec::Typical, 31), at(SeedSpec::None, 32)).await
}

/// What the account group touches: identities, the folders and their grants (the typical
/// seed's account group has CAN_READ on [`TEAM_SPACE`]).
fn opts(p: &Pair) -> brickport_engine::EngineOptions {
    let mut o = p.options(8);
    o.only = [
        "users",
        "service_principals",
        KIND,
        "groups",
        "workspace_folders",
        "folder_permissions",
    ]
    .map(String::from)
    .to_vec();
    o
}

fn one<'r>(r: &'r [ObjectReport], kind: &str, key: &str) -> &'r ObjectReport {
    r.iter()
        .find(|o| o.kind == kind && o.key == key)
        .unwrap_or_else(|| panic!("no {kind} `{key}` in the report"))
}

async fn run(p: &Pair) -> RunReport {
    migrate(&p.source, &p.target, &opts(p), &NoProgress)
        .await
        .unwrap()
}

/// Whether the target's SCIM has the group as an account group.
async fn in_target(p: &Pair) -> bool {
    let found = p.target.scim().groups().find_eq("displayName", GROUP).await;
    found.unwrap().iter().any(|g| g.is_account_group())
}

/// The groups named in the direct grants of the target's copy of [`TEAM_SPACE`].
async fn team_space_groups(p: &Pair) -> Vec<String> {
    let st = p.target.workspace().get_status(TEAM_SPACE).await.unwrap();
    let id = st.object_id.unwrap().to_string();
    let perms = p
        .target
        .permissions()
        .get("directories", &id)
        .await
        .unwrap();
    let acl = perms.access_control_list.unwrap_or_default();
    acl.iter().filter_map(|a| a.group_name.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_group_missing_in_the_target_is_assigned_recorded_and_rolled_back() {
    let p = typical_into_empty().await;
    let planned = plan(&p.source, &p.target, &opts(&p)).await.unwrap();
    let planned = planned.objects().unwrap();
    assert_eq!(one(&planned, KIND, GROUP).outcome, Outcome::Created, "plan");
    assert!(!in_target(&p).await, "a plan writes nothing");

    let first = run(&p).await;
    assert!(first.is_success(), "{:#?}", first.totals());
    let objects = first.objects().unwrap();
    assert_eq!(one(&objects, KIND, GROUP).outcome, Outcome::Created);
    assert!(
        in_target(&p).await,
        "assigned: an account group of the target"
    );
    let grants = one(&objects, "folder_permissions", TEAM_SPACE);
    let acct = one(&objects, "groups", GROUP);
    assert!(
        team_space_groups(&p).await.contains(&GROUP.to_string()),
        "{grants:#?} {acct:#?} {:?}",
        team_space_groups(&p).await
    );

    let before = p.dst.stats().writes;
    let again = run(&p).await;
    assert!(again.is_success());
    assert_eq!(p.dst.stats().writes, before, "a re-run writes nothing");

    let r = rollback(
        &p.source,
        &p.target,
        &p.options(8),
        RollbackOptions::default(),
    )
    .await
    .unwrap();
    let mine: Vec<_> = r.objects.iter().filter(|o| o.kind == KIND).collect();
    assert!(
        !mine.is_empty() && mine.iter().all(|o| !o.outcome.left_behind()),
        "{mine:#?}"
    );
    assert!(!in_target(&p).await, "rollback removed the assignment");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_assignment_is_a_manual_action_and_only_its_dependents_wait() {
    let p = typical_into_empty().await;
    let refused = RuleAction::Error {
        status: 403,
        error_code: "PERMISSION_DENIED".into(),
        message: Some("Only account admins can assign account groups.".into()),
    };
    let path = "/api/2.0/preview/permissionassignments";
    let mut rule = FaultRule::nth("POST", path, 1, refused);
    rule.count = 100;
    p.dst.set_fault_rules(vec![rule]);

    let r = run(&p).await;
    let objects = r.objects().unwrap();
    let assignment = one(&objects, KIND, GROUP);
    assert_eq!(assignment.outcome, Outcome::Failed, "{assignment:#?}");
    let action = assignment.manual.join("\n");
    assert!(
        action.contains(GROUP) && action.contains("account console"),
        "{action}"
    );
    assert!(r.manual_actions.iter().any(|a| a.action.contains(GROUP)));

    // Its groups line, and what names it, wait for it, saying why.
    let line = one(&objects, "groups", GROUP);
    assert_eq!(line.outcome, Outcome::Skipped, "{line:#?}");
    let why = line.detail.clone().unwrap_or_default();
    assert!(why.contains(KIND) && why.contains("failed"), "{why}");
    let readers = one(&objects, "groups", "readers");
    assert!(
        readers
            .dropped
            .iter()
            .any(|d| d.contains(GROUP) && d.contains("skipped")),
        "{readers:#?}"
    );
    assert!(!team_space_groups(&p).await.contains(&GROUP.to_string()));
    // Everything else migrated.
    let failed: Vec<_> = objects
        .iter()
        .filter(|o| matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
        .collect();
    assert_eq!(failed.len(), 1, "only the assignment failed: {failed:#?}");
    assert!(!in_target(&p).await);
}

/// The pre-check names the account groups the run will assign (no error, no refusal), and a
/// ledger it cannot read is an error finding, not a failed command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_precheck_names_the_groups_to_assign_and_a_corrupt_ledger_is_an_error() {
    let p = typical_into_empty().await;
    let opts = opts(&p);
    let v = brickport_engine::validate(&p.source, &p.target, &opts)
        .await
        .unwrap();
    assert!(v.ok(), "{:#?}", v.failures());
    let groups = v
        .checks
        .iter()
        .find(|c| c.name == "account groups")
        .unwrap();
    assert_eq!(groups.severity, brickport_engine::Severity::Pass);
    assert!(groups.detail.contains(GROUP), "{groups:#?}");

    std::fs::create_dir_all(&opts.run_dir).unwrap();
    std::fs::write(opts.run_dir.join("ledger.sqlite"), b"not a database at all").unwrap();
    let v = brickport_engine::validate(&p.source, &p.target, &opts)
        .await
        .unwrap();
    assert!(!v.ok());
    let ledger = v.failures();
    assert!(
        ledger.len() == 1 && ledger[0].name == "ledger",
        "{:#?}",
        v.checks
    );
}

/// An account group the target's account does not know: the platform answers the by-name
/// assignment with an error inside a 200, which fails the object with that reason and the
/// same manual action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_unknown_to_the_account_is_the_platforms_error_and_a_manual_action() {
    let p = crate::support::pair().await;
    // Assigned to the source by its account console (no workspace API creates one).
    let group = brickport_emulator::kinds::scim::Group {
        id: "4242424242424242".into(),
        display_name: "finance-acct".into(),
        account_group: true,
        ..Default::default()
    };
    {
        let mut st = p.src.emulator().lock();
        st.scim.groups.insert(group.id.clone(), group);
    }
    let r = run(&p).await;
    let objects = r.objects().unwrap();
    let line = one(&objects, KIND, "finance-acct");
    assert_eq!(line.outcome, Outcome::Failed, "{line:#?}");
    let why = line.detail.clone().unwrap_or_default();
    assert!(why.contains("Principal not found in account"), "{why}");
    assert!(
        line.manual.iter().any(|m| m.contains("finance-acct")),
        "{line:#?}"
    );
}
