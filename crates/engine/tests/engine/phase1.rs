//! Phase 1 end to end: everything arrives equal; a re-run writes nothing; secrets and folder
//! selection. (A change in the source updating just that object: `kinds.rs`, for every kind.)

use brickport_engine::{NoProgress, Outcome, migrate};

use crate::support::pair;
use crate::support::{seed, view};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase1_migrates_everything_then_is_idempotent() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    let opts = p.opts();

    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let failed: Vec<_> = report
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| o.outcome == Outcome::Failed || o.outcome == Outcome::Conflict)
        .collect();
    assert!(failed.is_empty(), "failures: {failed:#?}");
    view::assert_same(&p.source, &p.target).await;
    if std::env::var_os("SHOW_REPORT").is_some() {
        eprintln!("{}", report.to_markdown());
    }

    // Second run: nothing to do, nothing written.
    let before = p.target_writes();
    let again = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before, "a re-run wrote to the target");
    let t = again.totals();
    assert_eq!(
        t.created + t.updated + t.failed + t.conflicts,
        0,
        "{:#?}",
        again.kinds
    );
}

/// Every file under `dir`, as bytes.
fn all_files(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_get_placeholders_or_supplied_values_which_never_leak() {
    use brickport_api::Secret;
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    let mut opts = p.opts();
    opts.secret_placeholder = "PLACEHOLDER-123".into();
    opts.secret_values
        .entry("ops".into())
        .or_default()
        .insert("pager-token".into(), Secret::new("supplied-s3cr3t-value"));
    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(report.is_success(), "{}", report.to_markdown());

    let s = p.target.secrets();
    assert_eq!(
        s.get_secret("app-secrets", "db-password")
            .await
            .unwrap()
            .expose(),
        "PLACEHOLDER-123"
    );
    assert_eq!(
        s.get_secret("ops", "pager-token").await.unwrap().expose(),
        "supplied-s3cr3t-value"
    );
    // The supplied key's action is done (ticked, still counted); the other's pending.
    let pending = |list: &[brickport_engine::ledger::ManualAction]| -> Vec<String> {
        list.iter()
            .filter(|m| !m.done)
            .map(|m| m.action.clone())
            .collect()
    };
    let manual = pending(&report.manual_actions);
    assert!(
        manual.iter().any(|m| m.contains("app-secrets/db-password")),
        "{manual:?}"
    );
    assert!(
        !manual.iter().any(|m| m.contains("ops/pager-token")),
        "supplied value listed as pending: {manual:?}"
    );
    assert!(
        report
            .manual_actions
            .iter()
            .any(|m| m.done && m.action.contains("ops/pager-token")),
        "{:?}",
        report.manual_actions
    );

    // A later run without the values file: the key still holds the supplied value (nothing
    // is written) and is not reported as holding the placeholder, in the run or in status.
    let mut again_opts = opts.clone();
    again_opts.secret_values.clear();
    let again = migrate(&p.source, &p.target, &again_opts, &NoProgress)
        .await
        .unwrap();
    assert!(again.is_success(), "{}", again.to_markdown());
    assert_eq!(
        s.get_secret("ops", "pager-token").await.unwrap().expose(),
        "supplied-s3cr3t-value"
    );
    for list in [
        again.manual_actions.clone(),
        brickport_engine::status(&opts.run_dir)
            .unwrap()
            .manual_actions,
    ] {
        let actions = pending(&list);
        assert!(
            !actions.iter().any(|m| m.contains("ops/pager-token")),
            "a key holding its supplied value is said to hold the placeholder: {actions:?}"
        );
        assert!(
            actions
                .iter()
                .any(|m| m.contains("app-secrets/db-password")),
            "{actions:?}"
        );
    }

    // New warehouses are stopped.
    let whs: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(p.target.warehouses().list())
        .await
        .unwrap();
    for w in whs {
        assert!(
            matches!(w.state.as_deref(), Some("STOPPED" | "STOPPING")),
            "{:?} is {:?}",
            w.name,
            w.state
        );
    }

    // No secret value in the run directory (ledger, backups, reports), which is owner-only.
    let mut files = Vec::new();
    all_files(&opts.run_dir, &mut files);
    assert!(files.iter().any(|(p, _)| p.ends_with("report.json")));
    assert!(
        files
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("backup_secret_scopes_"))
    );
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for leak in ["supplied-s3cr3t-value", "source-value"] {
            assert!(!text.contains(leak), "{leak} found in {}", path.display());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if !path.to_string_lossy().contains("ledger.sqlite") {
                let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
            }
        }
    }
    assert!(
        !format!("{opts:?}").contains("supplied-s3cr3t-value"),
        "options Debug leaks a value"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_follow_include_and_exclude_prefixes_and_skip_repos() {
    let p = pair().await;
    seed::phase1(&p.source, true).await;
    p.source
        .workspace()
        .mkdirs("/Shared/other/deep")
        .await
        .unwrap();
    let mut opts = p.opts();
    opts.only = vec!["workspace_folders".into()];
    opts.phase = None;
    opts.include_paths = vec!["/Shared".into()];
    opts.exclude_paths = vec!["/Shared/team/reports".into()];
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    // Users were not selected and are not in the ledger: reported, not fatal.
    assert!(
        r.missing_dependencies
            .iter()
            .any(|m| m.starts_with("users")),
        "{:?}",
        r.missing_dependencies
    );
    let ws = p.target.workspace();
    for present in ["/Shared/team", "/Shared/empty", "/Shared/other/deep"] {
        assert_eq!(
            ws.get_status(present).await.unwrap().object_type.as_deref(),
            Some("DIRECTORY"),
            "{present}"
        );
    }
    for absent in ["/Shared/team/reports", "/Users/alice@example.com/projects"] {
        assert!(
            ws.get_status(absent).await.unwrap_err().is_not_found(),
            "{absent} was migrated"
        );
    }
    assert!(
        r.objects()
            .unwrap()
            .into_iter()
            .all(|o| !o.key.starts_with("/Repos"))
    );
}
