//! A plan as a person reads it, like Terraform's: one line per object that `migrate` would
//! change — `+` create, `~` update (with the names of the fields that differ, never their
//! values), `!` conflict, `-` skip, `x` fail — grouped by kind in phase order, folded at scale
//! (a few lines per kind, the rest counted), and a summary line. Objects already equal are
//! only counted.
//!
//! Built from a plan's [`RunReport`], read back from disk one object at a time: at most the
//! shown lines are kept in memory (all of them with no fold).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::report::{ObjectReport, Outcome, RunReport};

/// What `migrate` would do with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It fails already in the plan (a source that cannot be read, …).
    Fail,
    /// Exists in the target, differs, not this migration's: left alone (policy `report`).
    Conflict,
    /// Updated in the target.
    Update,
    /// Created in the target.
    Create,
    /// Left out, with the reason.
    Skip,
    /// Already equal in the target (unchanged, or adopted): nothing written to it.
    Keep,
}

impl Change {
    /// The plan's change for a would-be outcome.
    pub fn of(o: Outcome) -> Change {
        match o {
            Outcome::Created => Change::Create,
            Outcome::Updated => Change::Update,
            Outcome::Unchanged | Outcome::Adopted => Change::Keep,
            Outcome::Skipped => Change::Skip,
            Outcome::Failed => Change::Fail,
            Outcome::Conflict => Change::Conflict,
        }
    }

    /// The line's sign.
    pub fn sign(self) -> &'static str {
        match self {
            Change::Fail => "x",
            Change::Conflict => "!",
            Change::Update => "~",
            Change::Create => "+",
            Change::Skip => "-",
            Change::Keep => "=",
        }
    }

    /// "to create", for the folded counts and the summary.
    pub fn words(self) -> &'static str {
        match self {
            Change::Fail => "failing",
            Change::Conflict => "in conflict",
            Change::Update => "to update",
            Change::Create => "to create",
            Change::Skip => "to skip",
            Change::Keep => "unchanged",
        }
    }

    /// The changes a plan shows line by line, in the order shown inside a kind.
    pub const SHOWN: [Change; 5] = [
        Change::Fail,
        Change::Conflict,
        Change::Update,
        Change::Create,
        Change::Skip,
    ];
}

/// One object's line.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    /// The change.
    pub change: Change,
    /// Its natural key.
    pub key: String,
    /// For an update or a conflict: the names of the fields that differ (never a value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// For a skip, a conflict or a failure: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One kind's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct KindPlan {
    /// The kind.
    pub kind: &'static str,
    /// Its phase.
    pub phase: u8,
    /// The lines shown (all of them without a fold).
    pub lines: Vec<PlanLine>,
    /// How many objects of each change it has (shown or folded).
    pub counts: BTreeMap<Change, usize>,
}

impl KindPlan {
    /// How many objects of `change` are not shown.
    pub fn folded(&self, change: Change) -> usize {
        let shown = self.lines.iter().filter(|l| l.change == change).count();
        self.counts.get(&change).copied().unwrap_or(0) - shown
    }
}

/// The plan, kind by kind in phase order (kinds with nothing to change left out).
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// The kinds with at least one object shown or folded.
    pub kinds: Vec<KindPlan>,
    /// The counts over all kinds.
    pub totals: BTreeMap<Change, usize>,
}

/// The field names of a report's `diffs` (`acl (group x CAN_VIEW)` → `acl`): the plan shows
/// which fields differ, never what they hold.
pub fn field_names(diffs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in diffs {
        let name = d.split([' ', ':', '=']).next().unwrap_or("").to_string();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

impl PlanView {
    /// The plan's view; `fold`: at most this many lines per kind (the most pressing changes
    /// first), `None` for every line.
    pub fn of(plan: &RunReport, fold: Option<usize>) -> Result<PlanView, EngineError> {
        let mut by_kind: BTreeMap<&'static str, KindPlan> = BTreeMap::new();
        let mut totals: BTreeMap<Change, usize> = BTreeMap::new();
        let phase = |kind: &str| plan.kinds.iter().find(|k| k.kind == kind).map(|k| k.phase);
        for o in plan.objects_iter() {
            let o = o?;
            let change = Change::of(o.outcome);
            *totals.entry(change).or_default() += 1;
            let k = by_kind.entry(o.kind).or_insert_with(|| KindPlan {
                kind: o.kind,
                phase: phase(o.kind).unwrap_or(u8::MAX),
                lines: Vec::new(),
                counts: BTreeMap::new(),
            });
            *k.counts.entry(change).or_default() += 1;
            if change != Change::Keep {
                k.lines.push(line(change, o));
                // Kept to the fold's size as it goes, the most pressing changes first (a
                // stable sort keeps the objects' order inside a change).
                if let Some(n) = fold.filter(|n| k.lines.len() > *n) {
                    k.lines.sort_by_key(|l| l.change);
                    k.lines.truncate(n);
                }
            }
        }
        // Kinds in phase order, then in the report's (table) order.
        let order: Vec<&str> = plan.kinds.iter().map(|k| k.kind).collect();
        let mut kinds: Vec<KindPlan> = by_kind
            .into_values()
            .filter(|k| k.counts.keys().any(|c| *c != Change::Keep))
            .collect();
        let at = |k: &str| order.iter().position(|o| *o == k).unwrap_or(usize::MAX);
        kinds.sort_by_key(|k| (k.phase, at(k.kind)));
        for k in &mut kinds {
            k.lines.sort_by_key(|l| l.change);
        }
        Ok(PlanView { kinds, totals })
    }

    /// How many objects of `change` the plan has.
    pub fn count(&self, change: Change) -> usize {
        self.totals.get(&change).copied().unwrap_or(0)
    }

    /// Whether lines are folded anywhere.
    pub fn is_folded(&self) -> bool {
        self.kinds
            .iter()
            .any(|k| Change::SHOWN.iter().any(|c| k.folded(*c) > 0))
    }
}

fn line(change: Change, o: ObjectReport) -> PlanLine {
    let fields = match change {
        Change::Update | Change::Conflict => field_names(&o.diffs),
        _ => Vec::new(),
    };
    let reason = match change {
        Change::Skip | Change::Fail | Change::Conflict => o.detail,
        _ => None,
    };
    PlanLine {
        change,
        key: o.key,
        fields,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_keep_the_names_and_drop_what_they_hold() {
        let diffs = [
            "acl (group readers CAN_VIEW, user a@x.com CAN_MANAGE)".to_string(),
            "keys.db (supplied value)".to_string(),
            "settings.timeout_seconds".to_string(),
            "acl (user b@x.com IS_OWNER)".to_string(),
        ];
        assert_eq!(
            field_names(&diffs),
            ["acl", "keys.db", "settings.timeout_seconds"]
        );
    }

    #[test]
    fn changes_sort_most_pressing_first() {
        let mut c = vec![Change::Skip, Change::Create, Change::Fail, Change::Update];
        c.sort();
        assert_eq!(
            c,
            [Change::Fail, Change::Update, Change::Create, Change::Skip]
        );
    }
}
