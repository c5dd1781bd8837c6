//! `cutover`: the seed's GO LIVE, for every kind that holds parts of its objects back until
//! cut-over ([`Kind::cutover`]: jobs are created with their schedule, trigger and continuous
//! mode PAUSED). At cut-over each such object of the ledger gets switched on in the target
//! exactly the parts that are on in its source *now*, so a job paused in the source since the
//! migration stays paused. With `pause_source`, the same parts are then switched off in the
//! source, so the two workspaces never both run an object for long.
//!
//! The kind reads and switches its parts ([`CutOver`]); everything else is here, the same for
//! every kind. Only objects in the ledger are touched. Each resumed object is recorded in the
//! `cutover` table (`cutover/store.rs`): a second cutover finds it there and writes nothing,
//! `status` shows the "unpause at cut-over" manual action done, and `verify` and later runs
//! keep the resumed parts on ([`CutOver::mark_resumed`]). The target is resumed before the
//! source is paused: a failure in between leaves the object running on both sides (visible,
//! recoverable by running cutover again) rather than on neither.

use std::sync::Arc;

use brickport_api::WorkspaceClient;
use futures::StreamExt;
use serde::Serialize;

use crate::EngineError;
use crate::EngineOptions;
use crate::kinds::snapshot::CutoverResumed;
use crate::kinds::{CutOver, Kind, ObjectIn, Part};
use crate::ledger::{Access, Entry, Ledger};

pub mod store;

use store::Recorder;

/// What cutover did with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoverOutcome {
    /// Its parts on in the source were resumed in the target (and paused in the source when
    /// asked).
    Resumed,
    /// Resumed by an earlier cutover: nothing written (the source paused now when asked and
    /// not done before).
    AlreadyDone,
    /// Every part is off in the source now: left off in the target.
    PausedInSource,
    /// No part held back (a job without schedule, trigger or continuous mode): nothing to
    /// resume.
    NoSchedule,
    /// Not in the target as the migration wants it (failed, skipped, in conflict) or gone
    /// from the source: left alone.
    NotMigrated,
    /// A call failed; nothing recorded for the step that failed.
    Failed,
}

/// One object's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CutoverJob {
    /// Its kind.
    pub kind: String,
    /// Its natural key (a job's `name (source id)`).
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its id in the target, when migrated.
    pub target_id: Option<String>,
    /// The outcome.
    pub outcome: CutoverOutcome,
    /// The parts resumed in the target (by this cutover or an earlier one).
    pub resumed: Vec<String>,
    /// Whether those parts are paused in the source by brickport (now or earlier).
    pub source_paused: bool,
    /// Why, for anything but a plain resume.
    pub detail: Option<String>,
}

/// What [`cutover`] returns.
#[derive(Debug, Clone, Serialize)]
pub struct CutoverReport {
    /// The source host.
    pub source: String,
    /// The target host.
    pub target: String,
    /// Whether the source was asked to be paused.
    pub pause_source: bool,
    /// A dry run: nothing was written; the outcomes and `writes` are what a cut-over would do.
    pub dry_run: bool,
    /// Every object of the ledger whose kind holds parts back until cut-over (jobs), by kind
    /// in table order, then by key.
    pub jobs: Vec<CutoverJob>,
    /// Writes made (target resumes plus source pauses); 0 on a repeated cutover.
    pub writes: usize,
}

impl CutoverReport {
    /// No object failed.
    pub fn is_success(&self) -> bool {
        self.count(CutoverOutcome::Failed) == 0
    }

    /// How many objects ended with `outcome`.
    pub fn count(&self, outcome: CutoverOutcome) -> usize {
        self.jobs.iter().filter(|j| j.outcome == outcome).count()
    }
}

/// Which workspace a call goes to.
#[derive(Clone, Copy)]
enum Side {
    Source,
    Target,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

struct Sides<'a> {
    source: &'a WorkspaceClient,
    target: &'a WorkspaceClient,
    store: &'a Recorder,
    pause_source: bool,
}

impl Sides<'_> {
    fn store(&self) -> &Recorder {
        self.store
    }

    fn object<'a>(&'a self, side: Side, id: &'a str) -> ObjectIn<'a> {
        let workspace = match side {
            Side::Source => self.source,
            Side::Target => self.target,
        };
        ObjectIn { workspace, id }
    }
}

/// One object of the ledger, with its kind's hook.
struct Held<'a> {
    kind: &'static str,
    hook: &'a dyn CutOver,
    e: Entry,
}

impl Held<'_> {
    /// Its held-back parts on `side` now (`None`: gone from there).
    async fn read(
        &self,
        sides: &Sides<'_>,
        side: Side,
        id: &str,
    ) -> Result<Option<Vec<Part>>, String> {
        self.hook.parts(sides.object(side, id)).await.map_err(|e| {
            e.context(|| format!("reading {} {id} in the {}", self.kind, side.word()))
                .to_string()
        })
    }

    /// Switches those of `parts` named in `names` on or off on `side`; true when a write went
    /// out.
    async fn switch(
        &self,
        sides: &Sides<'_>,
        side: Side,
        id: &str,
        parts: &[Part],
        names: &[String],
        on: bool,
    ) -> Result<bool, String> {
        let parts: Vec<Part> = parts
            .iter()
            .filter(|p| names.contains(&p.name))
            .cloned()
            .collect();
        let verb = if on { "resuming" } else { "pausing" };
        if sides.store.dry() {
            // What would be written; the parts were read, so the count is the cut-over's.
            return Ok(!parts.is_empty());
        }
        self.hook
            .switch(sides.object(side, id), &parts, on)
            .await
            .map_err(|e| {
                e.context(|| format!("{verb} {} {id} in the {}", self.kind, side.word()))
                    .to_string()
            })
    }
}

/// One object's cut-over; returns its line and the writes made.
async fn one(sides: &Sides<'_>, h: &Held<'_>) -> (CutoverJob, usize) {
    let e = &h.e;
    let mut line = CutoverJob {
        kind: h.kind.to_string(),
        key: e.natural_key.clone(),
        source_id: e.source_id.clone(),
        target_id: e.target_id.clone(),
        outcome: CutoverOutcome::Failed,
        resumed: Vec::new(),
        source_paused: false,
        detail: None,
    };
    let mut writes = 0;
    let result = step(sides, h, &mut line, &mut writes).await;
    if let Err(msg) = result {
        line.outcome = CutoverOutcome::Failed;
        line.detail = Some(msg);
    }
    (line, writes)
}

/// One object's cut-over as named steps: not migrated, already resumed, nothing on in the
/// source, or resumed now (then the source paused when asked).
async fn step(
    sides: &Sides<'_>,
    h: &Held<'_>,
    line: &mut CutoverJob,
    writes: &mut usize,
) -> Result<(), String> {
    let e = &h.e;
    let Some(tid) = e.target_id.clone().filter(|_| e.status.is_done()) else {
        line.outcome = CutoverOutcome::NotMigrated;
        line.detail = Some(format!(
            "{} in the ledger{}: migrate it first",
            e.status.as_str(),
            e.last_error
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        ));
        return Ok(());
    };
    let done = sides
        .store()
        .get(h.kind, &e.source_id)
        .map_err(|err| err.to_string())?;
    if let Some(row) = done {
        line.outcome = CutoverOutcome::AlreadyDone;
        line.resumed = row.blocks.clone();
        line.source_paused = row.source_paused_at.is_some();
        if sides.pause_source
            && row.source_paused_at.is_none()
            && let Some(src) = h.read(sides, Side::Source, &e.source_id).await?
        {
            pause_source(sides, h, &src, &row.blocks, line, writes).await?;
        }
        return Ok(());
    }
    let Some(src) = h.read(sides, Side::Source, &e.source_id).await? else {
        line.outcome = CutoverOutcome::NotMigrated;
        line.detail = Some("no longer exists in the source: left paused in the target".into());
        return Ok(());
    };
    let active: Vec<String> = src
        .iter()
        .filter(|p| p.on)
        .map(|p| p.name.clone())
        .collect();
    if active.is_empty() {
        line.outcome = if src.is_empty() {
            CutoverOutcome::NoSchedule
        } else {
            CutoverOutcome::PausedInSource
        };
        return Ok(());
    }
    resume_target(sides, h, &tid, &active, writes).await?;
    line.outcome = CutoverOutcome::Resumed;
    line.resumed = active.clone();
    if sides.pause_source {
        pause_source(sides, h, &src, &active, line, writes).await?;
    }
    Ok(())
}

/// Resumes the `active` parts in the target object `tid`, and records it.
async fn resume_target(
    sides: &Sides<'_>,
    h: &Held<'_>,
    tid: &str,
    active: &[String],
    writes: &mut usize,
) -> Result<(), String> {
    let Some(tgt) = h.read(sides, Side::Target, tid).await? else {
        return Err(format!(
            "{} {tid} no longer exists in the target: run `brickport migrate` again",
            h.kind
        ));
    };
    let missing: Vec<&str> = active
        .iter()
        .filter(|b| tgt.iter().all(|p| &p.name != *b))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the target's {} {tid} has no {} (the source has): run `brickport migrate` again",
            h.kind,
            missing.join(", ")
        ));
    }
    if h.switch(sides, Side::Target, tid, &tgt, active, true)
        .await?
    {
        *writes += 1;
    }
    let e = &h.e;
    sides
        .store()
        .record_resumed(h.kind, &e.source_id, &e.natural_key, tid, active)
        .map_err(|err| err.to_string())
}

/// Pauses `names` of the source object's `parts` (`--pause-source`), and records it.
async fn pause_source(
    sides: &Sides<'_>,
    h: &Held<'_>,
    parts: &[Part],
    names: &[String],
    line: &mut CutoverJob,
    writes: &mut usize,
) -> Result<(), String> {
    let sid = &h.e.source_id;
    if h.switch(sides, Side::Source, sid, parts, names, false)
        .await?
    {
        *writes += 1;
    }
    sides
        .store()
        .record_source_paused(h.kind, sid)
        .map_err(|err| err.to_string())?;
    line.source_paused = true;
    Ok(())
}

/// What `cutover` resumed, by kind and source id: the reader of the run's cache
/// ([`crate::kinds::snapshot::RunCache::reading_cutover`]).
pub fn resumed(run_dir: &std::path::Path) -> Result<CutoverResumed, EngineError> {
    let mut out = CutoverResumed::new();
    for ((kind, id), row) in store::rows(run_dir)? {
        out.entry(kind).or_default().insert(id, row.blocks);
    }
    Ok(out)
}

/// The ledger's objects of every kind that holds parts back until cut-over, in table order;
/// an error when there is none.
fn held<'a>(
    ledger: &Ledger,
    kinds: &'a [Arc<dyn Kind>],
    opts: &EngineOptions,
) -> Result<Vec<Held<'a>>, EngineError> {
    let mut out = Vec::new();
    let mut names = Vec::new();
    for kind in kinds {
        let Some(hook) = kind.cutover() else {
            continue;
        };
        names.push(kind.name());
        for e in ledger.entries(Some(kind.name()))? {
            out.push(Held {
                kind: kind.name(),
                hook,
                e,
            });
        }
    }
    if out.is_empty() {
        return Err(EngineError::InvalidOption(format!(
            "the ledger in {} holds no {}: nothing to cut over (run `brickport migrate` first, \
             or pass the run directory of the migration with --run-dir)",
            opts.run_dir.display(),
            names.join(" or ")
        )));
    }
    Ok(out)
}

/// Cuts over: resumes in `target` the held-back parts (jobs' schedules, triggers and
/// continuous modes) of the ledger's objects that are on in `source` now; with
/// `pause_source`, pauses them in `source` after. Per-object failures are in the report
/// ([`CutoverReport::is_success`]); an `Err` means nothing could be done (no ledger, nothing
/// held back in it).
pub async fn cutover(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    pause_source: bool,
) -> Result<CutoverReport, EngineError> {
    cutover_with(source, target, opts, pause_source, false).await
}

/// [`cutover`], or with `dry_run` what it would do: the same reads of both workspaces, and
/// nothing written to either or to the run directory.
pub async fn cutover_with(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    pause_source: bool,
    dry_run: bool,
) -> Result<CutoverReport, EngineError> {
    let ledger = Arc::new(Ledger::open(&opts.run_dir, Access::ReadOnly)?);
    let kinds = crate::kinds::all();
    let held = held(&ledger, &kinds, opts)?;
    let store = Recorder::open(&opts.run_dir, dry_run)?;
    let sides = Sides {
        source,
        target,
        store: &store,
        pause_source,
    };
    let width = opts.max_concurrency.max(1);
    let sides = &sides;
    let results: Vec<(CutoverJob, usize)> = futures::stream::iter(held.iter())
        .map(|h| one(sides, h))
        .buffered(width)
        .collect()
        .await;
    let writes = results.iter().map(|(_, w)| w).sum();
    Ok(CutoverReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        pause_source,
        dry_run,
        jobs: results.into_iter().map(|(j, _)| j).collect(),
        writes,
    })
}
