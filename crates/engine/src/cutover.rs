//! `cutover`: the seed's GO LIVE. Every migrated job was created with its schedule, trigger
//! and continuous mode PAUSED; at cut-over each job of the ledger is resumed in the target
//! exactly where its source is active *now* (a block present and not PAUSED), so a job paused
//! in the source since the migration stays paused. With `pause_source`, the same blocks are
//! then paused in the source, so the two workspaces never both run a job for long.
//!
//! Only jobs in the ledger are touched. Each resumed job is recorded in the `cutover` table
//! (`cutover/store.rs`): a second cutover finds them there and writes nothing, `status` shows
//! the "unpause at cut-over" manual action done, and `verify` expects the resumed blocks
//! UNPAUSED in the target. The target is resumed before the source is paused: a failure in
//! between leaves the job running on both sides (visible, recoverable by running cutover
//! again) rather than on neither.

use std::sync::Arc;

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{Job, JobSettings, UpdateJob};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::EngineError;
use crate::EngineOptions;
use crate::kinds::jobs::NAME as JOBS;
use crate::kinds::snapshot::CutoverResumed;
use crate::ledger::{Access, Entry, Ledger};

pub mod store;

use store::CutoverStore;

/// The job blocks that carry a `pause_status`.
pub const BLOCKS: [&str; 3] = ["schedule", "trigger", "continuous"];

/// What cutover did with one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoverOutcome {
    /// Its active blocks were resumed in the target (and paused in the source when asked).
    Resumed,
    /// Resumed by an earlier cutover: nothing written (the source paused now when asked and
    /// not done before).
    AlreadyDone,
    /// Every block is PAUSED in the source now: left paused in the target.
    PausedInSource,
    /// No schedule, trigger or continuous mode: nothing to resume.
    NoSchedule,
    /// Not in the target as the migration wants it (failed, skipped, in conflict) or gone
    /// from the source: left alone.
    NotMigrated,
    /// A call failed; nothing recorded for the step that failed.
    Failed,
}

/// One job's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CutoverJob {
    /// The job's natural key (`name (source id)`).
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its id in the target, when migrated.
    pub target_id: Option<String>,
    /// The outcome.
    pub outcome: CutoverOutcome,
    /// The blocks resumed in the target (by this cutover or an earlier one).
    pub resumed: Vec<String>,
    /// Whether those blocks are paused in the source by brickport (now or earlier).
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
    /// Every job of the ledger, by key.
    pub jobs: Vec<CutoverJob>,
    /// Writes made (target resumes plus source pauses); 0 on a repeated cutover.
    pub writes: usize,
}

impl CutoverReport {
    /// No job failed.
    pub fn is_success(&self) -> bool {
        self.count(CutoverOutcome::Failed) == 0
    }

    /// How many jobs ended with `outcome`.
    pub fn count(&self, outcome: CutoverOutcome) -> usize {
        self.jobs.iter().filter(|j| j.outcome == outcome).count()
    }
}

/// The blocks of `settings` active now (present and not PAUSED; the API's default is UNPAUSED).
pub fn active_blocks(settings: &JobSettings) -> Vec<String> {
    let mut out = Vec::new();
    for (name, block) in blocks_of(settings) {
        if let Some(Value::Object(b)) = block
            && b.get("pause_status").and_then(Value::as_str) != Some("PAUSED")
        {
            out.push(name.to_string());
        }
    }
    out
}

fn blocks_of(s: &JobSettings) -> [(&'static str, Option<&Value>); 3] {
    [
        ("schedule", s.schedule.as_ref()),
        ("trigger", s.trigger.as_ref()),
        ("continuous", s.continuous.as_ref()),
    ]
}

/// Settings holding only `blocks` of `current`, each with `pause_status` set to `status`
/// (for `jobs/update`, which replaces the top-level fields it is given).
fn with_pause(current: &JobSettings, blocks: &[String], status: &str) -> Option<JobSettings> {
    let mut out = JobSettings::default();
    let mut any = false;
    for (name, block) in blocks_of(current) {
        if !blocks.iter().any(|b| b == name) {
            continue;
        }
        let Some(Value::Object(b)) = block else {
            continue;
        };
        if b.get("pause_status").and_then(Value::as_str) == Some(status) {
            continue;
        }
        let mut b = b.clone();
        b.insert("pause_status".into(), Value::String(status.into()));
        let v = Some(Value::Object(b));
        match name {
            "schedule" => out.schedule = v,
            "trigger" => out.trigger = v,
            _ => out.continuous = v,
        }
        any = true;
    }
    any.then_some(out)
}

fn parse_id(id: &str) -> Result<i64, String> {
    id.parse()
        .map_err(|_| format!("job id `{id}` is not an integer"))
}

async fn read(client: &WorkspaceClient, id: &str, side: &str) -> Result<Option<Job>, String> {
    match client.jobs().get(parse_id(id)?).await {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(format!("reading job {id} in the {side}: {e}")),
    }
}

/// Sets `blocks` of job `id` to `status`; true when a write went out.
async fn set_pause(
    client: &WorkspaceClient,
    id: &str,
    job: &Job,
    blocks: &[String],
    status: &str,
    side: &str,
) -> Result<bool, String> {
    let current = job.settings.clone().unwrap_or_default();
    let Some(new_settings) = with_pause(&current, blocks, status) else {
        return Ok(false);
    };
    let update = UpdateJob {
        job_id: parse_id(id)?,
        new_settings: Some(new_settings),
        fields_to_remove: Vec::new(),
    };
    client
        .jobs()
        .update(&update)
        .await
        .map_err(|e| format!("setting job {id} {status} in the {side}: {e}"))?;
    Ok(true)
}

struct Sides<'a> {
    source: &'a WorkspaceClient,
    target: &'a WorkspaceClient,
    store: &'a std::sync::Mutex<CutoverStore>,
    pause_source: bool,
}

impl Sides<'_> {
    fn store(&self) -> std::sync::MutexGuard<'_, CutoverStore> {
        // Each statement is atomic; a poisoned lock leaves nothing half-written.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One job's cut-over; returns its line and the writes made.
async fn one(sides: &Sides<'_>, e: &Entry) -> (CutoverJob, usize) {
    let mut line = CutoverJob {
        key: e.natural_key.clone(),
        source_id: e.source_id.clone(),
        target_id: e.target_id.clone(),
        outcome: CutoverOutcome::Failed,
        resumed: Vec::new(),
        source_paused: false,
        detail: None,
    };
    let mut writes = 0;
    let result = step(sides, e, &mut line, &mut writes).await;
    if let Err(msg) = result {
        line.outcome = CutoverOutcome::Failed;
        line.detail = Some(msg);
    }
    (line, writes)
}

/// One job's cut-over as named steps: not migrated, already resumed, nothing active in the
/// source, or resumed now (then the source paused when asked).
async fn step(
    sides: &Sides<'_>,
    e: &Entry,
    line: &mut CutoverJob,
    writes: &mut usize,
) -> Result<(), String> {
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
        .get(&e.source_id)
        .map_err(|err| err.to_string())?;
    if let Some(row) = done {
        line.outcome = CutoverOutcome::AlreadyDone;
        line.resumed = row.blocks.clone();
        line.source_paused = row.source_paused_at.is_some();
        if sides.pause_source
            && row.source_paused_at.is_none()
            && let Some(job) = read(sides.source, &e.source_id, "source").await?
        {
            pause_source(sides, e, &job, &row.blocks, line, writes).await?;
        }
        return Ok(());
    }
    let Some(src) = read(sides.source, &e.source_id, "source").await? else {
        line.outcome = CutoverOutcome::NotMigrated;
        line.detail = Some("no longer exists in the source: left paused in the target".into());
        return Ok(());
    };
    let settings = src.settings.clone().unwrap_or_default();
    let active = active_blocks(&settings);
    if active.is_empty() {
        let has_any = blocks_of(&settings).iter().any(|(_, b)| b.is_some());
        line.outcome = if has_any {
            CutoverOutcome::PausedInSource
        } else {
            CutoverOutcome::NoSchedule
        };
        return Ok(());
    }
    resume_target(sides, e, &tid, &active, writes).await?;
    line.outcome = CutoverOutcome::Resumed;
    line.resumed = active.clone();
    if sides.pause_source {
        pause_source(sides, e, &src, &active, line, writes).await?;
    }
    Ok(())
}

/// Resumes the `active` blocks in the target job `tid`, and records it.
async fn resume_target(
    sides: &Sides<'_>,
    e: &Entry,
    tid: &str,
    active: &[String],
    writes: &mut usize,
) -> Result<(), String> {
    let Some(tgt) = read(sides.target, tid, "target").await? else {
        return Err(format!(
            "job {tid} no longer exists in the target: run `brickport migrate` again"
        ));
    };
    let tsettings = tgt.settings.clone().unwrap_or_default();
    let missing: Vec<&str> = active
        .iter()
        .filter(|b| {
            blocks_of(&tsettings)
                .iter()
                .all(|(n, v)| n != b || v.is_none())
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the target job has no {} (the source has): run `brickport migrate` again",
            missing.join(", ")
        ));
    }
    if set_pause(sides.target, tid, &tgt, active, "UNPAUSED", "target").await? {
        *writes += 1;
    }
    sides
        .store()
        .record_resumed(&e.source_id, &e.natural_key, tid, active)
        .map_err(|err| err.to_string())
}

/// Pauses `blocks` of the source job (`--pause-source`), and records it.
async fn pause_source(
    sides: &Sides<'_>,
    e: &Entry,
    job: &Job,
    blocks: &[String],
    line: &mut CutoverJob,
    writes: &mut usize,
) -> Result<(), String> {
    if set_pause(sides.source, &e.source_id, job, blocks, "PAUSED", "source").await? {
        *writes += 1;
    }
    sides
        .store()
        .record_source_paused(&e.source_id)
        .map_err(|err| err.to_string())?;
    line.source_paused = true;
    Ok(())
}

/// What `cutover` resumed, by source id: the reader of the run's cache
/// ([`crate::kinds::snapshot::RunCache::reading_cutover`]).
pub fn resumed(run_dir: &std::path::Path) -> Result<CutoverResumed, EngineError> {
    Ok(store::rows(run_dir)?
        .into_iter()
        .map(|(id, row)| (id, row.blocks))
        .collect())
}

/// Cuts over: resumes in `target` the schedules, triggers and continuous modes of the ledger's
/// jobs that are active in `source` now; with `pause_source`, pauses them in `source` after.
/// Per-job failures are in the report ([`CutoverReport::is_success`]); an `Err` means nothing
/// could be done (no ledger, no job in it).
pub async fn cutover(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    pause_source: bool,
) -> Result<CutoverReport, EngineError> {
    let ledger = Arc::new(Ledger::open(&opts.run_dir, Access::ReadOnly)?);
    let entries = ledger.entries(Some(JOBS))?;
    if entries.is_empty() {
        return Err(EngineError::InvalidOption(format!(
            "the ledger in {} holds no job: nothing to cut over (run `brickport migrate` first, \
             or pass the run directory of the migration with --run-dir)",
            opts.run_dir.display()
        )));
    }
    let store = std::sync::Mutex::new(CutoverStore::open(&opts.run_dir)?);
    let sides = Sides {
        source,
        target,
        store: &store,
        pause_source,
    };
    let width = opts.max_concurrency.max(1);
    let sides = &sides;
    let results: Vec<(CutoverJob, usize)> = futures::stream::iter(entries.iter())
        .map(|e| one(sides, e))
        .buffered(width)
        .collect()
        .await;
    let writes = results.iter().map(|(_, w)| w).sum();
    Ok(CutoverReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        pause_source,
        jobs: results.into_iter().map(|(j, _)| j).collect(),
        writes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn active_blocks_follow_the_pause_status() {
        let s = JobSettings {
            schedule: Some(
                json!({"quartz_cron_expression": "0 0 * * * ?", "pause_status": "UNPAUSED"}),
            ),
            trigger: Some(json!({"file_arrival": {"url": "s3://b/"}})),
            continuous: Some(json!({"pause_status": "PAUSED"})),
            ..JobSettings::default()
        };
        assert_eq!(active_blocks(&s), ["schedule", "trigger"]);
        let up = with_pause(&s, &["trigger".into(), "continuous".into()], "PAUSED").unwrap();
        assert_eq!(up.trigger.as_ref().unwrap()["pause_status"], "PAUSED");
        let t = up.trigger.as_ref().unwrap();
        assert_eq!(
            t["file_arrival"]["url"], "s3://b/",
            "the block is kept whole"
        );
        assert!(up.continuous.is_none(), "already PAUSED: not sent");
        assert!(up.schedule.is_none(), "not asked for");
        assert!(with_pause(&s, &["continuous".into()], "PAUSED").is_none());
    }
}
