//! One module per kind: its store and its handlers (the routes table is `crate::routes`).

pub mod clusters;
pub mod destinations;
pub mod genie;
pub mod init_scripts;
pub mod instance_profiles;
pub mod jobs;
pub mod lakeview;
pub mod permission_assignments;
pub mod permissions;
pub mod pipelines;
pub mod policies;
pub mod pools;
pub mod repos;
pub mod scim;
pub mod secrets;
pub mod sql;
pub mod warehouses;
pub mod workspace;
