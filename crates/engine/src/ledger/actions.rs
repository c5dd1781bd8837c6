//! Manual actions: what a kind leaves for the operator on an object ([`Action`]), and each as
//! the ledger reads it back ([`ManualAction`]) with its stable short id and whether it is done.
//!
//! An action is done when brickport can see it done ([`DoneBy`]): its object was resumed by
//! `cutover` (an unpause), the value it asks for was supplied with `--secret-values` in some
//! run (its [`Subject`], checked against the `secrets_supplied`/`destinations_supplied` facts,
//! which are written only after the value went out), or the operator marked it done
//! (`brickport done ID`, the `actions_done` table). A done action stays listed, ticked: the
//! dashboard counts it, it does not vanish.

use std::collections::BTreeSet;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ledger;
use super::entry::Category;
use super::sql::*;
use crate::EngineError;

/// What supplying a value settles: an action with a subject is done once every value it names
/// was supplied (in any run). Stored as JSON beside the action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A secret's value.
    Secret {
        /// Its scope.
        scope: String,
        /// Its key.
        key: String,
    },
    /// Write-only parts of a notification destination.
    Destination {
        /// The destination's source id.
        source_id: String,
        /// The parts (API names).
        fields: Vec<String>,
    },
}

/// A manual action a kind leaves on an object: its category and its words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Action {
    /// What it is about.
    pub category: Category,
    /// What to do, for a person.
    pub text: String,
    /// The values whose supply settles it, if any.
    pub subject: Option<Subject>,
}

impl Action {
    /// An action of `category`.
    pub fn new(category: Category, text: impl Into<String>) -> Self {
        Action {
            category,
            text: text.into(),
            subject: None,
        }
    }

    /// The same action, settled when `subject`'s values are supplied.
    pub fn settled_by(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }
}

/// How an action came to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneBy {
    /// `cutover` resumed its object.
    Cutover,
    /// The value it asks for was supplied (`--secret-values`).
    Supplied,
    /// The operator marked it done (`brickport done`, `status --done`).
    Hand,
}

/// A manual action left for the operator, as the ledger has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualAction {
    /// Its stable short id ([`ManualAction::id_of`]): what `brickport done` takes.
    pub id: String,
    /// The kind of the object concerned.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// What it is about (not in the JSON output: the id's prefix and the dashboard's groups
    /// say it).
    #[serde(skip)]
    pub category: Category,
    /// What to do.
    pub action: String,
    /// Whether it is done (see the module's doc).
    pub done: bool,
    /// How it came to be done.
    pub done_by: Option<DoneBy>,
}

impl ManualAction {
    /// The stable id of the action `text` on (`kind`, `key`): the category's prefix and eight
    /// hex digits of a hash of the three. The same action has the same id in every run.
    pub fn id_of(category: Category, kind: &str, key: &str, text: &str) -> String {
        let mut h = Sha256::new();
        for part in [kind, key, text] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let digest = hex::encode(h.finalize());
        format!("{}-{}", category.id_prefix(), &digest[..8])
    }
}

/// What brickport knows is done: read in one snapshot with the actions.
#[derive(Default)]
struct DoneFacts {
    cut: BTreeSet<(String, String)>,
    hand: BTreeSet<String>,
    secrets: BTreeSet<(String, String)>,
    destinations: BTreeSet<(String, String)>,
}

impl DoneFacts {
    fn done_by(&self, a: &ManualAction, subject: Option<&Subject>) -> Option<DoneBy> {
        if a.category == Category::Unpause && self.cut.contains(&(a.kind.clone(), a.key.clone())) {
            return Some(DoneBy::Cutover);
        }
        let supplied = match subject {
            Some(Subject::Secret { scope, key }) => {
                self.secrets.contains(&(scope.clone(), key.clone()))
            }
            Some(Subject::Destination { source_id, fields }) => fields
                .iter()
                .all(|f| self.destinations.contains(&(source_id.clone(), f.clone()))),
            None => false,
        };
        if supplied {
            return Some(DoneBy::Supplied);
        }
        self.hand.contains(&a.id).then_some(DoneBy::Hand)
    }
}

fn subject_text(s: &Option<Subject>) -> Option<String> {
    s.as_ref().and_then(|s| serde_json::to_string(s).ok())
}

impl Ledger {
    /// Replaces the manual actions of one object (one transaction: a reader never sees the
    /// object without its actions, and the commit is paid once). Called for every object
    /// processed, most often with the actions it already has (none): then nothing is
    /// written and the transaction stays a read. Marks made by hand are kept by id: the same
    /// action asked for again is still done.
    pub fn set_manual_actions(
        &self,
        kind: &str,
        key: &str,
        actions: &[Action],
    ) -> Result<(), EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let wanted: BTreeSet<&Action> = actions.iter().collect();
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(map)?;
        let current = self.all(&tx, MANUAL_OF, params![kind, key], |r| {
            let subject = r.get::<_, Option<String>>(2)?;
            Ok(Action {
                category: Category::parse(&r.get::<_, String>(0)?),
                text: r.get::<_, String>(1)?,
                subject: subject.and_then(|s| serde_json::from_str(&s).ok()),
            })
        })?;
        if current.len() == wanted.len() && current.iter().all(|a| wanted.contains(a)) {
            return tx.commit().map_err(map);
        }
        tx.prepare_cached(DELETE_MANUAL)
            .and_then(|mut st| st.execute(params![kind, key]))
            .map_err(map)?;
        {
            let mut st = tx.prepare_cached(INSERT_MANUAL).map_err(map)?;
            for a in &wanted {
                let subject = subject_text(&a.subject);
                st.execute(params![kind, key, a.category.as_str(), a.text, subject])
                    .map_err(map)?;
            }
        }
        tx.commit().map_err(map)
    }

    /// Every manual action, each with its id and marked done or pending (the one rule
    /// `status`, `migrate` and the reports share: see the module's doc).
    pub fn manual_actions(&self) -> Result<Vec<ManualAction>, EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let mut conn = self.conn();
        // One read transaction: the facts and the actions come from one snapshot.
        let tx = conn.transaction().map_err(map)?;
        let facts = self.done_facts(&tx)?;
        let both = match facts.cut.is_empty() {
            true => Vec::new(),
            false => self.both_sides(&tx)?,
        };
        let rows = self.all(&tx, MANUAL_ACTIONS, [], |r| {
            let category = Category::parse(&r.get::<_, String>(2)?);
            let (kind, key, action): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(3)?);
            let subject: Option<String> = r.get(4)?;
            Ok((
                ManualAction {
                    id: ManualAction::id_of(category, &kind, &key, &action),
                    kind,
                    key,
                    category,
                    action,
                    done: false,
                    done_by: None,
                },
                subject.and_then(|s| serde_json::from_str::<Subject>(&s).ok()),
            ))
        })?;
        tx.commit().map_err(map)?;
        let mut out: Vec<ManualAction> = rows
            .into_iter()
            .map(|(mut a, subject)| {
                a.done_by = facts.done_by(&a, subject.as_ref());
                a.done = a.done_by.is_some();
                a
            })
            .collect();
        // Paused in the source by `cutover --pause-source`, or marked done by hand.
        out.extend(both.into_iter().map(|mut a| {
            if !a.done && facts.hand.contains(&a.id) {
                a.done = true;
                a.done_by = Some(DoneBy::Hand);
            }
            a
        }));
        Ok(out)
    }

    fn done_facts(&self, conn: &Connection) -> Result<DoneFacts, EngineError> {
        let pairs = |sql| self.all(conn, sql, [], |r| Ok((r.get(0)?, r.get(1)?)));
        Ok(DoneFacts {
            cut: self.cutover_keys(conn)?,
            hand: self
                .all(conn, ACTIONS_DONE, [], |r| r.get(0))?
                .into_iter()
                .collect(),
            secrets: pairs(ALL_SECRETS_SUPPLIED)?.into_iter().collect(),
            destinations: pairs(ALL_DESTINATIONS_SUPPLIED)?.into_iter().collect(),
        })
    }

    /// The (kind, natural key) of every object `cutover` resumed (none before the first
    /// cut-over, whose store creates the `cutover` table in this same file).
    pub(super) fn cutover_keys(
        &self,
        conn: &Connection,
    ) -> Result<BTreeSet<(String, String)>, EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let has: i64 = conn
            .prepare_cached(HAS_CUTOVER)
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(map)?;
        if has == 0 {
            return Ok(Default::default());
        }
        let keys = self.all(conn, CUTOVER_KEYS, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(keys.into_iter().collect())
    }

    /// Marks the actions `ids` done by hand (`done`), or takes the mark back.
    pub fn mark_actions_done(&self, ids: &[String], done: bool) -> Result<(), EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(map)?;
        {
            let sql = if done { MARK_DONE } else { UNMARK_DONE };
            let mut st = tx.prepare_cached(sql).map_err(map)?;
            for id in ids {
                match done {
                    true => st.execute(params![id, super::now()]),
                    false => st.execute(params![id]),
                }
                .map_err(map)?;
            }
        }
        tx.commit().map_err(map)
    }
}
