//! `brickport validate`: the pre-check. Who am I on each workspace, am I an admin there, are
//! they two different workspaces. Nothing is written.
//!
//! A workspace that cannot be reached or rejects the credentials is an error (exit 2: nothing
//! could be checked); a check that does not hold (not an admin) is a result (exit 1).

use anyhow::{Context, Result};
use brickport_api::WorkspaceClient;
use serde_json::{Value, json};

use crate::connect::{self, Pair};
use crate::output::Outcome;
use crate::settings::Settings;

/// One line of the pre-check.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it holds.
    pub ok: bool,
    /// What was found (and, when it fails, what to do).
    pub detail: String,
}

/// What a workspace says about the caller.
#[derive(Debug, Clone)]
struct Identity {
    user: String,
    admin: bool,
}

async fn whoami(client: &WorkspaceClient) -> Result<Identity> {
    let me = client.scim().me().await?;
    let user = me
        .user_name
        .clone()
        .or(me.display_name.clone())
        .unwrap_or_else(|| "(unnamed principal)".into());
    // match cloud behaviour: workspace admins are the members of the built-in `admins` group,
    // which SCIM Me lists among the caller's groups.
    let admin = me
        .groups
        .iter()
        .flatten()
        .any(|g| g.display.as_deref() == Some("admins"));
    Ok(Identity { user, admin })
}

/// Runs the pre-check against both workspaces.
pub async fn checks(pair: &Pair) -> Result<(Vec<Check>, Value)> {
    let (source, target) = tokio::join!(whoami(&pair.source), whoami(&pair.target));
    let source = source.context("source workspace")?;
    let target = target.context("target workspace")?;
    let mut checks = Vec::new();
    for (side, id, client) in [
        ("source", &source, &pair.source),
        ("target", &target, &pair.target),
    ] {
        checks.push(Check {
            name: format!("{side} reachable"),
            ok: true,
            detail: format!("{} answers as {}", client.host(), id.user),
        });
        checks.push(Check {
            name: format!("{side} admin"),
            ok: id.admin,
            detail: if id.admin {
                format!("{} is a workspace admin", id.user)
            } else {
                format!(
                    "{} is not a workspace admin on {}: use the credentials of a member of the \
                     `admins` group",
                    id.user,
                    client.host()
                )
            },
        });
    }
    checks.push(Check {
        name: "distinct workspaces".into(),
        ok: true,
        detail: format!("{} -> {}", pair.source.host(), pair.target.host()),
    });
    let who = |id: &Identity, client: &WorkspaceClient| json!({ "host": client.host(), "user": id.user, "admin": id.admin });
    let workspaces = json!({
        "source": who(&source, &pair.source),
        "target": who(&target, &pair.target),
    });
    Ok((checks, workspaces))
}

/// `brickport validate`.
pub async fn run(settings: &Settings) -> Result<Outcome> {
    let pair = connect::pair(settings)?;
    let (checks, workspaces) = self::checks(&pair).await?;
    Ok(outcome(&checks, workspaces))
}

/// The checks as an [`Outcome`]: success when every check holds.
pub fn outcome(checks: &[Check], workspaces: Value) -> Outcome {
    let ok = checks.iter().all(|c| c.ok);
    let mut text = String::new();
    for c in checks {
        text.push_str(&format!(
            "{} {:<20} {}\n",
            if c.ok { "ok  " } else { "FAIL" },
            c.name,
            c.detail
        ));
    }
    text.push_str(if ok {
        "all checks pass\n"
    } else {
        "some checks fail: fix them and run `brickport validate` again\n"
    });
    let json = json!({
        "ok": ok,
        "source": workspaces["source"],
        "target": workspaces["target"],
        "checks": checks
            .iter()
            .map(|c| json!({ "name": c.name, "ok": c.ok, "detail": c.detail }))
            .collect::<Vec<_>>(),
    });
    Outcome {
        success: ok,
        json,
        text,
    }
}
