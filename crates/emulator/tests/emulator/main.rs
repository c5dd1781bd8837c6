//! Integration tests: each test starts an emulator on 127.0.0.1:0 and talks plain HTTP to it.

mod account_groups;
mod clouds;
mod common;
mod compat;
mod compute;
mod core_behaviour;
mod destinations;
mod fault_rules;
mod lakeview;
mod pause;
mod permission_assignments;
mod permissions;
mod pipelines;
mod scim;
mod secrets;
mod seed_pipelines;
mod seed_sql;
mod seeds;
mod sql;
mod workspace;
