//! `validate`: the pre-check before a migration. Connects to both workspaces, says who the
//! caller is on each and whether it is a workspace admin (required), refuses a source and
//! target that are the same workspace, then runs every selected kind's own pre-checks
//! ([`crate::kinds::Kind::prechecks`]). Each finding has a severity ([`Severity`]): only errors
//! stop the run (warnings too under `--strict`); a check that could not run is *unknown*.
//! Each finding is listed once. Returns a report; never prints.

use std::sync::Arc;

use brickport_api::{WorkspaceClient, normalize_host};
use serde::Serialize;

use crate::check::{Check, Severity};
use crate::idmap::IdMap;
use crate::kinds::{self, Ctx};
use crate::ledger::{Access, Ledger};
use crate::{EngineError, EngineOptions, graph};

/// What `validate` returns.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// The source host.
    pub source: String,
    /// The target host.
    pub target: String,
    /// The caller on the source (userName or applicationId), when it could be read.
    pub source_principal: Option<String>,
    /// The caller on the target.
    pub target_principal: Option<String>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl ValidationReport {
    /// Whether the run may start: no error (under `--strict`, the warnings are errors
    /// already).
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The errors: what stops the run.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }

    /// The findings of one severity.
    pub fn of(&self, severity: Severity) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.severity == severity)
            .collect()
    }
}

/// Who the caller is on one workspace and whether it is in `admins`; also the id of the
/// `admins` group (unique per workspace: two hosts answering with the same id are one
/// workspace behind two names).
async fn whoami(
    client: &WorkspaceClient,
    side: &str,
    checks: &mut Vec<Check>,
) -> Option<(String, Option<String>)> {
    let me = match client.scim().me().await {
        Ok(me) => me,
        Err(e) => {
            checks.push(Check::fail(
                "connect",
                side,
                format!("cannot read the caller's identity (SCIM Me): {e}"),
                format!("check the {side} host and credentials (profile, token or OAuth client)"),
            ));
            return None;
        }
    };
    let who = me
        .user_name
        .clone()
        .or_else(|| me.display_name.clone())
        .unwrap_or_else(|| "(unknown principal)".into());
    checks.push(Check::pass(
        "connect",
        side,
        format!("connected to {} as {who}", client.host()),
    ));
    let in_admins_by_me = me
        .groups
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|g| g.display.as_deref() == Some("admins"));
    // `Me` may leave out `groups`; the `admins` group's member list is authoritative.
    let admins = client
        .scim()
        .groups()
        .find_eq("displayName", "admins")
        .await
        .unwrap_or_default();
    let admins_id = admins.first().and_then(|g| g.id.clone());
    let admin = in_admins_by_me
        || admins.iter().any(|g| {
            me.id.is_some()
                && g.members
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|m| m.value == me.id)
        });
    if admin {
        checks.push(Check::pass(
            "workspace admin",
            side,
            format!("{who} is in the admins group"),
        ));
    } else {
        checks.push(Check::fail(
            "workspace admin",
            side,
            format!("{who} is not a member of the admins group"),
            format!("use credentials of a workspace admin on the {side} (add {who} to `admins`)"),
        ));
    }
    Some((who, admins_id))
}

/// Every selected kind's own pre-checks ([`kinds::Kind::prechecks`]), run at once.
async fn kind_checks(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    selected: &[Arc<dyn kinds::Kind>],
) -> Result<Vec<Check>, EngineError> {
    let ledger = if Ledger::file(&opts.run_dir).is_file() {
        match Ledger::open(&opts.run_dir, Access::ReadOnly) {
            Ok(l) => l,
            // A ledger that cannot be read: the run cannot resume from it, nor start over it.
            Err(e) => {
                return Ok(vec![Check::fail(
                    "ledger",
                    "both",
                    format!("cannot read the run directory's ledger: {e}"),
                    "restore the run directory, or name another one with --run-dir",
                )]);
            }
        }
    } else {
        Ledger::open_memory()?
    };
    let ctx = Ctx {
        source: source.clone(),
        target: target.clone(),
        opts: Arc::new(opts.clone()),
        ids: IdMap::new(Arc::new(ledger)),
        run_dir: opts.run_dir.clone(),
        cache: Default::default(),
    };
    let per_kind = futures::future::join_all(selected.iter().map(|k| {
        let ctx = &ctx;
        async move {
            // A kind returns its client errors as they are: say which pre-check read what.
            let name = format!("{} pre-check", k.name());
            match k.prechecks(ctx).await {
                Ok(c) => c,
                // An endpoint that is not there (or not for this caller): the check could
                // not run, which says nothing against the run.
                Err(EngineError::Api { source, .. }) if crate::check::could_not_run(&source) => {
                    vec![Check::unknown(
                        &name,
                        "both",
                        format!("pre-checking {}: {source} — not checked", k.name()),
                        "nothing to do before the run; its objects show their outcome in the report",
                    )]
                }
                Err(e) => vec![Check::fail(
                    &name,
                    "both",
                    e.context(|| format!("pre-checking {}", k.name())).to_string(),
                    "check connectivity and rights, then run validate again",
                )],
            }
        }
    }))
    .await;
    Ok(per_kind.into_iter().flatten().collect())
}

/// Each finding once (two kinds may find the same thing: the node types of clusters and of
/// pools), in the order found; under `strict`, warnings made errors.
fn settle(checks: Vec<Check>, strict: bool) -> Vec<Check> {
    let mut seen = std::collections::HashSet::new();
    checks
        .into_iter()
        .filter(|c| seen.insert((c.name.clone(), c.workspace.clone(), c.detail.clone())))
        .map(|c| if strict { c.strict() } else { c })
        .collect()
}

/// Runs the pre-checks. Only fails as a whole when the options are invalid; everything about
/// the workspaces is a [`Check`].
pub async fn validate(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
) -> Result<ValidationReport, EngineError> {
    let table = kinds::all();
    let selected = graph::select(&table, &opts.only, opts.phase)?;
    let mut checks = Vec::new();

    let same_host = match (normalize_host(source.host()), normalize_host(target.host())) {
        (Ok(a), Ok(b)) => a == b,
        _ => source.host() == target.host(),
    };
    if same_host {
        checks.push(Check::fail(
            "distinct workspaces",
            "both",
            format!("source and target are the same workspace ({})", source.host()),
            "name two different workspaces: migrating a workspace onto itself would only duplicate it",
        ));
    } else {
        checks.push(Check::pass(
            "distinct workspaces",
            "both",
            format!("{} → {}", source.host(), target.host()),
        ));
    }

    let source_me = whoami(source, "source", &mut checks).await;
    let target_me = whoami(target, "target", &mut checks).await;
    let mut same = same_host;
    if let (Some((_, Some(a))), Some((_, Some(b)))) = (&source_me, &target_me)
        && a == b
        && !same_host
    {
        same = true;
        checks.push(Check::fail(
            "distinct workspaces",
            "both",
            format!(
                "{} and {} answer with the same workspace (the same `admins` group id {a})",
                source.host(),
                target.host()
            ),
            "name two different workspaces: these two hosts are one workspace",
        ));
    }
    let source_principal = source_me.map(|(w, _)| w);
    let target_principal = target_me.map(|(w, _)| w);

    if source_principal.is_some() && target_principal.is_some() && !same {
        checks.extend(kind_checks(source, target, opts, &selected).await?);
    }
    let checks = settle(checks, opts.strict);
    Ok(ValidationReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        source_principal,
        target_principal,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_finding_is_listed_once_and_strict_makes_warnings_errors() {
        let warn = || Check::warn("cluster node types", "target", "lacks x", "map it");
        let checks = vec![warn(), Check::pass("connect", "source", "ok"), warn()];
        let settled = settle(checks.clone(), false);
        assert_eq!(settled.len(), 2, "{settled:#?}");
        assert!(settled.iter().all(|c| c.ok));
        let strict = settle(checks, true);
        assert_eq!(strict.len(), 2);
        assert_eq!(strict[0].severity, Severity::Error);
        assert!(!strict[0].ok && strict[0].blocks(false));
        assert_eq!(strict[1].severity, Severity::Pass);
    }
}
