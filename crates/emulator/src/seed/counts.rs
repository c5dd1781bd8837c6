//! How many objects of each core kind a generated workspace holds: the `typical` counts, and
//! the formula `scale:N` derives from them ([`Counts::scale`], which the seed's parts use for
//! their own counts too: a part's count is not here but in its file under `seed/parts/`).
//!
//! `typical` is the seed document's Success Metrics Dashboard (45 users, 12 groups, 8 clusters,
//! 4 policies, 2 warehouses, 123 notebooks, 3 Git folders, 28 jobs, 15 secrets, 87 folders),
//! plus the objects a real workspace of that size also has (service principals, pools, secret
//! scopes, workspace files, an account group, clusters created by jobs, and the parts' kinds).
//!
//! `scale:N` holds exactly `N` notebooks, and every other count `c` of `typical` becomes
//! `max(c, floor(c × N / 123))` — proportional to the typical workspace, never below it. So
//! `scale:123` has the typical counts, and `scale:100000` has 70 731 folders (≈ N/1.41),
//! 22 764 jobs (≈ N/4.39), 36 585 users (≈ N/2.73), 9 756 groups, 6 504 all-purpose clusters,
//! 12 195 secrets in 1 000 scopes — the scope count is capped at the platform's limit of
//! 1 000 scopes per workspace (from `scale:41000` on).

/// Most secret scopes in a workspace (the platform's limit, which the emulator enforces too).
pub const MAX_SCOPES: usize = crate::kinds::secrets::MAX_SCOPES;

/// The largest `N` accepted by `scale:N`: beyond it the workspace no longer fits comfortably
/// in memory (about 6 KB per notebook with its share of folders, grants, jobs and users:
/// `scale:100000` peaks near 570 MB).
pub const MAX_SCALE: u32 = 200_000;

/// Object counts of a generated workspace. What is counted where:
///
/// - `users` includes `admin@example.com` (the workspace admin every seeded object is created
///   by; the default token authenticates as that user).
/// - `groups` counts workspace-local groups (`meta.resourceType: WorkspaceGroup`) created by
///   the workspace's admins. The built-in `admins` and `users` groups are **not** counted, nor
///   are the `account_groups` (`meta.resourceType: Group`), which a migrator must not recreate.
/// - `policies` counts user-created cluster policies; the default (Databricks-managed,
///   `is_default: true`) policies, one per policy family, come on top.
/// - `folders` counts workspace `DIRECTORY` objects outside `/Repos`, including every user's
///   home folder `/Users/<userName>`, and **excluding** the built-in root `/`, `/Users`,
///   `/Shared` and `/Repos` (and everything under `/Repos`).
/// - `notebooks` counts `NOTEBOOK` objects (Python, SQL, Scala, R); `files` counts workspace
///   `FILE` objects (non-notebook: scripts, text, one binary image). None are inside Git
///   folders.
/// - `clusters` counts all-purpose clusters (`cluster_source` `UI` or `API`);
///   `job_clusters` counts the clusters a job run created (`cluster_source: JOB`), which the
///   clusters list shows as well and a migrator must skip.
/// - `secrets` counts keys across all `scopes`.
///
/// The kinds seeded as parts (`seed/parts/`) count themselves: [`super::parts::Part::count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Users (SCIM `Users`), including `admin@example.com`.
    pub users: usize,
    /// Service principals.
    pub service_principals: usize,
    /// Workspace-local groups, besides `admins` and `users`.
    pub groups: usize,
    /// Account groups visible in the workspace (`meta.resourceType: Group`).
    pub account_groups: usize,
    /// User-created cluster policies.
    pub policies: usize,
    /// Instance pools.
    pub pools: usize,
    /// SQL warehouses.
    pub warehouses: usize,
    /// Secret scopes.
    pub scopes: usize,
    /// Secrets (keys), across all scopes.
    pub secrets: usize,
    /// Workspace folders outside `/Repos`, user homes included, built-in roots excluded.
    pub folders: usize,
    /// Notebooks.
    pub notebooks: usize,
    /// Workspace files (non-notebook).
    pub files: usize,
    /// Git folders.
    pub repos: usize,
    /// All-purpose clusters.
    pub clusters: usize,
    /// Clusters created by job runs (`cluster_source: JOB`).
    pub job_clusters: usize,
    /// Jobs.
    pub jobs: usize,
}

impl Counts {
    /// The typical workspace.
    pub const TYPICAL: Counts = Counts {
        users: 45,
        service_principals: 3,
        groups: 12,
        account_groups: 1,
        policies: 4,
        pools: 2,
        warehouses: 2,
        scopes: 3,
        secrets: 15,
        folders: 87,
        notebooks: 123,
        files: 5,
        repos: 3,
        clusters: 8,
        job_clusters: 2,
        jobs: 28,
    };

    /// The counts of `scale:n`: exactly `n` notebooks, every other typical count scaled by
    /// [`Counts::scale`]; secret scopes capped at [`MAX_SCOPES`].
    pub fn scaled(n: u32) -> Counts {
        let t = Counts::TYPICAL;
        let at_n = Counts {
            notebooks: n as usize,
            ..t
        };
        let f = |c: usize| at_n.scale(c);
        Counts {
            users: f(t.users),
            service_principals: f(t.service_principals),
            groups: f(t.groups),
            account_groups: f(t.account_groups),
            policies: f(t.policies),
            pools: f(t.pools),
            warehouses: f(t.warehouses),
            scopes: f(t.scopes).min(MAX_SCOPES),
            secrets: f(t.secrets),
            folders: f(t.folders),
            notebooks: n as usize,
            files: f(t.files),
            repos: f(t.repos),
            clusters: f(t.clusters),
            job_clusters: f(t.job_clusters),
            jobs: f(t.jobs),
        }
    }

    /// A typical count `c` scaled to this workspace of `N` notebooks:
    /// `max(c, floor(c × N / 123))`, proportional to the typical workspace and never below it
    /// (so `c` itself in `typical`).
    pub fn scale(&self, c: usize) -> usize {
        let base = Counts::TYPICAL.notebooks as u64;
        let scaled = (c as u64).saturating_mul(self.notebooks as u64) / base;
        usize::try_from(scaled).unwrap_or(usize::MAX).max(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_formulas() {
        assert_eq!(Counts::scaled(123), Counts::TYPICAL);
        let s = Counts::scaled(100_000);
        assert_eq!(s.notebooks, 100_000);
        assert_eq!(s.folders, 70_731);
        assert_eq!(s.jobs, 22_764);
        assert_eq!(s.users, 36_585);
        assert_eq!((s.scopes, s.secrets), (1000, 12_195));
        assert_eq!((Counts::TYPICAL.scale(3), s.scale(3)), (3, 2439));
        let small = Counts::scaled(10);
        assert_eq!(small.notebooks, 10);
        assert_eq!(small.jobs, 28);
        assert_eq!(Counts::scaled(500).folders, 353);
    }
}
