//! The seed's "Success Metrics Dashboard", read from the ledger: each phase with the share of
//! its objects done, the post-migration actions done and pending (grouped as the seed groups
//! them), and per kind the objects migrated of those listed. Part of [`crate::StatusReport`].
//!
//! Everything counts what the migration did over all its runs, not the last run's outcomes:
//! an object is *migrated* when its row says it is in the target as wanted (created,
//! updated or unchanged — an object created in run 1 and unchanged in run 2 still counts as
//! created, by the ledger's `created` flag); *done* when migrated or skipped on purpose.
//! *Listed* is the kind's last finished listing of the source (`ledger/listings.rs`), at
//! least the rows the ledger has; a listing that did not finish makes the kind's count a
//! lower bound, and its phase not complete. A skip is *on purpose* only by its kind's choice
//! ([`SkipCode::OnPurpose`]); one because a dependency failed, was left out or is in conflict
//! is counted apart, as a problem. Manual actions are grouped by their [`Category`]; whether
//! one is done is the ledger's rule ([`Ledger::manual_actions`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::EngineError;
use crate::cutover::store::CutoverRows;
use crate::kinds;
use crate::ledger::{Category, DoneBy, Entry, Ledger, Listing, ManualAction, SkipCode, Status};

/// Whether a kind's listing of the source is known whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingState {
    /// Its last listing finished.
    Complete,
    /// Its last listing began and did not finish (the run stopped while it was listed).
    Incomplete,
    /// Never listed (not selected in any run yet).
    NotListed,
}

/// One kind's objects, over every run of the migration.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct KindProgress {
    /// The kind.
    pub kind: String,
    /// Its phase.
    pub phase: u8,
    /// Objects listed in the source (a lower bound while `listing` is not complete).
    pub listed: usize,
    /// Whether the listing is known whole.
    pub listing: Option<ListingState>,
    /// In the target as wanted (created, updated or unchanged).
    pub migrated: usize,
    /// Of those, created by this migration (in any run).
    pub created: usize,
    /// Skipped on purpose (built-ins, excluded, unsupported variants).
    pub skipped_on_purpose: usize,
    /// Skipped because an object they need failed, was left out (its kind not migrated) or
    /// is in conflict.
    pub skipped_dependency: usize,
    /// Not attempted (the run was aborted, or `--resume` found them no longer done).
    pub not_attempted: usize,
    /// Failed.
    pub failed: usize,
    /// In conflict (left alone).
    pub conflict: usize,
    /// A write whose outcome is not known yet (the run stopped during it).
    pub pending: usize,
    /// Deleted from the target by `rollback`.
    pub rolled_back: usize,
}

impl KindProgress {
    /// Migrated or skipped on purpose: nothing left to do for them.
    pub fn done(&self) -> usize {
        self.migrated + self.skipped_on_purpose
    }

    /// Whether every object listed is done and the listing is whole.
    pub fn complete(&self) -> bool {
        self.listing == Some(ListingState::Complete) && self.done() >= self.listed
    }

    fn count(&mut self, e: &Entry) {
        match e.status {
            s if s.is_done() => {
                self.migrated += 1;
                self.created += usize::from(e.created);
            }
            Status::Skipped => match e.skip {
                Some(SkipCode::NeverMigrated | SkipCode::Dependency | SkipCode::LeftAlone) => {
                    self.skipped_dependency += 1
                }
                Some(SkipCode::Aborted | SkipCode::NoLongerDone) => self.not_attempted += 1,
                Some(SkipCode::OnPurpose) | None => self.skipped_on_purpose += 1,
            },
            Status::Failed => self.failed += 1,
            Status::Conflict => self.conflict += 1,
            Status::RolledBack => self.rolled_back += 1,
            _ => self.pending += 1,
        }
    }
}

/// One phase's progress, in objects.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PhaseProgress {
    /// The phase (1, 2, 3).
    pub phase: u8,
    /// The seed's title ("Enablement Objects", "Content Objects", "Orchestration").
    pub title: String,
    /// Objects done (migrated or skipped on purpose).
    pub done: usize,
    /// Objects listed.
    pub total: usize,
    /// `done * 100 / total`, rounded down; never 100 while something is left (an object not
    /// done, a listing not whole, a kind never listed).
    pub percent: u8,
    /// The kinds not complete yet (never listed, listing not whole, objects not done).
    pub pending: Vec<String>,
    /// The kinds whose last listing did not finish.
    pub incomplete: Vec<String>,
    /// The kinds never listed.
    pub not_listed: Vec<String>,
}

/// One post-migration action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionItem {
    /// Its stable short id (`brickport done ID`).
    pub id: String,
    /// The kind of the object concerned.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// What to do.
    pub action: String,
    /// Whether it is done.
    pub done: bool,
    /// How it came to be done.
    pub done_by: Option<DoneBy>,
}

/// A group of post-migration actions.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionGroup {
    /// Machine name (`secrets`, `git`, `cutover`, `clusters`, `refresh`, `other`).
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
    /// Every kind, in table order.
    pub kinds: Vec<KindProgress>,
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

/// The finished-run summaries' kinds: those that ran to the end of a finished run (what a
/// ledger from before the `listings` table knows of its listings).
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

/// Every kind's counts, in table order.
fn kind_progress(
    table: &[std::sync::Arc<dyn kinds::Kind>],
    entries: &[Entry],
    listings: &[Listing],
    ran: &BTreeSet<String>,
) -> Vec<KindProgress> {
    let mut per: BTreeMap<&str, KindProgress> = BTreeMap::new();
    for e in entries {
        per.entry(e.kind.as_str()).or_default().count(e);
    }
    let listings: BTreeMap<&str, &Listing> =
        listings.iter().map(|l| (l.kind.as_str(), l)).collect();
    table
        .iter()
        .map(|k| {
            let mut p = per.remove(k.name()).unwrap_or_default();
            p.kind = k.name().to_string();
            p.phase = k.phase();
            let rows = p.migrated
                + p.skipped_on_purpose
                + p.skipped_dependency
                + p.not_attempted
                + p.failed
                + p.conflict
                + p.pending
                + p.rolled_back;
            let listing = listings.get(k.name());
            let counted = listing.and_then(|l| l.listed).unwrap_or(0).max(0) as usize;
            p.listed = counted.max(rows);
            p.listing = Some(match listing {
                Some(l) if l.complete() => ListingState::Complete,
                Some(_) => ListingState::Incomplete,
                // A ledger from before listings were recorded: what its runs finished, or has.
                None if rows > 0 || ran.contains(k.name()) => ListingState::Complete,
                None => ListingState::NotListed,
            });
            p
        })
        .collect()
}

/// Each phase's share of objects done.
fn phases(kinds: &[KindProgress]) -> Vec<PhaseProgress> {
    let mut phases: BTreeMap<u8, PhaseProgress> = BTreeMap::new();
    for k in kinds {
        let p = phases.entry(k.phase).or_insert_with(|| PhaseProgress {
            phase: k.phase,
            title: phase_title(k.phase).to_string(),
            done: 0,
            total: 0,
            percent: 0,
            pending: Vec::new(),
            incomplete: Vec::new(),
            not_listed: Vec::new(),
        });
        p.done += k.done().min(k.listed);
        p.total += k.listed;
        match k.listing {
            Some(ListingState::Incomplete) => p.incomplete.push(k.kind.clone()),
            Some(ListingState::NotListed) | None => p.not_listed.push(k.kind.clone()),
            Some(ListingState::Complete) => {}
        }
        if !k.complete() {
            p.pending.push(k.kind.clone());
        }
    }
    for p in phases.values_mut() {
        let pct = (p.done * 100).checked_div(p.total).unwrap_or(0);
        let whole = p.pending.is_empty();
        p.percent = match whole {
            true => 100,
            false => pct.min(99) as u8,
        };
    }
    phases.into_values().collect()
}

/// The manual actions grouped by category as the dashboard groups them, without the ledger's
/// cut-over record (`report.html` of a report without a ledger).
pub(crate) fn action_groups(actions: &[ManualAction]) -> Vec<ActionGroup> {
    groups(actions, &CutoverRows::new())
}

fn item(a: &ManualAction) -> ActionItem {
    ActionItem {
        id: a.id.clone(),
        kind: a.kind.clone(),
        key: a.key.clone(),
        action: a.action.clone(),
        done: a.done,
        done_by: a.done_by,
    }
}

/// The manual actions grouped by category, in [`Category::ALL`]'s order.
fn groups(actions: &[ManualAction], cut: &CutoverRows) -> Vec<ActionGroup> {
    let mut groups: BTreeMap<Category, Vec<ActionItem>> = BTreeMap::new();
    for a in actions {
        groups.entry(a.category).or_default().push(item(a));
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
        let action = format!("unpaused at cut-over ({})", r.blocks.join(", "));
        groups
            .entry(Category::Unpause)
            .or_default()
            .push(ActionItem {
                id: ManualAction::id_of(Category::Unpause, &r.kind, &r.natural_key, &action),
                kind: r.kind.clone(),
                key: r.natural_key.clone(),
                action,
                done: true,
                done_by: Some(DoneBy::Cutover),
            });
    }
    Category::ALL
        .into_iter()
        .filter_map(|c| {
            let items = groups.remove(&c)?;
            Some(ActionGroup {
                group: c.as_str().to_string(),
                title: c.title().to_string(),
                done: items.iter().filter(|i| i.done).count(),
                total: items.len(),
                items,
            })
        })
        .collect()
}

/// Builds the dashboard.
pub fn build(
    ledger: &Ledger,
    entries: &[Entry],
    actions: &[ManualAction],
    cut: &CutoverRows,
) -> Result<Dashboard, EngineError> {
    let ran = finished_kinds(ledger)?;
    let kinds = kind_progress(&kinds::all(), entries, &ledger.listings()?, &ran);
    let post_migration = groups(actions, cut);
    Ok(Dashboard {
        phases: phases(&kinds),
        post_migration_done: post_migration.iter().map(|g| g.done).sum(),
        post_migration_total: post_migration.iter().map(|g| g.total).sum(),
        post_migration,
        kinds,
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
mod tests;
