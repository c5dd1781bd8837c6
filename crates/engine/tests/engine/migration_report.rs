//! The run directory's report describes the whole migration, from the ledger (a later run
//! of one kind does not make it forget the others), with the runs' history, and each run's
//! own report stays in `runs/<n>/`; backups are not copied again while a kind's listing is
//! unchanged, and `backups/latest.json` names each kind's newest file.

use std::path::Path;

use crate::support::jobs::*;
use crate::support::pair;
use brickport_engine::{NoProgress, migrate};
use serde_json::{Value, json};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_still_lists_the_jobs_after_a_later_run_of_notebooks_only() {
    let p = pair().await;
    seed(&p.source).await;
    let mut opts = p.options(4);
    let first = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(first.is_success(), "{}", first.to_markdown());
    opts.only = vec!["notebooks".into()];
    let second = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(second.is_success(), "{}", second.to_markdown());
    // What `migrate` returns is this run's: the notebook only.
    assert!(
        second
            .objects()
            .unwrap()
            .iter()
            .all(|o| o.kind == "notebooks")
    );

    let run = &opts.run_dir;
    let md = read(&run.join("report.md"));
    assert!(md.contains("the whole migration: 2 runs"), "{md}");
    for job in ["hourly", "paused", "stream", "arrival", "manual"] {
        assert!(
            md.contains(&format!("| jobs | `{job} (")),
            "{job} missing:\n{md}"
        );
    }
    // Created by the first run, it stays created though the second found it unchanged.
    assert!(
        md.contains(&format!("| notebooks | `{NB}` | created |")),
        "{md}"
    );
    assert!(md.contains("## Runs (2)"), "{md}");
    let json: Value = serde_json::from_str(&read(&run.join("report.json"))).unwrap();
    let kinds: Vec<&str> = (json["objects"].as_array().unwrap().iter())
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "jobs").count(),
        6,
        "{kinds:?}"
    );
    assert_eq!(json["history"].as_array().unwrap().len(), 2);
    assert!(read(&run.join("report.html")).contains("paused-later"));

    // Each run's own report is kept.
    let own: Value = serde_json::from_str(&read(&run.join("runs/2/report.json"))).unwrap();
    let own_kinds: Vec<&str> = (own["objects"].as_array().unwrap().iter())
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(own_kinds, ["notebooks"]);
    let own1 = read(&run.join("runs/1/report.md"));
    assert!(own1.contains("| jobs | `hourly ("), "{own1}");
}

/// (file count, total bytes) of `backups/backup_*.json`.
fn backups(run: &Path) -> (usize, u64, Vec<String>) {
    let mut names = Vec::new();
    let mut bytes = 0;
    for e in std::fs::read_dir(run.join("backups")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("backup_") {
            bytes += e.metadata().unwrap().len();
            names.push(name);
        }
    }
    names.sort();
    (names.len(), bytes, names)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_source_writes_no_new_backup_and_a_changed_kind_writes_one() {
    let p = pair().await;
    seed(&p.source).await;
    let opts = p.options(4);
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let (n1, bytes1, names1) = backups(&opts.run_dir);
    assert!(n1 > 3, "{names1:?}");
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let (n2, bytes2, names2) = backups(&opts.run_dir);
    assert_eq!((n2, bytes2), (n1, bytes1), "{names2:?}");

    // A new job: the jobs listing changed (and the job permissions' with it), nothing else.
    p.source
        .jobs()
        .create(&job("new", json!({})))
        .await
        .unwrap();
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let (n3, _, names3) = backups(&opts.run_dir);
    let added: Vec<&String> = names3.iter().filter(|n| !names2.contains(n)).collect();
    assert_eq!(n3, n2 + added.len());
    assert!(
        added.iter().any(|n| n.starts_with("backup_jobs_")),
        "{added:?}"
    );
    assert!(
        added
            .iter()
            .all(|n| n.starts_with("backup_jobs_") || n.starts_with("backup_job_")),
        "only the jobs' listings changed: {added:?}"
    );
    // The index names the newest jobs file, which holds the new job, in the seed's format.
    let index: Value =
        serde_json::from_str(&read(&opts.run_dir.join("backups/latest.json"))).unwrap();
    let newest = index["jobs"]["file"].as_str().unwrap();
    assert!(added.iter().any(|n| *n == newest), "{index}");
    let file: Value =
        serde_json::from_str(&read(&opts.run_dir.join("backups").join(newest))).unwrap();
    assert_eq!(file["object_type"], "jobs");
    assert_eq!(file["count"], 7);
    assert_eq!(index["jobs"]["count"], 7);
}
