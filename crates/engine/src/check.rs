//! [`Check`]: one line of `validate`'s report. A leaf, so the kinds' pre-checks can make
//! checks without the kinds depending on `validate`, which runs them.

use serde::Serialize;

/// One check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`identity`, `workspace admin`, `distinct workspaces`, …).
    pub name: String,
    /// `source`, `target` or `both`.
    pub workspace: String,
    /// Whether it holds. A check that does not hold blocks `migrate`.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// How to fix it, when it does not hold (or when there is something worth knowing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A check that holds.
    pub fn pass(name: &str, workspace: &str, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            workspace: workspace.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A check that does not hold, with how to fix it.
    pub fn fail(
        name: &str,
        workspace: &str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            workspace: workspace.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}
