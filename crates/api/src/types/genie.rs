//! Genie spaces (`/api/2.0/genie/spaces`): a space's settings and its `serialized_space`, a
//! JSON document in a string (sample questions, instructions, the tables it answers from by
//! their Unity Catalog names) that the service may upgrade on write (a newer `version`, fields
//! added), so callers compare it parsed, never as text. Conversations are private to their
//! owners and not part of a space here.

record! {
    /// A Genie space (get, create and update answers; a list item has no `serialized_space`,
    /// and `etag` comes only with it).
    pub struct GenieSpace {
        /// Its id (32 hex characters; output only).
        space_id: String,
        /// Its title.
        title: String,
        /// Its description.
        description: String,
        /// The folder holding it (no `/Workspace` prefix in answers).
        parent_path: String,
        /// The warehouse it runs its queries on.
        warehouse_id: String,
        /// The space itself: a JSON document in a string (asked for with
        /// `include_serialized_space`; needs CAN EDIT).
        serialized_space: String,
        /// Changes on every write; only answered with `serialized_space`.
        etag: String,
        /// When it was created (output only).
        create_time: String,
        /// When it last changed (output only).
        update_time: String,
    }
}

record! {
    /// The body of create (`warehouse_id` and `serialized_space` required) and of update
    /// (`PATCH`: the fields sent; `serialized_space` replaces the whole space).
    pub struct GenieSpaceRequest {
        /// Its title.
        title: String,
        /// Its description.
        description: String,
        /// The folder to put it in (on update: to move it to).
        parent_path: String,
        /// The warehouse it runs its queries on.
        warehouse_id: String,
        /// The space itself (a JSON document in a string).
        serialized_space: String,
        /// On update only: refuse the write (409) when the space changed since this etag.
        etag: String,
    }
}
