//! Bringing a ledger written by an earlier version up to date, in place, on open: the one
//! place that reads what older versions wrote (the typed columns' old sentences, a cut-over
//! record keyed by job alone). Every step is idempotent and guarded by what it adds.

use rusqlite::{Connection, params};

use super::sql::*;

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row(HAS_COLUMN, params![table, column], |r| r.get::<_, i64>(0))
        .map(|n| n > 0)
}

/// Whether the file holds a `cutover` table from before it was keyed by kind (its rows are
/// all jobs': jobs were the only kind held back until cut-over then).
fn cutover_unkeyed(conn: &Connection) -> rusqlite::Result<bool> {
    let table: i64 = conn.query_row(HAS_CUTOVER, [], |r| r.get(0))?;
    Ok(table > 0 && !has_column(conn, "cutover", "kind")?)
}

/// Whether a ledger lacks a table or column this version reads (an earlier version wrote it).
pub(super) fn needs_upgrade(conn: &Connection) -> rusqlite::Result<bool> {
    for (table, column) in [
        ("objects", "reason"),
        ("manual_actions", "category"),
        ("secrets_supplied", "scope"),
        ("destinations_supplied", "source_id"),
        ("runs", "summary"),
        ("objects", "created"),
        ("written", "body"),
        ("manual_actions", "subject"),
        ("actions_done", "id"),
        ("listings", "kind"),
    ] {
        if !has_column(conn, table, column)? {
            return Ok(true);
        }
    }
    cutover_unkeyed(conn)
}

/// Brings a ledger up to date (one transaction: a ledger is upgraded whole or not at all).
/// Each column is added when missing; a `cutover` table keyed by source id alone is rebuilt
/// keyed by (kind, source id), its rows kept as jobs' (SQLite cannot change a primary key in
/// place).
pub(super) fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let steps = [
        ("objects", "reason", UPGRADE_OBJECTS),
        ("manual_actions", "category", UPGRADE_MANUAL),
        ("objects", "created", UPGRADE_CREATED),
        ("manual_actions", "subject", UPGRADE_SUBJECT),
    ];
    let tx = conn.unchecked_transaction()?;
    for (table, column, sql) in steps {
        if !has_column(&tx, table, column)? {
            tx.execute_batch(sql)?;
        }
    }
    if cutover_unkeyed(&tx)? {
        tx.execute_batch(UPGRADE_CUTOVER_SET_ASIDE)?;
        tx.execute_batch(CUTOVER_TABLE)?;
        tx.execute_batch(UPGRADE_CUTOVER_ROWS)?;
    }
    tx.commit()
}
