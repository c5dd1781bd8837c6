//! The `typical` seed: the workspace of the seed document's Success Metrics Dashboard.
//!
//! Exactly: 45 users (`admin@example.com` included; one deactivated), 12 workspace groups
//! (some nested, some holding service principals and the account group) — the built-in
//! `admins` and `users` groups are **not** among the 12, nor is the 1 account group
//! (`meta.resourceType: Group`) —, 3 service principals, 4 user-created cluster policies (the
//! default managed policies come on top), 2 instance pools, 2 SQL warehouses (stopped),
//! 15 secrets in 3 scopes (with ACLs), 87 folders, 123 notebooks, 5 workspace files, 3 Git
//! folders, 8 all-purpose clusters (one RUNNING, two pinned) plus 2 clusters created by job
//! runs (`cluster_source: JOB`, not counted), 28 jobs, and each seed part's typical count of
//! its kind ([`super::parts::PARTS`]): 3 global init scripts, 4 notification destinations
//! (e-mail, Slack, a webhook, PagerDuty), 6 pipelines (2 continuous, RUNNING) and 3 more jobs
//! that run pipelines and notify those destinations (31 jobs in all).
//!
//! The account group `acct-all-employees` is a member of `readers` and has one direct grant
//! (CAN_READ on `/Shared/Team Space`); a migrator must map it, not recreate it.
//!
//! How folders are counted: the 87 are the workspace `DIRECTORY` objects outside `/Repos`,
//! i.e. the 45 user homes `/Users/<userName>`, 15 folders under `/Shared` and 27 sub-folders
//! of user homes. The built-in root `/`, `/Users`, `/Shared` and `/Repos` are not counted,
//! nor are the `/Repos/<folder>` folders holding Git folders.
//!
//! See [`super::counts`] for what each count covers and the sub-modules for the wiring.

use super::build;
use super::counts::Counts;
use crate::error::EmulatorError;
use crate::state::State;

/// Fills `st` with the typical workspace.
pub fn typical(st: &mut State) -> Result<(), EmulatorError> {
    build::seed(st, &Counts::TYPICAL)
}
