//! The ledger's SQL: its schema and every statement, as constants so each is parsed once per
//! connection and then served from rusqlite's statement cache (`prepare_cached` keys on the
//! text; a `format!` per call would still hit the cache but allocate every time).

/// The tables (created when missing). A ledger written before the typed columns (`reason`,
/// `category`) is brought up to date on open by [`UPGRADE_OBJECTS`] and
/// [`UPGRADE_MANUAL`].
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    target_id TEXT,
    target_key TEXT,
    content_hash TEXT,
    status TEXT NOT NULL,
    intent TEXT,
    owned INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reason TEXT,
    created INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, source_id)
);
CREATE INDEX IF NOT EXISTS objects_by_key ON objects (kind, natural_key);
CREATE TABLE IF NOT EXISTS manual_actions (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT 'other',
    subject TEXT,
    PRIMARY KEY (kind, key, action)
);
-- Manual actions the operator marked done (`brickport done`), by their stable id.
CREATE TABLE IF NOT EXISTS actions_done (
    id TEXT PRIMARY KEY,
    done_at TEXT NOT NULL
);
-- Each kind's last listing of the source: `finished_at` NULL while (or if) it did not end.
CREATE TABLE IF NOT EXISTS listings (
    kind TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    listed INTEGER
);
-- Secret keys that received a value from `--secret-values` (in any run): the fact only,
-- never the value nor anything derived from it.
CREATE TABLE IF NOT EXISTS secrets_supplied (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
-- Write-only parts of notification destinations (by the destination's source id and the
-- field's API name) that received a value from `--secret-values`: the fact only, likewise.
CREATE TABLE IF NOT EXISTS destinations_supplied (
    source_id TEXT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (source_id, field)
);
-- What this migration last wrote to each object of the target (the body sent and its
-- side-car, as JSON), so `rollback` can tell an object changed there since. Never a secret
-- value: bodies are specs, which hold none.
CREATE TABLE IF NOT EXISTS written (
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, source_id)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    selection TEXT NOT NULL,
    summary TEXT
);
";

/// Whether a table has a column (`?1` table, `?2` column).
pub(super) const HAS_COLUMN: &str = "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2";

/// Bring a ledger from before the typed columns up to date: adds the typed columns and classifies the rows
/// written before them. The one place that reads the words of old rows: the sentences
/// brickport wrote then, which the codes replace (`GLOB` is case-sensitive, like they were).
pub(super) const UPGRADE_OBJECTS: &str = "
ALTER TABLE objects ADD COLUMN reason TEXT;
UPDATE objects SET reason = 'never_migrated'
 WHERE status = 'skipped' AND last_error GLOB '*, which is not migrated (migrate *';
";
/// Bring a ledger from before `created` up to date: an object whose row still says `created`
/// was created by this migration; any other is not known to be (rollback then leaves it).
pub(super) const UPGRADE_CREATED: &str = "
ALTER TABLE objects ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
UPDATE objects SET created = 1 WHERE status = 'created';
";
/// Bring a ledger from before actions could be settled by a supplied value up to date.
pub(super) const UPGRADE_SUBJECT: &str = "ALTER TABLE manual_actions ADD COLUMN subject TEXT;";
pub(super) const UPGRADE_MANUAL: &str = "
ALTER TABLE manual_actions ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
UPDATE manual_actions SET category = CASE
  WHEN action GLOB 'set the value of secret*' THEN 'secrets'
  WHEN action GLOB 're-authenticate Git folder*' OR action GLOB 'Git folder*' THEN 'git'
  WHEN action GLOB 'unpause at cut-over*' THEN 'cutover'
  WHEN action GLOB 'cluster `*' AND action GLOB '*was running in the source*' THEN 'clusters'
  ELSE 'other' END;
";

/// The cut-over record (`crate::cutover::store`), a table in the ledger's file that the first
/// cut-over creates (the ledger never does): one row per (kind, source id) resumed. Its shape
/// is spelled here, once, because the ledger's upgrade rebuilds an older one.
pub(crate) const CUTOVER_TABLE: &str = "
CREATE TABLE IF NOT EXISTS cutover (
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    target_id TEXT NOT NULL,
    blocks TEXT NOT NULL,
    resumed_at TEXT NOT NULL,
    source_paused_at TEXT,
    PRIMARY KEY (kind, source_id)
);
";
/// A `cutover` table from before it was keyed by kind, set aside to be copied from...
pub(super) const UPGRADE_CUTOVER_SET_ASIDE: &str = "ALTER TABLE cutover RENAME TO cutover_of_jobs;";
/// ...into the [`CUTOVER_TABLE`] just made: every row was a job's.
pub(super) const UPGRADE_CUTOVER_ROWS: &str = "
INSERT INTO cutover (kind, source_id, natural_key, target_id, blocks, resumed_at, source_paused_at)
SELECT 'jobs', source_id, natural_key, target_id, blocks, resumed_at, source_paused_at
  FROM cutover_of_jobs;
DROP TABLE cutover_of_jobs;
";

/// The columns of an [`super::Entry`], in the order `Ledger::row` reads them.
macro_rules! cols {
    () => {
        "kind, source_id, natural_key, target_id, target_key, content_hash, \
         status, intent, owned, last_error, created_at, updated_at, reason, created"
    };
}

pub(super) const GET: &str = concat!(
    "SELECT ",
    cols!(),
    " FROM objects WHERE kind = ?1 AND source_id = ?2"
);
pub(super) const GET_BY_KEY: &str = concat!(
    "SELECT ",
    cols!(),
    " FROM objects WHERE kind = ?1 AND natural_key = ?2 ORDER BY updated_at DESC LIMIT 1"
);
pub(super) const ENTRIES_OF: &str = concat!(
    "SELECT ",
    cols!(),
    " FROM objects WHERE kind = ?1 ORDER BY natural_key"
);
pub(super) const ENTRIES: &str = concat!(
    "SELECT ",
    cols!(),
    " FROM objects ORDER BY kind, natural_key"
);

pub(super) const RECORD_INTENT: &str = "\
INSERT INTO objects (kind, source_id, natural_key, status, intent, created_at, updated_at)
VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?5)
ON CONFLICT (kind, source_id) DO UPDATE SET
  natural_key = excluded.natural_key, status = 'pending',
  intent = excluded.intent, updated_at = excluded.updated_at";

pub(super) const RECORD_OUTCOME: &str = "\
INSERT INTO objects (kind, source_id, natural_key, target_id, target_key, content_hash,
    status, intent, owned, last_error, created_at, updated_at, reason, created)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, COALESCE(?8, 0), ?9, ?10, ?10, ?11, COALESCE(?12, 0))
ON CONFLICT (kind, source_id) DO UPDATE SET
  natural_key = excluded.natural_key,
  target_id = COALESCE(excluded.target_id, objects.target_id),
  target_key = COALESCE(excluded.target_key, objects.target_key),
  content_hash = COALESCE(excluded.content_hash, objects.content_hash),
  status = excluded.status, intent = NULL,
  owned = COALESCE(?8, objects.owned),
  last_error = excluded.last_error, updated_at = excluded.updated_at,
  reason = excluded.reason, created = COALESCE(?12, objects.created)";

pub(super) const RECORD_WRITTEN: &str = "\
INSERT INTO written (kind, source_id, body) VALUES (?1, ?2, ?3)
ON CONFLICT (kind, source_id) DO UPDATE SET body = excluded.body";
pub(super) const WRITTEN: &str = "SELECT body FROM written WHERE kind = ?1 AND source_id = ?2";

/// A delete in flight (`rollback`): the row keeps its status, so an interrupted rollback
/// leaves the object as migrated until its delete is known.
pub(super) const RECORD_DELETE_INTENT: &str =
    "UPDATE objects SET intent = 'delete', updated_at = ?3 WHERE kind = ?1 AND source_id = ?2";
/// A delete that did not happen (kept, or failed): the row is as it was.
pub(super) const CLEAR_DELETE_INTENT: &str = "UPDATE objects SET intent = NULL, updated_at = ?3 \
     WHERE kind = ?1 AND source_id = ?2 AND intent = 'delete'";
/// Rolled back: no longer in the target, so nothing maps to it and a later run creates it
/// again.
pub(super) const RECORD_ROLLED_BACK: &str = "\
UPDATE objects SET status = 'rolled_back', intent = NULL, target_id = NULL, target_key = NULL,
  content_hash = NULL, created = 0, owned = 0, last_error = NULL, reason = NULL, updated_at = ?3
 WHERE kind = ?1 AND source_id = ?2";
pub(super) const FORGET_WRITTEN: &str = "DELETE FROM written WHERE kind = ?1 AND source_id = ?2";
pub(super) const FORGET_CUTOVER: &str = "DELETE FROM cutover WHERE kind = ?1 AND source_id = ?2";
pub(super) const FORGET_SCOPE_SUPPLIED: &str = "DELETE FROM secrets_supplied WHERE scope = ?1";
pub(super) const FORGET_DESTINATION_SUPPLIED: &str =
    "DELETE FROM destinations_supplied WHERE source_id = ?1";

pub(super) const CLEAR_HASH: &str =
    "UPDATE objects SET content_hash = NULL WHERE kind = ?1 AND source_id = ?2";

pub(super) const MANUAL_OF: &str =
    "SELECT category, action, subject FROM manual_actions WHERE kind = ?1 AND key = ?2";
pub(super) const DELETE_MANUAL: &str = "DELETE FROM manual_actions WHERE kind = ?1 AND key = ?2";
pub(super) const INSERT_MANUAL: &str = "INSERT OR IGNORE INTO manual_actions \
     (kind, key, category, action, subject) VALUES (?1, ?2, ?3, ?4, ?5)";
pub(super) const MANUAL_ACTIONS: &str =
    "SELECT kind, key, category, action, subject FROM manual_actions ORDER BY kind, key, action";
pub(super) const ACTIONS_DONE: &str = "SELECT id FROM actions_done";
pub(super) const MARK_DONE: &str =
    "INSERT OR IGNORE INTO actions_done (id, done_at) VALUES (?1, ?2)";
pub(super) const UNMARK_DONE: &str = "DELETE FROM actions_done WHERE id = ?1";
pub(super) const ALL_SECRETS_SUPPLIED: &str = "SELECT scope, key FROM secrets_supplied";
pub(super) const ALL_DESTINATIONS_SUPPLIED: &str =
    "SELECT source_id, field FROM destinations_supplied";

pub(super) const LISTING_STARTED: &str = "\
INSERT INTO listings (kind, started_at) VALUES (?1, ?2)
ON CONFLICT (kind) DO UPDATE SET started_at = excluded.started_at, finished_at = NULL";
pub(super) const LISTING_FINISHED: &str = "\
INSERT INTO listings (kind, started_at, finished_at, listed) VALUES (?1, ?2, ?2, ?3)
ON CONFLICT (kind) DO UPDATE SET finished_at = excluded.finished_at, listed = excluded.listed";
pub(super) const LISTINGS: &str =
    "SELECT kind, started_at, finished_at, listed FROM listings ORDER BY kind";
pub(super) const HAS_CUTOVER: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cutover'";
pub(super) const CUTOVER_KEYS: &str = "SELECT kind, natural_key FROM cutover";

pub(super) const SECRET_SUPPLIED: &str =
    "INSERT OR IGNORE INTO secrets_supplied (scope, key) VALUES (?1, ?2)";
pub(super) const SECRET_FORGOTTEN: &str =
    "DELETE FROM secrets_supplied WHERE scope = ?1 AND key = ?2";
pub(super) const SECRETS_SUPPLIED: &str = "SELECT key FROM secrets_supplied WHERE scope = ?1";
pub(super) const DESTINATION_SUPPLIED: &str =
    "INSERT OR IGNORE INTO destinations_supplied (source_id, field) VALUES (?1, ?2)";
pub(super) const DESTINATION_FORGOTTEN: &str =
    "DELETE FROM destinations_supplied WHERE source_id = ?1 AND field = ?2";
pub(super) const DESTINATIONS_SUPPLIED: &str =
    "SELECT field FROM destinations_supplied WHERE source_id = ?1";

pub(super) const START_RUN: &str = "INSERT INTO runs (started_at, selection) VALUES (?1, ?2)";
pub(super) const FINISH_RUN: &str = "UPDATE runs SET finished_at = ?1, summary = ?2 WHERE id = ?3";
pub(super) const RUN_COUNTS: &str = "SELECT COUNT(*), COUNT(finished_at) FROM runs";
pub(super) const FINISHED_SUMMARIES: &str =
    "SELECT summary FROM runs WHERE finished_at IS NOT NULL AND summary IS NOT NULL";
pub(super) const RUNS: &str =
    "SELECT id, started_at, finished_at, selection, summary FROM runs ORDER BY id";

/// Statements kept prepared per connection: every one above, with room to spare.
pub(super) const CACHE_CAPACITY: usize = 64;
