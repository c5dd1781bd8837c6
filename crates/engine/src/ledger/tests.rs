//! Tests of the ledger: round trips, reopening, and the durability the engine relies on.

use super::*;

#[test]
fn intent_then_outcome_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path(), Access::Create).unwrap();
    l.record_intent("users", "1", "a@x", Intent::Create)
        .unwrap();
    let e = l.get("users", "1").unwrap().unwrap();
    assert_eq!(e.status, Status::Pending);
    assert_eq!(e.intent, Some(Intent::Create));
    assert_eq!(e.target_id, None);
    l.record_outcome(
        &Record::new("users", "1", "a@x", Status::Created)
            .target(Some("77"), None)
            .hash(Some("h1"))
            .owned(true),
    )
    .unwrap();
    let e = l.get_by_key("users", "a@x").unwrap().unwrap();
    assert_eq!(e.status, Status::Created);
    assert_eq!(e.intent, None);
    assert_eq!(e.target_id.as_deref(), Some("77"));
    assert!(e.owned);
    // An update intent keeps the target id; a later outcome without ids keeps them too.
    l.record_intent("users", "1", "a@x", Intent::Update)
        .unwrap();
    l.record_outcome(&Record::new("users", "1", "a@x", Status::Updated).hash(Some("h2")))
        .unwrap();
    let e = l.get("users", "1").unwrap().unwrap();
    assert_eq!(e.target_id.as_deref(), Some("77"));
    assert_eq!(e.content_hash.as_deref(), Some("h2"));
    assert!(e.owned);
    l.clear_hash("users", "1").unwrap();
    assert_eq!(l.get("users", "1").unwrap().unwrap().content_hash, None);
}

#[test]
fn survives_reopen_and_keeps_manual_actions() {
    let dir = tempfile::tempdir().unwrap();
    {
        let l = Ledger::open(dir.path(), Access::Create).unwrap();
        l.record_intent("secret_scopes", "s", "s", Intent::Create)
            .unwrap();
        l.set_manual_actions(
            "secret_scopes",
            "s",
            &[Action::new(Category::Secret, "set s/k")],
        )
        .unwrap();
        let id = l.start_run("all").unwrap();
        l.finish_run(id, "{}").unwrap();
    }
    let l = Ledger::open(dir.path(), Access::ReadWrite).unwrap();
    let runs = l.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].selection.as_str(), runs[0].summary.as_deref()),
        ("all", Some("{}"))
    );
    assert!(runs[0].finished_at.is_some());
    assert_eq!(l.entries(None).unwrap().len(), 1);
    assert_eq!(l.manual_actions().unwrap()[0].action, "set s/k");
    assert_eq!(l.run_counts().unwrap(), (1, 1));
    l.record_secret_supplied("s", "k").unwrap();
    l.record_secret_supplied("s", "k").unwrap();
    assert_eq!(
        l.secrets_supplied("s")
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["k"]
    );
    l.forget_secret_supplied("s", "k").unwrap();
    assert!(l.secrets_supplied("s").unwrap().is_empty());
    l.record_destination_supplied("d-1", "password").unwrap();
    l.record_destination_supplied("d-1", "url").unwrap();
    l.record_destination_supplied("d-2", "url").unwrap();
    l.forget_destination_supplied("d-1", "url").unwrap();
    let fields: Vec<String> = l.destination_supplied("d-1").unwrap().into_iter().collect();
    assert_eq!(fields, ["password"]);
    assert!(l.destination_supplied("d-3").unwrap().is_empty());
    let none = tempfile::tempdir().unwrap();
    for access in [Access::ReadOnly, Access::ReadWrite] {
        assert!(matches!(
            Ledger::open(none.path(), access),
            Err(EngineError::NoLedger(_))
        ));
    }
    // Read-only: reads, and a write is refused with SQLite's error kept as the source.
    drop(l);
    let l = Ledger::open(dir.path(), Access::ReadOnly).unwrap();
    assert_eq!(l.entries(None).unwrap().len(), 1);
    let e = l.record_secret_supplied("s", "k").unwrap_err();
    assert!(matches!(e, EngineError::Ledger { .. }), "{e}");
    let source = std::error::Error::source(&e).unwrap();
    assert!(source.downcast_ref::<rusqlite::Error>().is_some());
}

#[test]
fn an_intent_is_committed_when_record_intent_returns() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path(), Access::Create).unwrap();
    {
        let conn = l.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 1, "synchronous=NORMAL");
    }
    // Another connection (as another process would open the file) sees the intent at once:
    // it is committed to the write-ahead log, not waiting in an open transaction.
    let other = Connection::open(Ledger::file(dir.path())).unwrap();
    let intent = |c: &Connection| -> Option<String> {
        c.query_row(
            "SELECT intent FROM objects WHERE kind = 'jobs' AND source_id = '7'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
        .flatten()
    };
    l.record_intent("jobs", "7", "nightly", Intent::Create)
        .unwrap();
    assert_eq!(intent(&other).as_deref(), Some("create"));
    l.record_outcome(
        &Record::new("jobs", "7", "nightly", Status::Created)
            .target(Some("70"), None)
            .owned(true),
    )
    .unwrap();
    assert_eq!(intent(&other), None);
    // Repeated calls reuse cached statements and keep working.
    for i in 0..50 {
        l.record_intent("jobs", &(100 + i).to_string(), "k", Intent::Create)
            .unwrap();
    }
    assert_eq!(l.entries(Some("jobs")).unwrap().len(), 51);
}

#[cfg(unix)]
#[test]
fn a_finished_run_has_synced_its_content_copies_and_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path(), Access::Create).unwrap();
    let id = l.start_run("all").unwrap();
    l.record_intent("users", "1", "a@x", Intent::Create)
        .unwrap();
    let copy = dir.path().join("backups/content/files/f.txt");
    crate::backup::ensure_private_dir(copy.parent().unwrap()).unwrap();
    crate::backup::write_private(&copy, b"x").unwrap();
    assert_eq!(crate::backup::unsynced_under(dir.path()), 1);
    l.finish_run(id, "{}").unwrap();
    assert_eq!(crate::backup::unsynced_under(dir.path()), 0);
    assert_eq!(l.run_counts().unwrap(), (1, 1));
    let mode = std::fs::metadata(l.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

fn other(text: &str) -> Action {
    Action::new(Category::Other, text)
}

#[test]
fn manual_actions_are_replaced_and_read_in_one_snapshot() {
    let l = Ledger::open_memory().unwrap();
    l.set_manual_actions("jobs", "j", &[other("a"), other("b"), other("a")])
        .unwrap();
    l.set_manual_actions("jobs", "j", &[other("c")]).unwrap();
    let got: Vec<String> = l
        .manual_actions()
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(got, ["c"]);
    // The same actions again change nothing; none clears them.
    l.set_manual_actions("jobs", "j", &[other("c")]).unwrap();
    assert_eq!(l.manual_actions().unwrap().len(), 1);
    l.set_manual_actions("jobs", "j", &[]).unwrap();
    assert!(l.manual_actions().unwrap().is_empty());
    assert_eq!(l.run_counts().unwrap(), (0, 0));
}

/// A ledger as brickport wrote it before the typed columns: its schema and rows, written
/// with the statements of that version.
fn write_old_ledger(dir: &Path) {
    let c = Connection::open(Ledger::file(dir)).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
        CREATE TABLE objects (
            kind TEXT NOT NULL, source_id TEXT NOT NULL, natural_key TEXT NOT NULL,
            target_id TEXT, target_key TEXT, content_hash TEXT, status TEXT NOT NULL,
            intent TEXT, owned INTEGER NOT NULL DEFAULT 0, last_error TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, source_id));
        CREATE INDEX objects_by_key ON objects (kind, natural_key);
        CREATE TABLE manual_actions (
            kind TEXT NOT NULL, key TEXT NOT NULL, action TEXT NOT NULL,
            PRIMARY KEY (kind, key, action));
        CREATE TABLE secrets_supplied (
            scope TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (scope, key));
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
            finished_at TEXT, selection TEXT NOT NULL, summary TEXT);",
    )
    .unwrap();
    let object = |sid: &str, status: &str, error: &str| {
        c.execute(
            "INSERT INTO objects (kind, source_id, natural_key, target_id, target_key,
                content_hash, status, intent, owned, last_error, created_at, updated_at)
             VALUES ('jobs', ?1, ?1, NULL, NULL, NULL, ?2, NULL, 0, ?3, 't', 't')",
            params![sid, status, error],
        )
        .unwrap();
    };
    object(
        "1",
        "skipped",
        "depends on clusters `c1`, which is not migrated (migrate clusters first)",
    );
    object("2", "skipped", "depends on clusters `c2`, which failed");
    object("3", "failed", "boom");
    object("4", "created", "");
    for (key, action) in [
        (
            "s",
            "set the value of secret `s/k` (it holds the placeholder)",
        ),
        (
            "r",
            "re-authenticate Git folder `/Repos/a` (u): Git credentials cannot be migrated",
        ),
        (
            "r",
            "Git folder `/Repos/a` had a detached HEAD at commit 1 in the source",
        ),
        (
            "j",
            "unpause at cut-over: job `j` (schedule) was UNPAUSED in the source",
        ),
        (
            "c",
            "cluster `etl` was running in the source: it was created terminated",
        ),
        ("n", "re-create the LIBRARY `/x` in the target by hand"),
        ("g", "git folder `lowercase` is not a Git folder action"),
    ] {
        c.execute(
            "INSERT OR IGNORE INTO manual_actions (kind, key, action) VALUES ('k', ?1, ?2)",
            params![key, action],
        )
        .unwrap();
    }
}

#[test]
fn a_ledger_from_before_the_typed_columns_is_upgraded_on_open() {
    let dir = tempfile::tempdir().unwrap();
    write_old_ledger(dir.path());
    // `status` opens it read-only: upgraded first, then read.
    let l = Ledger::open(dir.path(), Access::ReadOnly).unwrap();
    let waits: Vec<(String, bool)> = l
        .entries(None)
        .unwrap()
        .iter()
        .map(|e| (e.source_id.clone(), e.waits_for_a_kind()))
        .collect();
    assert_eq!(
        waits,
        [
            ("1".into(), true),
            ("2".into(), false),
            ("3".into(), false),
            ("4".into(), false)
        ]
    );
    // Only a row that still says `created` is known to be this migration's creation.
    let created: Vec<bool> = l.entries(None).unwrap().iter().map(|e| e.created).collect();
    assert_eq!(created, [false, false, false, true]);
    // A table added since (notification destinations' supplied parts) is there, empty.
    assert!(l.destination_supplied("d-1").unwrap().is_empty());
    let got: Vec<(String, Category)> = l
        .manual_actions()
        .unwrap()
        .into_iter()
        .map(|a| (a.key, a.category))
        .collect();
    assert_eq!(
        got,
        [
            ("c".into(), Category::RunningCluster),
            ("g".into(), Category::Other),
            ("j".into(), Category::Unpause),
            ("n".into(), Category::Other),
            ("r".into(), Category::Git),
            ("r".into(), Category::Git),
            ("s".into(), Category::Secret),
        ]
    );
    // Opened again (already upgraded), and written with the new columns.
    drop(l);
    let l = Ledger::open(dir.path(), Access::ReadWrite).unwrap();
    l.set_manual_actions("k", "s", &[Action::new(Category::Secret, "set it")])
        .unwrap();
    assert_eq!(l.manual_actions().unwrap().len(), 7);
    // The tables added for `status` are there: listings, and marks made by hand.
    assert!(l.listings().unwrap().is_empty());
    let id = l.manual_actions().unwrap()[0].id.clone();
    l.mark_actions_done(std::slice::from_ref(&id), true)
        .unwrap();
    assert!(l.manual_actions().unwrap()[0].done);
}

#[test]
fn actions_are_done_by_hand_or_by_a_supplied_value_and_keep_their_ids() {
    let l = Ledger::open_memory().unwrap();
    let secret = Action::new(Category::Secret, "set `s/k`").settled_by(Subject::Secret {
        scope: "s".into(),
        key: "k".into(),
    });
    let git = Action::new(Category::Git, "re-authenticate");
    l.set_manual_actions("secret_scopes", "s", std::slice::from_ref(&secret))
        .unwrap();
    l.set_manual_actions("repos", "r", std::slice::from_ref(&git))
        .unwrap();
    let before = l.manual_actions().unwrap();
    assert!(before.iter().all(|a| !a.done));
    let git_id = before
        .iter()
        .find(|a| a.kind == "repos")
        .unwrap()
        .id
        .clone();
    assert!(git_id.starts_with("git-"), "{git_id}");
    l.mark_actions_done(std::slice::from_ref(&git_id), true)
        .unwrap();
    l.record_secret_supplied("s", "k").unwrap();
    // The same actions asked for again (a later run): same ids, still done.
    l.set_manual_actions("repos", "r", &[git]).unwrap();
    l.set_manual_actions("secret_scopes", "s", &[secret])
        .unwrap();
    let after = l.manual_actions().unwrap();
    let by: Vec<(String, Option<DoneBy>)> =
        after.iter().map(|a| (a.id.clone(), a.done_by)).collect();
    assert_eq!(by.len(), 2);
    assert!(by.contains(&(git_id.clone(), Some(DoneBy::Hand))), "{by:?}");
    assert!(
        by.iter().any(|(_, d)| *d == Some(DoneBy::Supplied)),
        "{by:?}"
    );
    l.mark_actions_done(&[git_id], false).unwrap();
    assert_eq!(
        l.manual_actions()
            .unwrap()
            .iter()
            .filter(|a| a.done)
            .count(),
        1
    );
}

#[test]
fn a_listing_is_incomplete_until_it_finishes() {
    let l = Ledger::open_memory().unwrap();
    l.listing_started("jobs").unwrap();
    assert!(!l.listings().unwrap()[0].complete());
    l.listing_finished("jobs", 7).unwrap();
    let done = &l.listings().unwrap()[0];
    assert!(done.complete() && done.listed == Some(7));
    // A later listing stopped midway: incomplete again, the last count kept.
    l.listing_started("jobs").unwrap();
    let again = &l.listings().unwrap()[0];
    assert!(!again.complete() && again.listed == Some(7));
}
