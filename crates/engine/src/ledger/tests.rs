//! Tests of the ledger: round trips, reopening, and the durability the engine relies on.

use super::*;

#[test]
fn intent_then_outcome_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path()).unwrap();
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
        let l = Ledger::open(dir.path()).unwrap();
        l.record_intent("secret_scopes", "s", "s", Intent::Create)
            .unwrap();
        l.set_manual_actions("secret_scopes", "s", &["set s/k".into()])
            .unwrap();
        let id = l.start_run("all").unwrap();
        l.finish_run(id, "{}").unwrap();
    }
    let l = Ledger::open_existing(dir.path()).unwrap();
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
    let none = tempfile::tempdir().unwrap();
    assert!(matches!(
        Ledger::open_existing(none.path()),
        Err(EngineError::NoLedger(_))
    ));
}

#[test]
fn an_intent_is_committed_when_record_intent_returns() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path()).unwrap();
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
    let other = Connection::open(dir.path().join("ledger.sqlite")).unwrap();
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
    let l = Ledger::open(dir.path()).unwrap();
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

#[test]
fn manual_actions_are_replaced_and_read_in_one_snapshot() {
    let l = Ledger::open_memory().unwrap();
    l.set_manual_actions("jobs", "j", &["a".into(), "b".into(), "a".into()])
        .unwrap();
    l.set_manual_actions("jobs", "j", &["c".into()]).unwrap();
    let got: Vec<String> = l
        .manual_actions()
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(got, ["c"]);
    // The same actions again change nothing; none clears them.
    l.set_manual_actions("jobs", "j", &["c".into()]).unwrap();
    assert_eq!(l.manual_actions().unwrap().len(), 1);
    l.set_manual_actions("jobs", "j", &[]).unwrap();
    assert!(l.manual_actions().unwrap().is_empty());
    assert_eq!(l.run_counts().unwrap(), (0, 0));
}
