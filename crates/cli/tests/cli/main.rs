//! The `brickport` binary, end to end: real processes, real emulators on 127.0.0.1 port 0.
//!
//! Every test runs in its own temp directory with `HOME` and `DATABRICKS_CONFIG_FILE` pointed
//! into it and every `DATABRICKS_*`/`BRICKPORT_*` variable of the caller's environment
//! removed, so a developer's real `~/.databrickscfg` can never be touched. Every run checks
//! that no test token appears on stdout or stderr.
//!
//! One test binary (`autotests = false`); its modules group the tests by theme, and `support`
//! holds what they share. `SHOW_OUTPUT=1` prints every command and what it wrote.

mod across_clouds;
mod bundle;
mod cmdline;
mod config;
mod cutover;
mod destinations;
mod dropped;
mod emulator;
mod kill;
mod migrate;
mod outage;
mod plan;
mod polish;
mod precheck;
mod principals;
mod rollback;
mod snapshots;
mod sql;
mod status;
mod support;
mod translate;
mod validate;
