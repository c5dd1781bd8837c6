//! How many target reads workspace folders, notebooks and files cost: a path's first lookup
//! comes from its parent folder's listing (one listing per folder and run), or from nothing at
//! all under a folder this run created empty; `get-status` only reads a created object back.

use brickport_api::WorkspaceClient;
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_engine::{NoProgress, Outcome, migrate};

async fn notebook(c: &WorkspaceClient, path: &str, text: &str) {
    c.workspace()
        .import(&Import {
            path: path.into(),
            format: ExportFormat::Source,
            language: Some("PYTHON".into()),
            content: format!("# Databricks notebook source\n{text}\n").into_bytes(),
            overwrite: false,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_lookups_list_each_folder_once_and_nothing_under_a_folder_the_run_created() {
    let p = crate::support::pair().await;
    for dir in ["/Shared/team/reports/2026", "/Shared/kept"] {
        p.source.workspace().mkdirs(dir).await.unwrap();
    }
    for nb in [
        "/Shared/team/nb",
        "/Shared/team/reports/2026/nb",
        "/Shared/kept/same",
        "/Shared/kept/new",
    ] {
        notebook(&p.source, nb, "print(1)").await;
    }
    // The target already has one of the folders, with an equal notebook in it.
    p.target.workspace().mkdirs("/Shared/kept").await.unwrap();
    notebook(&p.target, "/Shared/kept/same", "print(1)").await;

    let mut opts = p.opts();
    opts.phase = None;
    opts.only = vec!["workspace_folders".into(), "notebooks".into()];
    let before = p.dst.stats().by_path;
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(run.is_success(), "{}", run.to_markdown());
    let after = p.dst.stats().by_path;
    let sent = |path: &str| after.get(path).unwrap_or(&0) - before.get(path).unwrap_or(&0);

    let outcome = |key: &str| {
        run.objects()
            .unwrap()
            .into_iter()
            .find(|o| o.key == key)
            .unwrap_or_else(|| panic!("no {key} in {}", run.to_markdown()))
            .outcome
    };
    let created = [
        "/Shared/team",
        "/Shared/team/reports",
        "/Shared/team/reports/2026",
        "/Shared/team/nb",
        "/Shared/team/reports/2026/nb",
        "/Shared/kept/new",
    ];
    for key in created {
        assert_eq!(outcome(key), Outcome::Created, "{key}");
    }
    for key in ["/Shared", "/Shared/kept", "/Shared/kept/same"] {
        assert_ne!(outcome(key), Outcome::Created, "{key}");
        assert_ne!(outcome(key), Outcome::Failed, "{key}");
    }
    // Every new object is in the target.
    for key in created {
        p.target.workspace().get_status(key).await.unwrap();
    }

    // The caller's home folder (both emulators have it) is always asked for: the target may
    // make a home folder at any moment of the run. No other lookup asked for a single path:
    // `get-status` only read back what was created.
    let home = "/Users/admin@example.com";
    assert_eq!(outcome(home), Outcome::Adopted);
    assert_eq!(
        sent("/api/workspace/get-status"),
        created.len() as u64 + 1,
        "{}",
        run.to_markdown()
    );
    // Listed once each: `/` (for `/Shared` and `/Users`), `/Shared` (for `team` and `kept`) and
    // `/Shared/kept` (not created by the run, for `same` and `new`); nothing under `team`.
    let listed = sent("/api/workspace/list");
    assert_eq!(listed, 3, "{after:?}");
}
