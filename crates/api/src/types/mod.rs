//! Request and response structs of the typed handlers, one file per API area.
//!
//! Every struct is lossless: known fields are `Option`s that are skipped when absent, and any
//! field this crate does not model lands in the flattened `extra` map and is written back as
//! is. So an object read from a source workspace can be re-created in a target workspace
//! without dropping a field the platform added after this code was written. Nested parts
//! that migrations rewrite by path (task lists, cluster specs inside jobs, …) stay
//! `serde_json::Value`.

/// Declares a lossless record: every field `Option<_>` with `default` and
/// `skip_serializing_if`, plus a flattened `extra` map for unknown fields.
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Fields not modelled here, kept so the object round-trips without loss.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}

pub mod clusters;
pub mod genie;
pub mod init_scripts;
pub mod instance_profiles;
pub mod jobs;
pub mod lakeview;
pub mod notification_destinations;
pub mod permission_assignments;
pub mod permissions;
pub mod pipelines;
pub mod policies;
pub mod pools;
pub mod repos;
pub mod scim;
pub mod secrets;
pub mod sql_queries;
pub mod warehouses;
pub mod workspace;

/// A JSON object (for nested parts kept untyped).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;
