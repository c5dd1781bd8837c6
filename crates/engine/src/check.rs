//! [`Check`]: one finding of the pre-check (`validate`, and the gate before `migrate`). A
//! leaf, so the kinds' pre-checks can make checks without the kinds depending on `validate`,
//! which runs them.
//!
//! Each has a [`Severity`]: an *error* means the run cannot start (credentials, admin rights,
//! the same workspace twice, a corrupt ledger); a *warning*, that some objects will fail or be
//! changed on the way (node types, Spark versions, name collisions, limits) — the run goes on
//! and those objects get the outcome predicted; *unknown*, that a check could not run (its
//! endpoint answered NOT_IMPLEMENTED, 404 or 403) — reported, the run goes on. `--strict`
//! ([`crate::EngineOptions::strict`]) makes warnings errors.

use serde::Serialize;

/// How much a finding matters (ordered from harmless to blocking).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It holds.
    Pass,
    /// It could not be checked (the endpoint is not there or not for this caller).
    Unknown,
    /// Some objects will fail or be changed; the run goes on.
    Warning,
    /// The run cannot start.
    Error,
}

impl Severity {
    /// The word the text report shows.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Pass => "ok",
            Severity::Unknown => "unknown",
            Severity::Warning => "warning",
            Severity::Error => "ERROR",
        }
    }
}

/// One check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`identity`, `workspace admin`, `distinct workspaces`, …).
    pub name: String,
    /// `source`, `target` or `both`.
    pub workspace: String,
    /// Whether the run may start despite it: false only for an error (kept for readers of
    /// the JSON from before severities, where a check that did not hold blocked the run).
    pub ok: bool,
    /// How much it matters.
    pub severity: Severity,
    /// What was found.
    pub detail: String,
    /// How to fix it, when it does not hold (or when there is something worth knowing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(name: &str, workspace: &str, severity: Severity, detail: String) -> Check {
        Check {
            name: name.into(),
            workspace: workspace.into(),
            ok: severity != Severity::Error,
            severity,
            detail,
            fix: None,
        }
    }

    /// A check that holds.
    pub fn pass(name: &str, workspace: &str, detail: impl Into<String>) -> Check {
        Check::new(name, workspace, Severity::Pass, detail.into())
    }

    /// An error: the run cannot start; with how to fix it.
    pub fn fail(
        name: &str,
        workspace: &str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check::new(name, workspace, Severity::Error, detail.into()).with_fix(fix)
    }

    /// A warning: some objects will fail or be changed, the run goes on; with what to do.
    pub fn warn(
        name: &str,
        workspace: &str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check::new(name, workspace, Severity::Warning, detail.into()).with_fix(fix)
    }

    /// A check that could not run; the run goes on.
    pub fn unknown(
        name: &str,
        workspace: &str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check::new(name, workspace, Severity::Unknown, detail.into()).with_fix(fix)
    }

    /// A check whose read failed with `e` (`what`: what it read): *unknown* when the
    /// endpoint is not there or not for this caller (NOT_IMPLEMENTED, 404, 403), else an
    /// error (the workspace could not be asked at all).
    pub fn not_run(name: &str, workspace: &str, what: &str, e: &brickport_api::ApiError) -> Check {
        let detail = format!("cannot list the {workspace}'s {what}: {e}");
        if could_not_run(e) {
            Check::unknown(
                name,
                workspace,
                format!("{detail} — not checked"),
                "nothing to do before the run; the objects concerned show their outcome in the report",
            )
        } else {
            Check::fail(
                name,
                workspace,
                detail,
                format!("check the {workspace}'s credentials and connectivity"),
            )
        }
    }

    /// With how to fix it.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    /// Whether it stops the run (`strict`: warnings do too).
    pub fn blocks(&self, strict: bool) -> bool {
        self.severity == Severity::Error || (strict && self.severity == Severity::Warning)
    }

    /// Made an error by `--strict` when it is a warning.
    pub fn strict(mut self) -> Check {
        if self.severity == Severity::Warning {
            self.severity = Severity::Error;
            self.ok = false;
            let fix = self.fix.take().unwrap_or_default();
            self.fix = Some(
                format!("{fix} (a warning, an error under --strict)")
                    .trim_start()
                    .into(),
            );
        }
        self
    }
}

/// Whether an error says the endpoint is not there or not for this caller.
pub fn could_not_run(e: &brickport_api::ApiError) -> bool {
    matches!(e.status(), Some(501 | 404 | 403))
        || matches!(
            e.error_code(),
            Some(
                "NOT_IMPLEMENTED" | "ENDPOINT_NOT_FOUND" | "FEATURE_DISABLED" | "PERMISSION_DENIED"
            )
        )
}
