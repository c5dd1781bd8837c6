//! Legacy ("Redash") Databricks SQL objects (`/api/2.0/preview/sql/*`), deprecated in favour
//! of AI/BI dashboards and the current queries and alerts APIs. brickport only lists legacy
//! dashboards, to report them: the legacy API cannot be trusted to re-create them, and the
//! platform converts them to AI/BI dashboards in the source.

record! {
    /// A legacy dashboard as the list gives it (widgets only with `get`).
    pub struct LegacyDashboard {
        /// Its id (a UUID).
        id: String,
        /// Its name.
        name: String,
        /// The URL slug.
        slug: String,
        /// The folder holding it: `folders/<workspace object id>`.
        parent: String,
        /// Tags.
        tags: Vec<String>,
        /// Whether it is in the trash.
        is_archived: bool,
        /// Whether it is a draft.
        is_draft: bool,
        /// Whether its filters apply across widgets.
        dashboard_filters_enabled: bool,
        /// Its owner's SCIM id.
        user_id: i64,
        /// When it was created.
        created_at: String,
        /// When it last changed.
        updated_at: String,
    }
}
