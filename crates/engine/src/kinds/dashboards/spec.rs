//! An AI/BI dashboard as the engine migrates it: one spec for the draft, its published copy
//! and its schedules with their subscriptions, read alike on both sides ([`body_of`]).
//!
//! - The draft: `display_name`, `parent_path` (without `/Workspace`), `warehouse_id`, and
//!   `serialized_dashboard` **parsed** — the service re-serialises the document and adds fields
//!   (a page's `pageType`, a trailing newline), so it is compared as JSON, as a subset, never
//!   as text. A document that does not parse stays a string (and the target may refuse it:
//!   that object then fails with the platform's words).
//! - `published` (only when the source's draft is published): `embed_credentials` (false when
//!   the answer leaves it out) and the published copy's warehouse.
//! - `schedules`: each with `cron_schedule`, `display_name`, `warehouse_id`, `pause_status`
//!   and its `subscriptions` (`subscriber`: a user by SCIM id or a notification destination;
//!   `skip_notify` only when true, the default left out).
//!
//! [`build`] then holds back what would run on its own (every schedule PAUSED, with an unpause
//! action for those on in the source) and applies the catalog map to each dataset's `catalog`
//! field; a dataset's SQL text (`queryLines`) is never rewritten, and a catalog of the map it
//! names is listed as a manual action.

use std::collections::BTreeMap;

use brickport_api::types::lakeview::{Dashboard, PublishedDashboard, Schedule, Subscription};
use serde_json::{Map, Value, json};

use super::NAME;
use crate::EngineError;
use crate::kinds::catalogs;
use crate::kinds::shared::normalise_path;
use crate::kinds::to_json;
use crate::ledger::{Action, Category};

/// One dashboard as read in one workspace.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Read {
    /// The draft.
    pub draft: Dashboard,
    /// The published copy, when there is one.
    pub published: Option<PublishedDashboard>,
    /// The schedules, each with its subscriptions.
    pub schedules: Vec<(Schedule, Vec<Subscription>)>,
}

/// What the spec builder found.
pub struct Built {
    /// The spec.
    pub spec: Value,
    /// Manual actions (schedules to resume at cut-over, embedded credentials now the
    /// migrating principal's, catalogs named in SQL text).
    pub manual: Vec<Action>,
}

pub const PAUSED: &str = "PAUSED";
pub const UNPAUSED: &str = "UNPAUSED";

/// The service's own fields on a schedule or a subscription, never written.
const OUTPUT_ONLY: &[&str] = &[
    "dashboard_id",
    "schedule_id",
    "subscription_id",
    "etag",
    "create_time",
    "update_time",
    "created_by_user_id",
];

/// The document parsed, or kept as the string it is when it does not parse.
pub fn parsed(serialized: Option<&str>) -> Value {
    match serialized {
        None => Value::Null,
        Some(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
    }
}

/// The document as the API takes it: a string (a JSON text for a parsed one).
pub fn serialized(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        doc => Some(doc.to_string()),
    }
}

/// `v` without the service's own fields; with `ids`, the ids and etag update needs are kept.
fn writable(v: Value, ids: bool) -> Map<String, Value> {
    let Value::Object(mut m) = v else {
        return Map::new();
    };
    for f in OUTPUT_ONLY {
        let keep = ids && matches!(*f, "schedule_id" | "subscription_id" | "etag");
        if !keep {
            m.remove(*f);
        }
    }
    m
}

fn schedule_body(
    s: &Schedule,
    subs: &[Subscription],
    key: &str,
    ids: bool,
) -> Result<Value, EngineError> {
    let mut m = writable(to_json(NAME, key, s)?, ids);
    let status = m.get("pause_status").and_then(Value::as_str);
    let status = status.unwrap_or(UNPAUSED).to_string();
    m.insert("pause_status".into(), json!(status));
    let mut out = Vec::new();
    for sub in subs {
        let mut sm = writable(to_json(NAME, key, sub)?, ids);
        if sm.get("skip_notify") == Some(&Value::Bool(false)) {
            sm.remove("skip_notify");
        }
        out.push(Value::Object(sm));
    }
    m.insert("subscriptions".into(), Value::Array(out));
    Ok(Value::Object(m))
}

/// A dashboard as read (either side) in the spec's shape; with `ids`, each schedule and
/// subscription keeps its id and etag (a target's, for its update).
pub fn body_of(r: &Read, key: &str, ids: bool) -> Result<Map<String, Value>, EngineError> {
    let d = &r.draft;
    let mut m = Map::new();
    if let Some(n) = &d.display_name {
        m.insert("display_name".into(), json!(n));
    }
    if let Some(p) = &d.parent_path {
        m.insert("parent_path".into(), json!(normalise_path(p)));
    }
    if let Some(w) = d.warehouse_id.as_ref().filter(|w| !w.is_empty()) {
        m.insert("warehouse_id".into(), json!(w));
    }
    let doc = parsed(d.serialized_dashboard.as_deref());
    if !doc.is_null() {
        m.insert("serialized_dashboard".into(), doc);
    }
    if let Some(p) = &r.published {
        let mut pm = Map::new();
        pm.insert(
            "embed_credentials".into(),
            json!(p.embed_credentials == Some(true)),
        );
        if let Some(w) = p.warehouse_id.as_ref().filter(|w| !w.is_empty()) {
            pm.insert("warehouse_id".into(), json!(w));
        }
        m.insert("published".into(), Value::Object(pm));
    }
    let mut schedules = Vec::new();
    for (s, subs) in &r.schedules {
        schedules.push(schedule_body(s, subs, key, ids)?);
    }
    m.insert("schedules".into(), Value::Array(schedules));
    Ok(m)
}

/// The name each schedule goes by at cut-over: `schedule `<display name>`` (its cron
/// expression when it has none), numbered when two share one — the same names for the
/// source's schedules and the target's, created from them in the same order.
pub fn part_names(schedules: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in schedules {
        let label = s
            .get("display_name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .or_else(|| s.pointer("/cron_schedule/quartz_cron_expression")?.as_str())
            .unwrap_or("?");
        let base = format!("schedule `{label}`");
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base} #{n}");
        }
        names.push(name);
    }
    names
}

/// Holds every schedule of `m` back (PAUSED); returns the names of those that were on.
fn pause_schedules(m: &mut Map<String, Value>) -> Vec<String> {
    let Some(Value::Array(schedules)) = m.get_mut("schedules") else {
        return Vec::new();
    };
    let names = part_names(schedules);
    let mut on = Vec::new();
    for (s, name) in schedules.iter_mut().zip(names) {
        if s["pause_status"] != PAUSED {
            on.push(name);
        }
        s["pause_status"] = json!(PAUSED);
    }
    on
}

/// Applies the catalog map to each dataset's `catalog` field of the document; returns, per
/// dataset whose SQL text names a catalog of the map, `(dataset, catalogs)`.
fn map_catalogs(doc: &mut Value, map: &BTreeMap<String, String>) -> Vec<(String, Vec<String>)> {
    let mut named = Vec::new();
    if map.is_empty() {
        return named;
    }
    let Some(Value::Array(datasets)) = doc.get_mut("datasets") else {
        return named;
    };
    for ds in datasets.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(to) =
            (ds.get("catalog").and_then(Value::as_str)).and_then(|c| catalogs::renamed(map, c))
        {
            ds.insert("catalog".into(), json!(to));
        }
        let text = match ds.get("queryLines") {
            Some(Value::Array(lines)) => {
                let lines: Vec<&str> = lines.iter().filter_map(Value::as_str).collect();
                lines.join("\n")
            }
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let found = catalogs::named_in_sql(map, &text);
        if !found.is_empty() {
            let name = ds.get("displayName").or(ds.get("name"));
            let name = name.and_then(Value::as_str).unwrap_or("?").to_string();
            named.push((name, found));
        }
    }
    named
}

/// The source's spec of a dashboard, with its notes.
pub fn build(r: &Read, key: &str, map: &BTreeMap<String, String>) -> Result<Built, EngineError> {
    let mut m = body_of(r, key, false)?;
    let mut manual = Vec::new();
    let on = pause_schedules(&mut m);
    if !on.is_empty() {
        manual.push(Action::new(Category::Unpause, format!(
            "resume at cut-over: dashboard `{key}` ({}) was UNPAUSED in the source; it was created PAUSED",
            on.join(", ")
        )));
    }
    if r.published.as_ref().and_then(|p| p.embed_credentials) == Some(true) {
        manual.push(Action::new(Category::Other, format!(
            "dashboard `{key}` is published with embedded credentials: in the target its viewers' queries run as the principal that ran the migration (who published it); publish it again as its owner if they should run as someone else"
        )));
    }
    if let Some(doc) = m.get_mut("serialized_dashboard") {
        for (dataset, found) in map_catalogs(doc, map) {
            let pairs: Vec<String> = found
                .iter()
                .map(|c| format!("`{c}` → `{}`", map.get(c).map_or("?", String::as_str)))
                .collect();
            manual.push(Action::new(Category::Other, format!(
                "dashboard `{key}`: the SQL text of dataset `{dataset}` names catalog {} of the catalog map; SQL text is never rewritten: edit the dataset in the target",
                pairs.join(", ")
            )));
        }
    }
    Ok(Built {
        spec: Value::Object(m),
        manual,
    })
}

#[cfg(test)]
mod tests;
