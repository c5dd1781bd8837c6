//! Databricks SQL objects (reference-more §3): queries (`/api/2.0/sql/queries`), their
//! visualizations (`/api/2.0/sql/visualizations`), alerts (`/api/2.0/sql/alerts`), alerts v2
//! (`/api/2.0/alerts`) and the legacy ("Redash") dashboards and query lists
//! (`/api/2.0/preview/sql/*`).
//!
//! Queries and alerts share one shape ([`SqlObject`]): the writable fields as last written, the
//! folder they sit in (each is an entry of the workspace tree, see
//! `kinds::workspace::placed`), an owner (`owner_user_name`, changed by an update, not by the
//! permissions API), and a lifecycle: delete moves the object to the trash (`lifecycle_state:
//! TRASHED`, still readable by id, gone from lists and from the tree). Their create and update
//! bodies wrap the object (`{"query": {…}}`) and an update names the fields it changes in
//! `update_mask` (comma-separated, `*` for all); [`objects`] holds that shared machinery.
//! Legacy queries are not a store of their own: `/preview/sql/queries` is an older view of the
//! same queries (ids included), as on the platform.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store;

pub mod alerts;
pub mod alerts_v2;
pub mod legacy;
pub mod objects;
pub mod queries;
pub mod visualizations;

/// The SQL objects store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SqlState {
    /// Queries, by id (UUID).
    pub queries: BTreeMap<String, SqlObject>,
    /// Visualizations, by id (UUID).
    pub visualizations: BTreeMap<String, visualizations::Visualization>,
    /// Alerts (current API), by id (UUID).
    pub alerts: BTreeMap<String, SqlObject>,
    /// Alerts v2, by id (UUID).
    pub alerts_v2: BTreeMap<String, alerts_v2::AlertV2>,
    /// Legacy dashboards, by id (UUID).
    pub legacy_dashboards: BTreeMap<String, legacy::LegacyDashboard>,
    /// Creation counter shared by every SQL object (list order).
    pub next_seq: u64,
}

/// A query or an alert (current API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlObject {
    /// UUID.
    pub id: String,
    /// The writable fields as last written (`display_name`, `query_text`, `query_id`, …).
    pub fields: Map<String, Value>,
    /// The folder (normalised, no `/Workspace`).
    pub parent_path: String,
    /// The tree path while active (`<parent_path>/<display_name>`).
    pub path: String,
    /// Owner's userName (an SP's applicationId).
    pub owner_user_name: String,
    /// Who wrote it last.
    pub last_modifier_user_name: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// In the trash.
    #[serde(default)]
    pub trashed: bool,
    /// Creation order.
    pub seq: u64,
}

impl SqlObject {
    /// `display_name`.
    pub fn display_name(&self) -> &str {
        self.fields
            .get("display_name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `ACTIVE` or `TRASHED`.
    pub fn lifecycle_state(&self) -> &'static str {
        if self.trashed { "TRASHED" } else { "ACTIVE" }
    }
}

impl SqlState {
    /// Whether nothing was ever created (the state file then leaves the store out, so states
    /// saved before SQL objects existed keep their bytes).
    pub fn is_empty(&self) -> bool {
        self.next_seq == 0
    }

    /// The next creation number.
    pub fn seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// Whether an active (not trashed) query has this id (jobs' `sql_task.query`).
    pub fn has_active_query(&self, id: &str) -> bool {
        self.queries.get(id).is_some_and(|q| !q.trashed)
    }

    /// Whether an active alert (current API) has this id (jobs' `sql_task.alert`).
    pub fn has_active_alert(&self, id: &str) -> bool {
        self.alerts.get(id).is_some_and(|a| !a.trashed)
    }
}

store::keyed!(SqlState, queries, SqlObject, no_such_query);

/// The platform's answer for an unknown query id.
pub fn no_such_query(id: &str) -> ApiError {
    // [UNVERIFIED] message; 404 RESOURCE_DOES_NOT_EXIST like the other SQL objects.
    ApiError::not_found(format!("Query {id} does not exist."))
}

/// The platform's answer for an unknown alert id (current API).
pub fn no_such_alert(id: &str) -> ApiError {
    // [UNVERIFIED] message.
    ApiError::not_found(format!("Alert {id} does not exist."))
}

/// The answer for a warehouse id no warehouse has.
///
/// match cloud behaviour: the body a CLI test uses for publishing with a missing warehouse
/// (400 RESOURCE_DOES_NOT_EXIST); taken for every SQL object naming one [UNVERIFIED elsewhere].
pub fn no_such_warehouse(id: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "RESOURCE_DOES_NOT_EXIST",
        format!("Warehouse {id} does not exist"),
    )
}

/// Checks that `warehouse_id`, when set, names a warehouse.
pub fn check_warehouse(st: &State, fields: &Map<String, Value>) -> ApiResult<()> {
    match fields.get("warehouse_id").and_then(Value::as_str) {
        Some(w) if !w.is_empty() && !st.warehouses.contains(w) => Err(no_such_warehouse(w)),
        _ => Ok(()),
    }
}

/// Now, as the RFC 3339 text the SQL and AI/BI APIs use for times.
pub fn now_text() -> String {
    text_of(crate::state::now_ms())
}

/// A time in ms as RFC 3339 text (`2026-01-02T03:04:05.678Z`).
pub fn text_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A page of `all` from `page_token`'s offset: `(items, next_page_token)`. `page_size` none or
/// 0 is `default`; above `max` is `max` [UNVERIFIED: the documented maxima are not published].
pub fn page<'a, T>(
    all: &'a [T],
    q: &crate::body::QueryMap,
    prefix: &str,
    default: usize,
    max: usize,
) -> ApiResult<(&'a [T], Option<String>)> {
    let size = match q.i64("page_size")? {
        None | Some(0) => default,
        Some(n) if n > 0 => (n as usize).min(max),
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be positive, got {n}"
            )));
        }
    };
    let offset = store::offset_of(q.get("page_token"), prefix, "page_token")?.min(all.len());
    let end = offset.saturating_add(size).min(all.len());
    Ok((
        &all[offset..end],
        store::next_token(prefix, offset, size, all.len()),
    ))
}

/// Trashes an alert of either API by id (a `workspace/delete` of its tree entry).
pub fn trash_any_alert(st: &mut State, id: &str) {
    if st.sql.alerts.contains_key(id) {
        alerts::trash_in_store(st, id);
    } else {
        alerts_v2::trash_in_store(st, id);
    }
}
