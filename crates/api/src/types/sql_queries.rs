//! Databricks SQL queries, their visualizations and alerts (the current API,
//! `/api/2.0/sql/{queries,visualizations,alerts}`), and what the legacy
//! `/api/2.0/preview/sql/*` API lists (queries and dashboards), read only to be reported.
//!
//! The current API wraps an object in its request (`{"query": {…}}`) and an update names the
//! fields it changes in `update_mask` (comma-separated, no spaces). `parent_path` is taken on
//! create only; `owner_user_name` on update only. A delete moves the object to the trash
//! (`lifecycle_state: TRASHED`, purged after 30 days).

use serde_json::Value;

use super::JsonObject;

record! {
    /// A query (get, create and update answers; a list item has no `parent_path`). Also the
    /// `query` of a create or an update, with only writable fields set.
    pub struct Query {
        /// UUID (read-only).
        id: String,
        /// The name shown in lists and on widgets.
        display_name: String,
        /// Notes on the query.
        description: String,
        /// The SQL text.
        query_text: String,
        /// The warehouse it runs on.
        warehouse_id: String,
        /// The catalog it runs in.
        catalog: String,
        /// The schema it runs in.
        schema: String,
        /// Parameter definitions (`name`, `title`, one value kind: `text_value`,
        /// `numeric_value`, `enum_value`, `query_backed_value{query_id,…}`, `date_value`,
        /// `date_range_value`).
        parameters: Vec<JsonObject>,
        /// OWNER or VIEWER.
        run_as_mode: String,
        /// Tags.
        tags: Vec<String>,
        /// Whether a 1000-row limit applies to its results.
        apply_auto_limit: bool,
        /// The folder holding it (create only; may read with a `/Workspace` prefix).
        parent_path: String,
        /// The owner's user name (set through update only; "Unavailable" once the owner is
        /// deleted).
        owner_user_name: String,
        /// Who saved it last (read-only).
        last_modifier_user_name: String,
        /// ACTIVE or TRASHED (read-only).
        lifecycle_state: String,
        /// Creation time (read-only).
        create_time: String,
        /// Last change (read-only).
        update_time: String,
    }
}

record! {
    /// Body of `POST /api/2.0/sql/queries`.
    pub struct CreateQuery {
        /// The query (writable fields).
        query: Query,
        /// `false`: a name taken in the folder is an error; `true`: renamed by the service.
        auto_resolve_display_name: bool,
    }
}

record! {
    /// Body of `PATCH /api/2.0/sql/queries/{id}`.
    pub struct UpdateQuery {
        /// The fields changed, comma-separated (`*`: all of them).
        update_mask: String,
        /// Their new values.
        query: Query,
        /// As on create.
        auto_resolve_display_name: bool,
    }
}

record! {
    /// A visualization of a query (read through the query's list: it has no GET of its own).
    pub struct Visualization {
        /// UUID (read-only).
        id: String,
        /// The query it shows (fixed at create).
        query_id: String,
        /// `table`, `chart`, `counter`, `funnel`, …
        r#type: String,
        /// Its name.
        display_name: String,
        /// Options, as a JSON document in a string.
        serialized_options: String,
        /// Query plan, as a JSON document in a string.
        serialized_query_plan: String,
        /// Creation time (read-only).
        create_time: String,
        /// Last change (read-only).
        update_time: String,
    }
}

record! {
    /// Body of `POST /api/2.0/sql/visualizations`.
    pub struct CreateVisualization {
        /// The visualization, with its `query_id`.
        visualization: Visualization,
    }
}

record! {
    /// Body of `PATCH /api/2.0/sql/visualizations/{id}`.
    pub struct UpdateVisualization {
        /// The fields changed, comma-separated.
        update_mask: String,
        /// Their new values.
        visualization: Visualization,
    }
}

record! {
    /// An alert on a query's result (get, create and update answers). The current API has
    /// neither a schedule nor subscribers: who is notified, and when it is evaluated, is a
    /// job's `sql_task.alert` (or the UI's).
    pub struct Alert {
        /// UUID (read-only).
        id: String,
        /// Its name.
        display_name: String,
        /// The query it evaluates.
        query_id: String,
        /// `{op, operand{column{name}}, threshold{value{…}}, empty_result_state}`.
        condition: Value,
        /// Subject of its notification.
        custom_subject: String,
        /// Body of its notification.
        custom_body: String,
        /// Whether subscribers hear of a return to normal.
        notify_on_ok: bool,
        /// Seconds before it re-arms (0: never triggers again).
        seconds_to_retrigger: i64,
        /// The folder holding it (create only).
        parent_path: String,
        /// The owner's user name (set through update only).
        owner_user_name: String,
        /// UNKNOWN, OK or TRIGGERED (read-only).
        state: String,
        /// When it last triggered (read-only).
        trigger_time: String,
        /// ACTIVE or TRASHED (read-only).
        lifecycle_state: String,
        /// Creation time (read-only).
        create_time: String,
        /// Last change (read-only).
        update_time: String,
    }
}

record! {
    /// Body of `POST /api/2.0/sql/alerts`.
    pub struct CreateAlert {
        /// The alert (writable fields).
        alert: Alert,
        /// As for queries.
        auto_resolve_display_name: bool,
    }
}

record! {
    /// Body of `PATCH /api/2.0/sql/alerts/{id}`.
    pub struct UpdateAlert {
        /// The fields changed, comma-separated.
        update_mask: String,
        /// Their new values.
        alert: Alert,
        /// As on create.
        auto_resolve_display_name: bool,
    }
}

record! {
    /// An alert v2 (`/api/2.0/alerts`): its own SQL and schedule; the body of a create or an
    /// update is the object itself (not wrapped).
    pub struct AlertV2 {
        /// UUID (read-only).
        id: String,
        /// Its name.
        display_name: String,
        /// The SQL it evaluates.
        query_text: String,
        /// The warehouse it runs on.
        warehouse_id: String,
        /// `{quartz_cron_schedule, timezone_id, pause_status: PAUSED|UNPAUSED}`.
        schedule: Value,
        /// `{source, comparison_operator, threshold, empty_result_state, notification{notify_on_ok,
        /// retrigger_seconds, subscriptions[{destination_id | user_email}]}}`.
        evaluation: Value,
        /// Summary of its notification.
        custom_summary: String,
        /// Description of its notification.
        custom_description: String,
        /// Query parameters.
        parameters: Vec<Value>,
        /// `{user_name | service_principal_name}`.
        run_as: Value,
        /// Who it runs as (deprecated for `run_as`).
        run_as_user_name: String,
        /// The folder holding it (create only).
        parent_path: String,
        /// The owner's user name (read-only).
        owner_user_name: String,
        /// Who it runs as (read-only).
        effective_run_as: Value,
        /// ACTIVE or DELETED (read-only).
        lifecycle_state: String,
        /// Creation time (read-only).
        create_time: String,
        /// Last change (read-only).
        update_time: String,
    }
}

record! {
    /// A query as the legacy API lists it (`/api/2.0/preview/sql/queries`).
    pub struct LegacyQuery {
        /// UUID.
        id: String,
        /// Its name.
        name: String,
        /// The SQL text.
        query: String,
        /// `folders/<object id>` of the folder holding it.
        parent: String,
        /// The data source (not a warehouse id).
        data_source_id: String,
        /// `{parameters, catalog, schema}`.
        options: Value,
        /// Its creator.
        user: Value,
        /// Whether it is in the trash.
        is_archived: bool,
        /// Tags.
        tags: Vec<String>,
    }
}

record! {
    /// A legacy dashboard as the legacy API lists it (`/api/2.0/preview/sql/dashboards`).
    pub struct LegacyDashboard {
        /// UUID.
        id: String,
        /// Its name.
        name: String,
        /// `folders/<object id>` of the folder holding it.
        parent: String,
        /// Its creator.
        user: Value,
        /// Whether it is in the trash.
        is_archived: bool,
        /// Tags.
        tags: Vec<String>,
        /// Its widgets (a GET answers them; a list may leave them out).
        widgets: Vec<Value>,
    }
}

/// The fields of a query an update may change, in the order `update_mask` names them.
pub const QUERY_UPDATABLE: &[&str] = &[
    "display_name",
    "description",
    "query_text",
    "warehouse_id",
    "catalog",
    "schema",
    "parameters",
    "run_as_mode",
    "tags",
    "apply_auto_limit",
    "owner_user_name",
];

/// The fields of a visualization an update may change.
pub const VISUALIZATION_UPDATABLE: &[&str] = &[
    "display_name",
    "type",
    "serialized_options",
    "serialized_query_plan",
];

/// The fields of an alert an update may change.
pub const ALERT_UPDATABLE: &[&str] = &[
    "display_name",
    "query_id",
    "condition",
    "custom_subject",
    "custom_body",
    "notify_on_ok",
    "seconds_to_retrigger",
    "owner_user_name",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_visualization_type_is_named_type_on_the_wire() {
        let v = Visualization {
            r#type: Some("table".into()),
            query_id: Some("q".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({"type": "table", "query_id": "q"})
        );
        let back: Visualization =
            serde_json::from_value(json!({"type": "chart", "future": 1})).unwrap();
        assert_eq!(back.r#type.as_deref(), Some("chart"));
        assert_eq!(back.extra["future"], 1);
    }
}
