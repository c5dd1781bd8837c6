//! Pipelines end to end, between two emulators on loopback: a continuous pipeline is created
//! triggered and idle in the target, with no update ever started there, and `cutover` makes it
//! continuous again (once: a second cutover writes nothing; `--pause-source` makes the
//! source's triggered and stops it); a job's pipeline task points at
//! the target's pipeline; a create whose answer was lost leaves one pipeline, not two; a
//! pipeline whose notebook is left out of the migration is skipped with the reason; a target
//! pipeline found running before the cut-over is made triggered again and stopped.

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{Job, JobSettings};
use brickport_api::types::pipelines::{CreatePipeline, EditPipeline, PipelineSpec};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_emulator::{FaultRule, RuleAction};
use brickport_engine::{
    CutoverOutcome, NoProgress, ObjectReport, Outcome, RunReport, cutover, migrate, verify,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::jobs::cutover_actions;
use crate::support::{Pair, options, pair};

const NOTEBOOK: &str = "/Shared/dlt/ingest";

async fn notebook(c: &WorkspaceClient) {
    c.workspace().mkdirs("/Shared/dlt").await.unwrap();
    let import = Import {
        path: NOTEBOOK.into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content: b"# Databricks notebook source\nimport dlt\n".to_vec(),
        overwrite: false,
    };
    c.workspace().import(&import).await.unwrap();
}

/// A pipeline running [`NOTEBOOK`], publishing to `main.sales`.
async fn pipeline(c: &WorkspaceClient, name: &str, continuous: bool) -> String {
    let create = CreatePipeline {
        spec: PipelineSpec {
            name: Some(name.into()),
            continuous: Some(continuous),
            catalog: Some("main".into()),
            schema: Some("sales".into()),
            libraries: Some(vec![json!({"notebook": {"path": NOTEBOOK}})]),
            ..PipelineSpec::default()
        },
        ..CreatePipeline::default()
    };
    c.pipelines().create(&create).await.unwrap()
}

/// The settings of the pipeline named `name` in `c`, with its state beside them.
async fn named(c: &WorkspaceClient, name: &str) -> (String, Value, String) {
    let found = c.pipelines().named(name).await.unwrap();
    assert_eq!(found.len(), 1, "one pipeline named {name}: {found:?}");
    let id = found[0].pipeline_id.clone().unwrap();
    let p = c.pipelines().get(&id).await.unwrap();
    let spec = serde_json::to_value(p.spec.unwrap()).unwrap();
    (id, spec, p.state.unwrap_or_default())
}

fn line<'r>(objects: &'r [ObjectReport], kind: &str, key: &str) -> &'r ObjectReport {
    (objects.iter())
        .find(|o| o.kind == kind && o.key.starts_with(key))
        .unwrap_or_else(|| panic!("{kind} {key} not in the report"))
}

async fn run(p: &Pair, opts: &brickport_engine::EngineOptions) -> RunReport {
    let r = migrate(&p.source, &p.target, opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    r
}

/// The source: a continuous pipeline (running there, as the service starts it), a triggered
/// one, and a job whose task updates the continuous one.
async fn seed(c: &WorkspaceClient) -> String {
    notebook(c).await;
    let stream = pipeline(c, "stream", true).await;
    pipeline(c, "batch", false).await;
    let job = JobSettings {
        name: Some("refresh".into()),
        tasks: Some(vec![
            json!({"task_key": "t", "pipeline_task": {"pipeline_id": stream, "full_refresh": false}}),
        ]),
        ..JobSettings::default()
    };
    c.jobs().create(&job).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_continuous_pipeline_is_held_back_until_cutover_and_nothing_runs() {
    let p = pair().await;
    seed(&p.source).await;
    let opts = p.options(4);
    let first = run(&p, &opts).await;

    // Created triggered and idle; no update was ever started in the target.
    let (stream, spec, state) = named(&p.target, "stream").await;
    assert_eq!(spec["continuous"], false);
    assert_eq!(state, "IDLE");
    assert_eq!(
        (spec["catalog"].clone(), spec["schema"].clone()),
        (json!("main"), json!("sales"))
    );
    assert_eq!(spec["libraries"], json!([{"notebook": {"path": NOTEBOOK}}]));
    assert_eq!(p.dst.stats().pipeline_updates_started, 0);
    let jobs: Vec<Job> = p
        .target
        .jobs()
        .list(&Default::default())
        .try_collect()
        .await
        .unwrap();
    let job = p.target.jobs().get(jobs[0].job_id.unwrap()).await.unwrap();
    assert_eq!(
        job.settings.unwrap().tasks.unwrap()[0]["pipeline_task"]["pipeline_id"],
        json!(stream),
        "the job's task points at the target's pipeline"
    );

    // The report and the manual actions: the switch at cut-over, the tables to rebuild, and
    // where the copy publishes — once per pipeline.
    let objects = first.objects().unwrap();
    let stream_line = line(&objects, "pipelines", "stream");
    assert_eq!(stream_line.outcome, Outcome::Created);
    assert!(
        stream_line
            .manual
            .iter()
            .any(|m| m.starts_with("make continuous at cut-over"))
    );
    for name in ["stream", "batch"] {
        let l = line(&objects, "pipelines", name);
        let same = l
            .manual
            .iter()
            .filter(|m| m.contains("the same catalog and schema"));
        assert_eq!(same.count(), 1, "{:?}", l.manual);
        assert!(
            l.manual.iter().any(|m| m.contains("full refresh")),
            "{:?}",
            l.manual
        );
    }
    // Its grants (the owner, the same principal on both sides) are there.
    let grants = line(&objects, "pipeline_permissions", "stream").outcome;
    assert!(
        matches!(grants, Outcome::Unchanged | Outcome::Updated),
        "{grants:?}"
    );

    // On the dashboard: one switch to make at cut-over, two pipelines to refresh.
    assert_eq!(cutover_actions(&opts.run_dir), (0, 1));
    assert_eq!(refresh_actions(&opts.run_dir), 2);

    // A re-run writes nothing; verify accepts the pipeline held back.
    let writes = p.dst.stats().writes;
    run(&p, &opts).await;
    assert_eq!(p.dst.stats().writes, writes, "a re-run wrote");
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);

    // Cut-over: continuous again in the target; the triggered one is left as it is.
    let r = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    assert_eq!(outcome_of(&r, "stream"), Some(CutoverOutcome::Resumed));
    assert_eq!(
        outcome_of(&r, "batch"),
        Some(CutoverOutcome::PausedInSource)
    );
    assert_eq!(r.writes, 1);
    assert_eq!(named(&p.target, "stream").await.1["continuous"], true);
    assert_eq!(
        cutover_actions(&opts.run_dir),
        (1, 1),
        "the switch is seen done"
    );

    // A second cutover writes nothing, anywhere; a later migrate keeps it continuous.
    let (tw, sw) = (p.dst.stats().writes, p.src.stats().writes);
    let again = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert_eq!(again.writes, 0);
    assert_eq!(
        outcome_of(&again, "stream"),
        Some(CutoverOutcome::AlreadyDone)
    );
    assert_eq!((p.dst.stats().writes, p.src.stats().writes), (tw, sw));
    run(&p, &opts).await;
    assert_eq!(
        p.dst.stats().writes,
        tw,
        "a migrate after the cut-over wrote"
    );
    assert_eq!(named(&p.target, "stream").await.1["continuous"], true);
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);

    // `--pause-source`: the source's pipeline made triggered and stopped; the target's alone.
    let tw = p.dst.stats().writes;
    let paused = cutover(&p.source, &p.target, &opts, true).await.unwrap();
    assert!(paused.is_success(), "{paused:?}");
    assert_eq!(paused.writes, 1);
    let (_, spec, state) = named(&p.source, "stream").await;
    assert_eq!(
        (spec["continuous"].clone(), state.as_str()),
        (json!(false), "IDLE")
    );
    assert_eq!(p.dst.stats().writes, tw);
    assert_eq!(named(&p.target, "stream").await.1["continuous"], true);
}

/// The pipelines-to-refresh actions on the status dashboard.
fn refresh_actions(run_dir: &std::path::Path) -> usize {
    let s = brickport_engine::status(run_dir).unwrap();
    let groups = s.dashboard.post_migration;
    (groups.iter().find(|g| g.group == "refresh")).map_or(0, |g| g.total)
}

fn outcome_of(r: &brickport_engine::CutoverReport, key: &str) -> Option<CutoverOutcome> {
    r.jobs.iter().find(|j| j.key == key).map(|j| j.outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_leaves_one_pipeline() {
    let lost = FaultRule::nth("POST", "/api/2.0/pipelines", 1, RuleAction::Lost);
    let target = brickport_emulator::EmulatorOptions {
        fault_rules: vec![lost],
        ..options(2)
    };
    let p = Pair::of(options(1), target).await;
    notebook(&p.source).await;
    pipeline(&p.source, "etl", false).await;
    let opts = p.options(4);
    let r = run(&p, &opts).await;
    let objects = r.objects().unwrap();
    assert_eq!(line(&objects, "pipelines", "etl").outcome, Outcome::Created);
    // The create was applied and its answer lost: found by name, not created again.
    let faults: u64 = p.dst.stats().faults.values().sum();
    assert_eq!(faults, 1, "the rule lost the create's answer");
    named(&p.target, "etl").await;
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_whose_notebook_is_left_out_is_skipped() {
    let p = pair().await;
    notebook(&p.source).await;
    pipeline(&p.source, "etl", false).await;
    let mut opts = p.options(4);
    opts.exclude_paths = vec!["/Shared/dlt".into()];
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let objects = r.objects().unwrap();
    let etl = line(&objects, "pipelines", "etl");
    assert_eq!(etl.outcome, Outcome::Skipped, "{etl:?}");
    let why = etl.detail.clone().unwrap_or_default();
    assert!(why.contains(NOTEBOOK), "{why}");
    assert!(p.target.pipelines().named("etl").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_pipeline_found_running_before_cutover_is_stopped() {
    let p = pair().await;
    notebook(&p.source).await;
    pipeline(&p.source, "stream", true).await;
    let mut opts = p.options(4);
    run(&p, &opts).await;

    // Switched on by hand in the target before the cut-over: the service starts it.
    let (id, spec, _) = named(&p.target, "stream").await;
    let mut edit = EditPipeline {
        spec: serde_json::from_value(spec).unwrap(),
        ..EditPipeline::default()
    };
    edit.spec.continuous = Some(true);
    p.target.pipelines().edit(&id, &edit).await.unwrap();
    assert_eq!(named(&p.target, "stream").await.2, "RUNNING");

    // `--recheck` sees it: made triggered again, and stopped.
    opts.recheck = true;
    let r = run(&p, &opts).await;
    let objects = r.objects().unwrap();
    let l = line(&objects, "pipelines", "stream");
    assert_eq!(l.outcome, Outcome::Updated, "{l:?}");
    let (_, spec, state) = named(&p.target, "stream").await;
    assert_eq!(
        (spec["continuous"].clone(), state.as_str()),
        (json!(false), "IDLE")
    );
}
