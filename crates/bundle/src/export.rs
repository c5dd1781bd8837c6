//! `export`: every read of the source a migration makes, made once through the recorder.
//!
//! The engine itself makes them, unchanged: `validate` (who the caller is, the `admins`
//! group, every selected kind's pre-checks), then every selected kind listed in full, all at
//! once as `migrate` lists them (the streamed kinds share one walk of the tree, which keeps
//! its entries until each reader has opened), and for each object listed the reads its kind
//! makes only while migrating it ([`Kind::source_reads`]: a notebook's content). Those reads
//! are the same whatever the target holds; what the engine reads of the target meanwhile
//! (the target's caller, the pre-checks' listings) goes to a blank in-process workspace,
//! since an export has no target.
//!
//! A listing that fails stops the export, as it stops a migration. A read of one object that
//! fails (a notebook the API refuses to export) does not: its answer is recorded, and the
//! import meets it where the migration would have — the summary counts them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator};
use brickport_engine::kinds::{self, Ctx, Detail, Kind};
use brickport_engine::ledger::Ledger;
use brickport_engine::{EngineOptions, IdMap};
use futures::TryStreamExt;
use serde::Serialize;

use crate::BundleError;
use crate::files::new_private_dir;
use crate::format::{
    ANSWERS, BRICKPORT, FORMAT, FileEntry, Manifest, Selection, SourceInfo, VERSION, write_manifest,
};
use crate::record::Recorder;
use crate::store::Writer;

/// What to export, from where, to where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The source workspace (host and credentials).
    pub source: WorkspaceConfig,
    /// The source client's options (its throttling: the source's rate limits still apply).
    pub client_options: ClientOptions,
    /// The engine's options: the selection (kinds, phase, paths) and the concurrency.
    pub opts: EngineOptions,
    /// The bundle directory to create (new, or empty).
    pub dir: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The bundle directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// The size of the answers file.
    pub bytes: u64,
    /// Per selected kind, in table order.
    pub kinds: Vec<KindExported>,
}

/// One kind's export.
#[derive(Debug, Clone, Serialize)]
pub struct KindExported {
    /// The kind.
    pub kind: &'static str,
    /// Objects listed.
    pub objects: u64,
    /// Objects a further read of failed (recorded as the source answered).
    pub failed_reads: u64,
    /// The first of those, with the error.
    pub first_failure: Option<String>,
}

/// Exports the source into a new bundle at `req.dir` (see the module doc). A failed export
/// removes what it wrote (the directory is left, empty, for the next attempt).
pub async fn export(req: ExportRequest) -> Result<ExportSummary, BundleError> {
    new_private_dir(&req.dir)?;
    let written = [req.dir.join(ANSWERS), req.dir.join(crate::format::MANIFEST)];
    let exported = export_into(req).await;
    if exported.is_err() {
        for f in written {
            let _ = std::fs::remove_file(f);
        }
    }
    exported
}

async fn export_into(req: ExportRequest) -> Result<ExportSummary, BundleError> {
    let store = Arc::new(Writer::create(&req.dir.join(ANSWERS))?);
    let recorder = Recorder::start(&req.source.host, store.clone()).await?;
    let client = WorkspaceClient::new(
        WorkspaceConfig {
            host: recorder.url().to_string(),
            ..req.source.clone()
        },
        req.client_options.clone(),
    )
    .map_err(|e| BundleError::Source(e.to_string()))?;
    let blank = Blank::start().await?;
    // Messages name the source, not the recorder standing in front of it.
    let named = |e: BundleError| match e {
        BundleError::Engine(e) => {
            BundleError::Source(e.to_string().replace(recorder.url(), &req.source.host))
        }
        BundleError::Source(m) => BundleError::Source(m.replace(recorder.url(), &req.source.host)),
        other => other,
    };
    let caller = check_source(&client, &blank.client, &req.opts)
        .await
        .map_err(named)?;
    let kinds = read_kinds(&client, &blank.client, &req.opts)
        .await
        .map_err(named)?;
    drop(client);
    blank.stop().await;
    recorder.finish()?;
    let answers = store.close()?;
    let entry = FileEntry::of(&req.dir, ANSWERS)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: u64::from(VERSION),
        written_by: BRICKPORT.into(),
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: SourceInfo {
            host: req.source.host.clone(),
            profile: req.source.profile.clone(),
            caller,
        },
        selection: Selection {
            only: req.opts.only.clone(),
            phase: req.opts.phase,
            include_paths: req.opts.include_paths.clone(),
            exclude_paths: req.opts.exclude_paths.clone(),
        },
        answers,
        files: vec![entry.clone()],
    };
    write_manifest(&req.dir, &manifest)?;
    Ok(ExportSummary {
        dir: req.dir,
        manifest,
        bytes: entry.bytes,
        kinds,
    })
}

/// The engine's pre-check, for its reads of the source; a source that cannot be reached, or
/// whose caller is not an admin (the import's pre-check would refuse the bundle), stops the
/// export. Returns who the caller is.
async fn check_source(
    source: &WorkspaceClient,
    blank: &WorkspaceClient,
    opts: &EngineOptions,
) -> Result<Option<String>, BundleError> {
    let report = brickport_engine::validate(source, blank, opts).await?;
    let failed = report
        .checks
        .iter()
        .find(|c| !c.ok && c.workspace == "source");
    if let Some(c) = failed {
        let fix = c
            .fix
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        return Err(BundleError::Source(format!(
            "{}: {}{fix}",
            c.name, c.detail
        )));
    }
    Ok(report.source_principal)
}

/// Every selected kind listed in full, with its objects' further reads.
async fn read_kinds(
    source: &WorkspaceClient,
    blank: &WorkspaceClient,
    opts: &EngineOptions,
) -> Result<Vec<KindExported>, BundleError> {
    let table = kinds::all();
    let selected = kinds::select(&table, &opts.only, opts.phase)?;
    let ctx = Ctx {
        source: source.clone(),
        target: blank.clone(),
        opts: Arc::new(opts.clone()),
        ids: IdMap::new(Arc::new(Ledger::open_memory()?)),
        run_dir: opts.run_dir.clone(),
        cache: Default::default(),
    };
    let width = opts.max_concurrency.clamp(1, 32);
    let all = selected.iter().map(|k| read_kind(&ctx, k.as_ref(), width));
    futures::future::join_all(all).await.into_iter().collect()
}

async fn read_kind(ctx: &Ctx, kind: &dyn Kind, width: usize) -> Result<KindExported, BundleError> {
    let objects = AtomicU64::new(0);
    let failures: Mutex<(u64, Option<String>)> = Mutex::default();
    kind.list(ctx, Detail::Full)
        .map_err(|e| e.context(|| format!("listing {}", kind.name())))
        .try_for_each_concurrent(width, |obj| {
            let (objects, failures) = (&objects, &failures);
            async move {
                objects.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = kind.source_reads(ctx, &obj).await {
                    let mut f = failures.lock().unwrap_or_else(|p| p.into_inner());
                    f.0 += 1;
                    f.1.get_or_insert_with(|| format!("{}: {e}", obj.key));
                }
                Ok(())
            }
        })
        .await?;
    let (failed_reads, first_failure) = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(KindExported {
        kind: kind.name(),
        objects: objects.into_inner(),
        failed_reads,
        first_failure,
    })
}

/// The export's stand-in target: an empty workspace in process, for the engine's reads of a
/// target (nothing is ever written to it).
struct Blank {
    emulator: RunningEmulator,
    client: WorkspaceClient,
}

impl Blank {
    async fn start() -> Result<Blank, BundleError> {
        let emulator = brickport_emulator::start(EmulatorOptions {
            rate_limits: RateLimitSpec::Off,
            // Its own ids: the pre-check tells two workspaces apart by their `admins` group.
            id_seed: rand::random(),
            ..EmulatorOptions::default()
        })
        .await
        .map_err(|e| BundleError::Serve(e.to_string()))?;
        let config = WorkspaceConfig::with_token(emulator.url(), "blank")
            .map_err(|e| BundleError::Serve(e.to_string()))?;
        let client = WorkspaceClient::new(
            config,
            ClientOptions::fast(std::time::Duration::from_secs(30)),
        )
        .map_err(|e| BundleError::Serve(e.to_string()))?;
        Ok(Blank { emulator, client })
    }

    async fn stop(self) {
        drop(self.client);
        let _ = self.emulator.shutdown().await;
    }
}
