//! End-to-end tests of the engine: two emulators on loopback (source and target), two real
//! clients, the engine between them. One test binary; one module per theme, and one support
//! module (`support`) for what the themes share: the emulator pair, seeds and independent
//! reads of a workspace.

mod support;

mod account_groups;
mod aibi;
mod checks;
mod compute;
mod cutover;
mod destinations;
mod drift;
mod dropped;
mod init_scripts;
mod kinds;
mod migration_report;
mod phase1;
mod phases23;
mod pipelines;
mod principals;
mod report_html;
mod resilience;
mod resume;
mod rollback;
mod saved_plan;
mod source_walk;
mod sql;
mod typical;
mod verify;
mod workspace_lookups;
