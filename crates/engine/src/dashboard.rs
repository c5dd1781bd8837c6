//! The seed's "Success Metrics Dashboard", read from the ledger: each phase with the share of
//! its kinds done, the post-migration actions done and pending (grouped as the seed groups
//! them), and the objects migrated per kind. Part of [`crate::StatusReport`].
//!
//! A kind is *done* when it ran to the end of a finished run (or has objects in the ledger)
//! and none of its objects failed, is in conflict, is pending, or was skipped because it needs
//! a kind never migrated ([`waits_for_a_kind`]). Manual actions are recorded
//! by the kinds as sentences; they are grouped here by how those sentences begin. Only the
//! cut-over's "unpause" actions can be seen done (the `cutover` table); brickport cannot see a
//! secret set or a Git credential added, so those stay pending until the operator is done.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::EngineError;
use crate::cutover::store::CutoverRow;
use crate::kinds;
use crate::ledger::{Entry, ManualAction, Status};

/// One phase's progress.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PhaseProgress {
    /// The phase (1, 2, 3).
    pub phase: u8,
    /// The seed's title ("Enablement Objects", "Content Objects", "Orchestration").
    pub title: String,
    /// Kinds done.
    pub done: usize,
    /// Kinds in the phase.
    pub total: usize,
    /// `done * 100 / total`, rounded down.
    pub percent: u8,
    /// The kinds not done yet.
    pub pending: Vec<String>,
}

/// One post-migration action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionItem {
    /// The kind of the object concerned.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// What to do.
    pub action: String,
    /// Whether it is done.
    pub done: bool,
}

/// A group of post-migration actions.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionGroup {
    /// Machine name (`secrets`, `git`, `cutover`, `clusters`, `failed`, `other`).
    pub group: String,
    /// What it is, for a person.
    pub title: String,
    /// Done.
    pub done: usize,
    /// All.
    pub total: usize,
    /// The actions.
    pub items: Vec<ActionItem>,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dashboard {
    /// Per phase.
    pub phases: Vec<PhaseProgress>,
    /// Post-migration actions per group (groups without any action are left out).
    pub post_migration: Vec<ActionGroup>,
    /// Post-migration actions done, over all groups.
    pub post_migration_done: usize,
    /// Post-migration actions, over all groups.
    pub post_migration_total: usize,
    /// Objects migrated (created, updated or unchanged) per kind, in table order; kinds with
    /// none are left out.
    pub migrated: Vec<(String, usize)>,
    /// Objects skipped on purpose per kind (built-ins, excluded, unsupported variants).
    pub skipped: Vec<(String, usize)>,
}

/// The seed's phase titles.
pub fn phase_title(phase: u8) -> &'static str {
    match phase {
        1 => "Enablement Objects",
        2 => "Content Objects",
        3 => "Orchestration",
        _ => "Other",
    }
}

const GROUPS: [(&str, &str); 6] = [
    ("secrets", "secrets to set"),
    ("git", "Git folders to re-authenticate"),
    ("cutover", "jobs to unpause at cut-over"),
    ("clusters", "clusters that were running in the source"),
    ("failed", "failed, in-conflict or waiting objects to fix"),
    ("other", "other manual actions"),
];

fn group_of(a: &ManualAction) -> &'static str {
    let t = a.action.as_str();
    if t.starts_with("set the value of secret") {
        "secrets"
    } else if t.starts_with("re-authenticate Git folder") || t.starts_with("Git folder") {
        "git"
    } else if t.starts_with("unpause at cut-over") {
        "cutover"
    } else if t.starts_with("cluster `") && t.contains("was running in the source") {
        "clusters"
    } else {
        "other"
    }
}

/// Whether a manual action is done: the one rule behind `status`, `migrate`'s summary and
/// `report.md`/`report.json` ([`crate::ledger::Ledger::manual_actions`] applies it). Only a
/// cut-over's unpause can be seen done: its job is in the `cutover` record (`cut_keys`, the
/// natural keys of the jobs resumed).
pub fn is_done(a: &ManualAction, cut_keys: &BTreeSet<String>) -> bool {
    group_of(a) == "cutover" && cut_keys.contains(&a.key)
}

/// Whether an object was skipped because it needs a kind that was never migrated (neither
/// selected nor in the ledger): not skipped on purpose, it waits for that kind.
pub fn waits_for_a_kind(e: &Entry) -> bool {
    e.status == Status::Skipped
        && e.last_error
            .as_deref()
            .is_some_and(|m| m.contains(crate::idmap::NEVER_MIGRATED))
}

/// Kinds that ran to the end of a finished run (from the runs' summaries).
fn finished_kinds(run_dir: &Path) -> Result<BTreeSet<String>, EngineError> {
    let path = run_dir.join("ledger.sqlite");
    let err = |e: rusqlite::Error| EngineError::Ledger {
        path: path.clone(),
        message: e.to_string(),
    };
    let conn =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(err)?;
    let mut st = conn
        .prepare("SELECT summary FROM runs WHERE finished_at IS NOT NULL AND summary IS NOT NULL")
        .map_err(err)?;
    let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
    let mut out = BTreeSet::new();
    for r in rows {
        let text = r.map_err(err)?;
        // A summary is the run's per-kind list; an unreadable one only loses this hint.
        let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&text) else {
            continue;
        };
        out.extend(
            items
                .iter()
                .filter_map(|k| k.get("kind").and_then(|n| n.as_str()).map(str::to_string)),
        );
    }
    Ok(out)
}

/// Builds the dashboard.
pub fn build(
    run_dir: &Path,
    entries: &[Entry],
    actions: &[ManualAction],
    cut: &BTreeMap<String, CutoverRow>,
) -> Result<Dashboard, EngineError> {
    let ran = finished_kinds(run_dir)?;
    let mut migrated: BTreeMap<&str, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bad: BTreeSet<&str> = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut failed = Vec::new();
    for e in entries {
        seen.insert(&e.kind);
        if e.status.is_done() {
            *migrated.entry(&e.kind).or_default() += 1;
        } else if e.status == Status::Skipped && !waits_for_a_kind(e) {
            *skipped.entry(&e.kind).or_default() += 1;
        } else {
            bad.insert(&e.kind);
            failed.push(ActionItem {
                kind: e.kind.clone(),
                key: e.natural_key.clone(),
                action: format!(
                    "{}{}",
                    e.status.as_str(),
                    e.last_error
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ),
                done: false,
            });
        }
    }
    let table = kinds::all();
    let mut phases: BTreeMap<u8, PhaseProgress> = BTreeMap::new();
    for k in &table {
        let p = phases.entry(k.phase()).or_insert_with(|| PhaseProgress {
            phase: k.phase(),
            title: phase_title(k.phase()).to_string(),
            done: 0,
            total: 0,
            percent: 0,
            pending: Vec::new(),
        });
        p.total += 1;
        let ran = ran.contains(k.name()) || seen.contains(k.name());
        if ran && !bad.contains(k.name()) {
            p.done += 1;
        } else {
            p.pending.push(k.name().to_string());
        }
    }
    for p in phases.values_mut() {
        p.percent = (p.done * 100).checked_div(p.total).unwrap_or(0) as u8;
    }
    let mut groups: BTreeMap<&str, Vec<ActionItem>> = BTreeMap::new();
    for a in actions {
        groups.entry(group_of(a)).or_default().push(ActionItem {
            kind: a.kind.clone(),
            key: a.key.clone(),
            action: a.action.clone(),
            done: a.done,
        });
    }
    // A job cut over whose action is gone (its source was paused by `--pause-source`, and a
    // later run no longer sees it active) is still a cut-over done.
    let listed: BTreeSet<String> = groups
        .get("cutover")
        .map(|items| items.iter().map(|i| i.key.clone()).collect())
        .unwrap_or_default();
    for r in cut.values().filter(|r| !listed.contains(&r.natural_key)) {
        groups.entry("cutover").or_default().push(ActionItem {
            kind: kinds::jobs::NAME.to_string(),
            key: r.natural_key.clone(),
            action: format!("unpaused at cut-over ({})", r.blocks.join(", ")),
            done: true,
        });
    }
    if !failed.is_empty() {
        groups.insert("failed", failed);
    }
    let post_migration: Vec<ActionGroup> = GROUPS
        .iter()
        .filter_map(|(g, title)| {
            let items = groups.remove(g)?;
            Some(ActionGroup {
                group: g.to_string(),
                title: title.to_string(),
                done: items.iter().filter(|i| i.done).count(),
                total: items.len(),
                items,
            })
        })
        .collect();
    let in_order = |m: &BTreeMap<&str, usize>| -> Vec<(String, usize)> {
        table
            .iter()
            .filter_map(|k| m.get(k.name()).map(|n| (k.name().to_string(), *n)))
            .collect()
    };
    Ok(Dashboard {
        phases: phases.into_values().collect(),
        post_migration_done: post_migration.iter().map(|g| g.done).sum(),
        post_migration_total: post_migration.iter().map(|g| g.total).sum(),
        post_migration,
        migrated: in_order(&migrated),
        skipped: in_order(&skipped),
    })
}

/// A ten-cell bar: `▓` per tenth done, `░` for the rest.
pub fn bar(done: usize, total: usize) -> String {
    let filled = (done * 10).checked_div(total).unwrap_or(0).min(10);
    format!("{}{}", "▓".repeat(filled), "░".repeat(10 - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_groups() {
        assert_eq!(bar(7, 7), "▓▓▓▓▓▓▓▓▓▓");
        assert_eq!(bar(1, 2), "▓▓▓▓▓░░░░░");
        assert_eq!(bar(0, 0), "░░░░░░░░░░");
        let a = |s: &str| ManualAction {
            kind: "k".into(),
            key: "x".into(),
            action: s.into(),
            done: false,
        };
        assert_eq!(
            group_of(&a(
                "set the value of secret `s/k` (it holds the placeholder)"
            )),
            "secrets"
        );
        assert_eq!(
            group_of(&a("unpause at cut-over: job `j` (schedule) was UNPAUSED")),
            "cutover"
        );
        assert_eq!(
            group_of(&a("re-authenticate Git folder `/Repos/a` (u)")),
            "git"
        );
        assert_eq!(
            group_of(&a(
                "cluster `etl` was running in the source: it was created terminated"
            )),
            "clusters"
        );
        assert_eq!(group_of(&a("copy `/x` by hand")), "other");
        let cut = BTreeSet::from(["x".to_string()]);
        assert!(is_done(&a("unpause at cut-over: job `j` (schedule)"), &cut));
        assert!(!is_done(
            &a("unpause at cut-over: job `j` (schedule)"),
            &BTreeSet::new()
        ));
        assert!(!is_done(&a("set the value of secret `s/k`"), &cut));
    }
}
