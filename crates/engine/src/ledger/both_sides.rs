//! The manual actions a cut-over leaves: an object resumed in the target without
//! `--pause-source` now runs in both workspaces (a job's schedule fires twice, a pipeline
//! publishes twice) until it is paused in the source. Derived from the `cutover` record, not
//! stored: a later `migrate`, which replaces an object's stored actions, cannot lose them, and
//! `cutover --pause-source` ticks them (its `source_paused_at`).

use rusqlite::Connection;

use super::{Category, DoneBy, Ledger, ManualAction};
use crate::EngineError;

/// Every object cut over, with whether its source was paused since.
const RESUMED: &str = "SELECT kind, natural_key, source_paused_at IS NOT NULL FROM cutover ORDER BY kind, natural_key";

/// What the operator reads while it is pending.
pub const PAUSE_SOURCE: &str = "runs in both workspaces since the cut-over: pause it in the \
     source with `brickport cutover --pause-source` (or by hand)";

/// What the operator reads once it is done.
const PAUSED: &str = "paused in the source at cut-over (`brickport cutover --pause-source`)";

impl Ledger {
    /// One action per object cut over (none before the first cut-over): pending while it runs
    /// in both workspaces, done once paused in the source by brickport. Read in `conn`'s
    /// transaction, after [`Ledger::cutover_keys`] found the table.
    pub(super) fn both_sides(&self, conn: &Connection) -> Result<Vec<ManualAction>, EngineError> {
        self.all(conn, RESUMED, [], |r| {
            let done: bool = r.get(2)?;
            let (kind, key): (String, String) = (r.get(0)?, r.get(1)?);
            Ok(ManualAction {
                // The pending words name it: the id stays when it is done.
                id: ManualAction::id_of(Category::PauseSource, &kind, &key, PAUSE_SOURCE),
                kind,
                key,
                category: Category::PauseSource,
                action: if done { PAUSED } else { PAUSE_SOURCE }.to_string(),
                done,
                done_by: done.then_some(DoneBy::Cutover),
            })
        })
    }
}
