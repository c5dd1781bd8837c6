//! The command line as clap sees it: global flags, one subcommand each, their flags.
//!
//! Nothing here reads a file or the environment; `settings` turns a parsed [`Cli`] plus the
//! config file into the one resolved configuration the commands run on.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

/// Migrate a whole Databricks workspace to another, in one command.
#[derive(Debug, Parser)]
#[command(name = "brickport", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Source workspace: a profile of ~/.databrickscfg (overrides the config file's [source]).
    #[arg(long, global = true, value_name = "NAME")]
    pub source_profile: Option<String>,
    /// Target workspace: a profile of ~/.databrickscfg (overrides the config file's [target]).
    #[arg(long, global = true, value_name = "NAME")]
    pub target_profile: Option<String>,
    /// Config file (brickport.toml, or a JSON config.json). Default: ./brickport.toml if present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run directory (ledger, backups, reports). Default: ./brickport-runs/<source>-to-<target>/.
    #[arg(long, global = true, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    /// Result format on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// More log lines on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Nothing on stderr but the error line, if any.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// Result format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

/// What to do when an object already exists in the target and differs from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictArg {
    /// Leave the target's object as it is; count it as skipped.
    Skip,
    /// Replace the target's object with the source's.
    Overwrite,
    /// Count the object as failed.
    Fail,
    /// Leave the target's object as it is; list it as a conflict in the report (the default).
    Report,
}

/// The subcommands.
// Parsed once per process: the size of the emulator's variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented example brickport.toml in the current directory.
    Init(InitArgs),
    /// Pre-check both workspaces (identity, admin rights, source != target). Writes nothing.
    Validate(ReadArgs),
    /// Show, object by object, what migrate would create, update, skip, or find in conflict
    /// (after the pre-check). Writes nothing, unless `--out FILE` saves the plan.
    Plan(PlanArgs),
    /// Migrate: pre-check, backups, then every phase in dependency order. Resumable.
    Migrate(MigrateArgs),
    /// Read everything migrate reads from the source into a bundle directory (offline migration).
    Export(ExportArgs),
    /// Migrate into the target from a bundle directory alone (no source credentials). Resumable.
    Import(ImportArgs),
    /// The migration dashboard of a run directory, on one screen: phases, manual actions,
    /// objects migrated of listed, problems folded by class.
    Status(StatusArgs),
    /// Mark manual actions done by their ids (listed by `status --details`).
    Done(DoneArgs),
    /// Compare source and target, with the id map applied.
    Verify(ReadArgs),
    /// Go live: resume in the target the migrated jobs that are active in the source.
    Cutover(CutoverArgs),
    /// Undo the migration: delete from the target what it created (never what existed there
    /// before), unless changed there since. Asks first; resumable.
    Rollback(RollbackArgs),
    /// Serve one emulated Databricks workspace on 127.0.0.1, until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Two embedded emulated workspaces; a typical workspace migrated end to end.
    Demo(DemoArgs),
}

/// `brickport init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Where to write it.
    #[arg(long, value_name = "FILE", default_value = "brickport.toml")]
    pub path: PathBuf,
}

/// Which objects a command looks at.
#[derive(Debug, Args, Default, Clone)]
pub struct SelectArgs {
    /// Only these kinds (comma-separated, e.g. `users,groups,jobs`).
    #[arg(long, value_delimiter = ',', value_name = "KIND,...", value_parser = kind_names(), hide_possible_values = true)]
    pub only: Vec<String>,
    /// Only this phase (1 enablement objects, 2 content, 3 jobs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
    pub phase: Option<u8>,
}

/// `validate`, `plan` and `verify`: which objects, and where the source is read from.
#[derive(Debug, Args, Default, Clone)]
pub struct ReadArgs {
    /// Which objects.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Read the source from this bundle directory (written by `brickport export`) instead of
    /// the source workspace: no source credentials needed.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// The pre-check's warnings (node types, Spark versions, name collisions, limits) stop
    /// the run like its errors.
    #[arg(long)]
    pub strict: bool,
}

/// `brickport export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The bundle directory to write (created owner-only; must be new or empty).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Which objects (an import of the bundle can select no more than this).
    #[command(flatten)]
    pub select: SelectArgs,
}

/// `brickport import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The bundle directory (written by `brickport export`): checked whole before anything
    /// is sent to the target.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Everything `migrate` takes.
    #[command(flatten)]
    pub migrate: MigrateArgs,
}

/// `brickport migrate` (and `import`): the run's options, and a saved plan to carry out.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// What `migrate` and `plan` share.
    #[command(flatten)]
    pub run: RunArgs,
    /// Carry out exactly the plan saved by `brickport plan --out FILE`: those objects, with
    /// those actions. Refused before anything is written when the source (or the target, or
    /// the options) changed since the plan.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
}

/// `brickport plan`: every option `migrate` takes (one struct, so they cannot drift), and
/// the plan's own.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// What `migrate` and `plan` share.
    #[command(flatten)]
    pub run: RunArgs,
    /// Read the source from this bundle directory (written by `brickport export`) instead of
    /// the source workspace: what `import` would do.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Save the plan (JSON, with each object's source hash) for `migrate --plan FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Show every object (default: a few per kind and action, the rest counted).
    #[arg(long)]
    pub all: bool,
}

/// The options of a run, shared by `migrate`, `import` and `plan`.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// Which objects.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Stop at the first object that fails (default: log it, skip its dependents, go on).
    #[arg(long)]
    pub fail_fast: bool,
    /// A JSON file `{"scope": {"key": "value"}}` of secret values to set in the target
    /// (values the API cannot read back), and notification destinations' write-only parts
    /// under `"notification_destinations": {"display name": {"url": "…"}}`. Never copied
    /// anywhere.
    #[arg(long, value_name = "FILE")]
    pub secret_values: Option<PathBuf>,
    /// What to do with an object that exists in the target and differs.
    #[arg(long, value_enum)]
    pub conflict: Option<ConflictArg>,
    /// Compare every object with the target, even those unchanged in the source since the last
    /// run (skipped without a request by default), and repair drift made in the target by hand
    /// (objects this migration created; the conflict policy for the rest). Slower: one read each.
    #[arg(long)]
    pub recheck: bool,
    /// Continue a run that stopped: objects the ledger has as done are not read again from
    /// the source where it cannot say whether they changed (permissions, job settings), so a
    /// re-run costs little more than the listing. Changes made to those since are not
    /// carried; a run without it carries them.
    #[arg(long, conflicts_with = "recheck")]
    pub resume: bool,
    /// The pre-check's warnings (node types, Spark versions, name collisions, limits) stop
    /// the run before anything is written (exit 2), like its errors.
    #[arg(long)]
    pub strict: bool,
    /// How long a workspace that stopped answering is waited for (its requests pause, nothing
    /// fails) before the run stops for a re-run: `90s`, `15m`, `1h` (default 15m, or the config
    /// file's `outage_wait`).
    #[arg(long, value_name = "WAIT")]
    pub outage_wait: Option<crate::config::OutageWait>,
}

/// `brickport cutover`.
#[derive(Debug, Args)]
pub struct CutoverArgs {
    /// Then pause those jobs (schedule, trigger, continuous) in the source.
    #[arg(long)]
    pub pause_source: bool,
    /// Only say what would be resumed (and paused): nothing is written, to either workspace
    /// or the run directory.
    #[arg(long)]
    pub dry_run: bool,
    /// Cut over without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `brickport rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Only say what would be deleted: nothing is written, to the target or the run directory.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Delete objects changed in the target since the migration wrote them too (a folder
    /// holding objects the migration did not create is kept all the same).
    #[arg(long)]
    pub force: bool,
}

/// `brickport emulator`. Each flag maps onto one field of `brickport_emulator::EmulatorOptions`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to bind. Anything but loopback exposes the emulator (and its tokens) to the
    /// network, so it must be asked for explicitly.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port; 0 picks a free one (the URL is printed on stdout).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A token the emulator accepts: `TOKEN[:USER[:admin|user]]` (default user
    /// admin@example.com, default role admin). Repeatable. Without any, every bearer token is
    /// accepted as admin@example.com.
    #[arg(long = "token", value_name = "TOKEN[:USER[:admin|user]]")]
    pub tokens: Vec<String>,
    /// An OAuth M2M client the emulator accepts: `CLIENT_ID:SECRET[:admin|user]`. Repeatable.
    #[arg(long = "oauth-client", value_name = "ID:SECRET[:admin|user]")]
    pub oauth_clients: Vec<String>,
    /// What the workspace starts with: none, typical, scale:N, or a state JSON file.
    #[arg(long, default_value = "none", value_name = "SEED")]
    pub seed: String,
    /// Seed of the id generators, for reproducible ids. Default: a fresh one per start, so two
    /// emulators are two different workspaces (ids, `admins` group) as real ones are.
    #[arg(long, value_name = "N")]
    pub id_seed: Option<u64>,
    /// Delay added to every API request: `0`, `50ms`, `1s`, or `FIXED+JITTER` (`50ms+20ms`);
    /// a bare number is milliseconds.
    #[arg(
        long,
        alias = "latency-ms",
        default_value = "0",
        value_name = "DURATION"
    )]
    pub latency: String,
    /// Per-family rate limits (429 + Retry-After): default, off, or a JSON file.
    #[arg(long, default_value = "default", value_name = "default|off|FILE")]
    pub rate_limits: String,
    /// Answer 429s without a Retry-After header (the real service sometimes omits it).
    #[arg(long)]
    pub no_retry_after: bool,
    /// Injected faults per request: `429=P,503=P,500limit=P,reset=P,lost=P` (P from 0 to 1).
    #[arg(long, default_value = "none", value_name = "SPEC")]
    pub faults: String,
    /// Seed of the fault dice, for a reproducible sequence of faults.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fault_seed: u64,
    /// Load the state from FILE if it exists; save it there after changes and on exit.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// How long a new cluster stays PENDING.
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub cluster_start_delay: String,
    /// A principal created less than this long ago is missing from SCIM lists (eventual
    /// consistency).
    #[arg(long, default_value = "0", value_name = "DURATION")]
    pub scim_visibility_delay: String,
    /// Answer FEATURE_DISABLED for the whole permissions API.
    #[arg(long)]
    pub permissions_disabled: bool,
    /// Job creations allowed per rolling hour (the platform's quota is 10000); raise it only
    /// to migrate more jobs than that in a benchmark.
    #[arg(long, value_name = "N")]
    pub job_creations_per_hour: Option<usize>,
    /// The cloud the workspace runs on: aws, azure or gcp. It sets the node types, Spark
    /// versions and zones offered, which cloud attributes clusters may carry, whether the
    /// instance-profiles API exists, and what the seed's clusters use. A `--state` file keeps
    /// the cloud it was saved with.
    #[arg(long, default_value = "aws", value_name = "CLOUD")]
    pub cloud: String,
}

/// `brickport demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// What the source starts with: typical, scale:N, or a JSON seed file.
    #[arg(long, default_value = "typical", value_name = "SEED")]
    pub seed: String,
    /// Keep both emulators running after the demo, until Ctrl-C (their URLs are printed; the
    /// source accepts any bearer token, the target the token `demo`).
    #[arg(long)]
    pub keep_running: bool,
}

/// `--only`'s values: the engine's kind names, so a typo gets clap's "a similar value exists"
/// and the list of kinds (which `--help` leaves out: it is long).
fn kind_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(brickport_engine::kind_names())
}

/// `brickport status`.
#[derive(Debug, Args, Default)]
pub struct StatusArgs {
    /// Everything, in full: every problem and every manual action with its id.
    #[arg(long)]
    pub details: bool,
    /// One kind in full: its counts, problems and manual actions.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Mark these manual actions done first (as `brickport done ID…`).
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub done: Vec<String>,
}

/// `brickport done`.
#[derive(Debug, Args)]
pub struct DoneArgs {
    /// The actions' ids (`sec-1f3a9b2c`, or any start of one only it has, 5 characters or more).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// Take the marks back (the actions are pending again).
    #[arg(long)]
    pub undo: bool,
}
