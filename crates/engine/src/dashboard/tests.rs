//! The dashboard's counting rules on hand-made ledger rows.

use super::*;

fn entry(kind: &str, key: &str, status: Status, skip: Option<SkipCode>, created: bool) -> Entry {
    Entry {
        kind: kind.into(),
        source_id: key.into(),
        natural_key: key.into(),
        target_id: None,
        target_key: None,
        content_hash: None,
        status,
        intent: None,
        owned: created,
        created,
        last_error: None,
        skip,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn listing(kind: &str, listed: i64, complete: bool) -> Listing {
    Listing {
        kind: kind.into(),
        started_at: "t0".into(),
        finished_at: complete.then(|| "t1".into()),
        listed: Some(listed),
    }
}

#[test]
fn bars() {
    assert_eq!(bar(7, 7), "▓▓▓▓▓▓▓▓▓▓");
    assert_eq!(bar(1, 2), "▓▓▓▓▓░░░░░");
    assert_eq!(bar(0, 0), "░░░░░░░░░░");
}

#[test]
fn a_skip_for_a_failed_dependency_is_not_on_purpose_and_created_outlives_a_rerun() {
    let rows = [
        // Created in run 1, unchanged in run 2: still created by this migration.
        entry("jobs", "a", Status::Unchanged, None, true),
        entry("jobs", "b", Status::Created, None, true),
        // Adopted: migrated, not created.
        entry("jobs", "c", Status::Unchanged, None, false),
        entry(
            "jobs",
            "d",
            Status::Skipped,
            Some(SkipCode::Dependency),
            false,
        ),
        entry(
            "jobs",
            "e",
            Status::Skipped,
            Some(SkipCode::NeverMigrated),
            false,
        ),
        entry(
            "jobs",
            "f",
            Status::Skipped,
            Some(SkipCode::OnPurpose),
            false,
        ),
        entry("jobs", "g", Status::Failed, None, false),
    ];
    let table = kinds::all();
    let all = kind_progress(&table, &rows, &[listing("jobs", 7, true)], &BTreeSet::new());
    let jobs = all.iter().find(|k| k.kind == "jobs").unwrap();
    assert_eq!((jobs.migrated, jobs.created), (3, 2));
    assert_eq!((jobs.skipped_on_purpose, jobs.skipped_dependency), (1, 2));
    assert_eq!((jobs.failed, jobs.listed, jobs.done()), (1, 7, 4));
    assert!(!jobs.complete());
    let p3 = phases(&all).into_iter().find(|p| p.phase == 3).unwrap();
    assert_eq!((p3.done, p3.total), (4, 7));
    assert_eq!(p3.percent, 57);
}

#[test]
fn an_unfinished_listing_keeps_its_phase_below_100_percent() {
    let rows = [entry("users", "u", Status::Created, None, true)];
    let table = kinds::all();
    let listings: Vec<Listing> = table
        .iter()
        .filter(|k| k.phase() == 1)
        .map(|k| {
            listing(
                k.name(),
                i64::from(k.name() == "users"),
                k.name() != "users",
            )
        })
        .collect();
    let all = kind_progress(&table, &rows, &listings, &BTreeSet::new());
    let p1 = &phases(&all)[0];
    assert_eq!((p1.done, p1.total), (1, 1));
    assert_eq!(p1.incomplete, ["users"]);
    assert_eq!(p1.percent, 99, "{p1:?}");
    // Once it finishes, the phase is whole.
    let listings: Vec<Listing> = listings
        .into_iter()
        .map(|l| listing(&l.kind, l.listed.unwrap_or(0), true))
        .collect();
    let all = kind_progress(&table, &rows, &listings, &BTreeSet::new());
    assert_eq!(phases(&all)[0].percent, 100);
    assert_eq!(
        phases(&all)[1].not_listed.len(),
        phases(&all)[1].pending.len()
    );
}

#[test]
fn actions_are_grouped_by_category_in_order_with_their_ids() {
    let a = |category, key: &str, done| ManualAction {
        id: ManualAction::id_of(category, "k", key, "x"),
        kind: "k".into(),
        key: key.into(),
        category,
        action: format!("{category:?} {key}"),
        done,
        done_by: done.then_some(DoneBy::Hand),
    };
    let actions = [
        a(Category::Other, "o", false),
        a(Category::Unpause, "j", true),
        a(Category::Secret, "s", false),
    ];
    let g = groups(&actions, &BTreeMap::new());
    let names: Vec<&str> = g.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["secrets", "cutover", "other"]);
    assert_eq!((g[1].done, g[1].total), (1, 1));
    assert_eq!(g[0].title, "secrets to set");
    assert!(g[0].items[0].id.starts_with("sec-"), "{:?}", g[0].items[0]);
    assert_eq!(g[0].items[0].id.len(), "sec-".len() + 8);
}
