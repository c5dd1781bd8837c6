//! The seed's "Success Metrics Dashboard", read from the ledger: each phase with the share of
//! its kinds done, the post-migration actions done and pending (grouped as the seed groups
//! them), and the objects migrated per kind. Part of [`crate::StatusReport`].
//!
//! A kind is *done* when it ran to the end of a finished run (or has objects in the ledger)
//! and none of its objects failed, is in conflict, is pending, was skipped because it needs
//! a kind never migrated ([`Entry::waits_for_a_kind`]), or was rolled back. Manual actions are grouped by their
//! [`Category`]; whether one is done is [`ManualAction::is_done`]'s rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::EngineError;
use crate::cutover::store::CutoverRows;
use crate::kinds;
use crate::ledger::{Category, Entry, Ledger, ManualAction, Status};

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
    /// Machine name (`secrets`, `git`, `cutover`, `clusters`, `refresh`, `failed`, `other`).
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

/// The group of the objects to fix (not a manual action's category: the dashboard adds it).
const FAILED: (&str, &str) = ("failed", "failed, in-conflict or waiting objects to fix");

/// The finished-run summaries' kinds: those that ran to the end of a finished run.
fn finished_kinds(ledger: &Ledger) -> Result<BTreeSet<String>, EngineError> {
    let mut out = BTreeSet::new();
    for text in ledger.finished_summaries()? {
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

/// The ledger's objects counted per kind: migrated, skipped on purpose, and the kinds with an
/// object to fix (listed as items of the `failed` group).
#[derive(Default)]
struct Tally<'a> {
    migrated: BTreeMap<&'a str, usize>,
    skipped: BTreeMap<&'a str, usize>,
    bad: BTreeSet<&'a str>,
    seen: BTreeSet<&'a str>,
    failed: Vec<ActionItem>,
}

impl<'a> Tally<'a> {
    fn of(entries: &'a [Entry]) -> Self {
        let mut t = Tally::default();
        for e in entries {
            t.seen.insert(&e.kind);
            if e.status.is_done() {
                *t.migrated.entry(&e.kind).or_default() += 1;
            } else if e.status == Status::RolledBack {
                // Taken out of the target by `rollback`: not migrated (its kind is not done),
                // and nothing to fix.
                t.bad.insert(&e.kind);
            } else if e.status == Status::Skipped && !e.waits_for_a_kind() {
                *t.skipped.entry(&e.kind).or_default() += 1;
            } else {
                t.bad.insert(&e.kind);
                t.failed.push(ActionItem {
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
        t
    }
}

/// Each phase's share of kinds done: a kind is done when it ran (`ran`, or has objects in the
/// ledger) and has no object to fix.
fn phases(
    table: &[std::sync::Arc<dyn kinds::Kind>],
    ran: &BTreeSet<String>,
    t: &Tally,
) -> Vec<PhaseProgress> {
    let mut phases: BTreeMap<u8, PhaseProgress> = BTreeMap::new();
    for k in table {
        let p = phases.entry(k.phase()).or_insert_with(|| PhaseProgress {
            phase: k.phase(),
            title: phase_title(k.phase()).to_string(),
            done: 0,
            total: 0,
            percent: 0,
            pending: Vec::new(),
        });
        p.total += 1;
        let ran = ran.contains(k.name()) || t.seen.contains(k.name());
        if ran && !t.bad.contains(k.name()) {
            p.done += 1;
        } else {
            p.pending.push(k.name().to_string());
        }
    }
    for p in phases.values_mut() {
        p.percent = (p.done * 100).checked_div(p.total).unwrap_or(0) as u8;
    }
    phases.into_values().collect()
}

/// The manual actions grouped by category as the dashboard groups them, without the ledger's
/// objects to fix or its cut-over record (`report.html` of a report without a ledger).
pub(crate) fn action_groups(actions: &[ManualAction]) -> Vec<ActionGroup> {
    groups(actions, &CutoverRows::new(), Vec::new())
}

/// The manual actions grouped by category, the objects to fix last but one.
fn groups(
    actions: &[ManualAction],
    cut: &CutoverRows,
    failed: Vec<ActionItem>,
) -> Vec<ActionGroup> {
    let mut groups: BTreeMap<Category, Vec<ActionItem>> = BTreeMap::new();
    for a in actions {
        groups.entry(a.category).or_default().push(ActionItem {
            kind: a.kind.clone(),
            key: a.key.clone(),
            action: a.action.clone(),
            done: a.done,
        });
    }
    // An object cut over whose action is gone (its source was paused by `--pause-source`,
    // and a later run no longer sees it active) is still a cut-over done.
    let listed: BTreeSet<(String, String)> = groups
        .get(&Category::Unpause)
        .map(|items| {
            items
                .iter()
                .map(|i| (i.kind.clone(), i.key.clone()))
                .collect()
        })
        .unwrap_or_default();
    for r in cut
        .values()
        .filter(|r| !listed.contains(&(r.kind.clone(), r.natural_key.clone())))
    {
        groups
            .entry(Category::Unpause)
            .or_default()
            .push(ActionItem {
                kind: r.kind.clone(),
                key: r.natural_key.clone(),
                action: format!("unpaused at cut-over ({})", r.blocks.join(", ")),
                done: true,
            });
    }
    let group = |(name, title): (&str, &str), items: Vec<ActionItem>| ActionGroup {
        group: name.to_string(),
        title: title.to_string(),
        done: items.iter().filter(|i| i.done).count(),
        total: items.len(),
        items,
    };
    let mut failed = Some(failed).filter(|f| !f.is_empty());
    let mut out = Vec::new();
    for c in Category::ALL {
        if c == Category::Other
            && let Some(items) = failed.take()
        {
            out.push(group(FAILED, items));
        }
        if let Some(items) = groups.remove(&c) {
            out.push(group((c.as_str(), c.title()), items));
        }
    }
    out
}

/// Builds the dashboard.
pub fn build(
    ledger: &Ledger,
    entries: &[Entry],
    actions: &[ManualAction],
    cut: &CutoverRows,
) -> Result<Dashboard, EngineError> {
    let ran = finished_kinds(ledger)?;
    let mut tally = Tally::of(entries);
    let table = kinds::all();
    let phases = phases(&table, &ran, &tally);
    let post_migration = groups(actions, cut, std::mem::take(&mut tally.failed));
    let in_order = |m: &BTreeMap<&str, usize>| -> Vec<(String, usize)> {
        table
            .iter()
            .filter_map(|k| m.get(k.name()).map(|n| (k.name().to_string(), *n)))
            .collect()
    };
    Ok(Dashboard {
        phases,
        post_migration_done: post_migration.iter().map(|g| g.done).sum(),
        post_migration_total: post_migration.iter().map(|g| g.total).sum(),
        post_migration,
        migrated: in_order(&tally.migrated),
        skipped: in_order(&tally.skipped),
    })
}

/// The dashboard of the run directory whose ledger is `ledger`, as `status` shows it.
pub(crate) fn of_ledger(ledger: &Ledger, run_dir: &Path) -> Result<Dashboard, EngineError> {
    let entries = ledger.entries(None)?;
    let actions = ledger.manual_actions()?;
    build(
        ledger,
        &entries,
        &actions,
        &crate::cutover::store::rows(run_dir)?,
    )
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
    fn bars() {
        assert_eq!(bar(7, 7), "▓▓▓▓▓▓▓▓▓▓");
        assert_eq!(bar(1, 2), "▓▓▓▓▓░░░░░");
        assert_eq!(bar(0, 0), "░░░░░░░░░░");
    }

    #[test]
    fn actions_are_grouped_by_category_the_objects_to_fix_before_the_others() {
        let a = |category, key: &str, done| ManualAction {
            kind: "k".into(),
            key: key.into(),
            category,
            action: format!("{category:?} {key}"),
            done,
        };
        let actions = [
            a(Category::Other, "o", false),
            a(Category::Unpause, "j", true),
            a(Category::Secret, "s", false),
        ];
        let fix = ActionItem {
            kind: "jobs".into(),
            key: "f".into(),
            action: "failed: boom".into(),
            done: false,
        };
        let g = groups(&actions, &BTreeMap::new(), vec![fix]);
        let names: Vec<&str> = g.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["secrets", "cutover", "failed", "other"]);
        assert_eq!((g[1].done, g[1].total), (1, 1));
        assert_eq!(g[0].title, "secrets to set");
    }
}
