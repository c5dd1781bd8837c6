//! `brickport init`: writes a commented example `brickport.toml`.
//!
//! The example is the documentation of the file format: every key appears, commented out
//! where its default is right. It is parsed back in a test so it can never drift from what
//! `config` accepts.

use std::io::Write;

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::cli::InitArgs;
use crate::output::Outcome;

/// The example config; `{source}` and `{target}` are profile names.
const TEMPLATE: &str = r#"# brickport configuration. Every key is optional; command-line flags override it.
# Docs: README.md ("Configuration"). Unknown keys are an error, so typos cannot go unnoticed.
# (TOML: plain keys must come before the first [section].)

# Kinds to migrate (default: all of them, in dependency order).
{kinds}

# Workspace paths to migrate (prefixes; default: everything) and to leave behind.
# include = ["/Users/", "/Shared/"]
# exclude = ["/Shared/scratch/"]

# Where the ledger, backups and reports go (default: ./brickport-runs/<source>-to-<target>/).
# run_dir = "./brickport-runs/prod-to-dr"

# An object that already exists in the target and differs from the source:
# report (leave it, list it as a conflict), skip (leave it, count it as skipped),
# overwrite (make it equal to the source), fail (count it as failed).
# conflict = "report"

# Value written into target secrets (and the non-URL write-only parts of notification
# destinations) whose real value was not supplied with `migrate --secret-values FILE`
# (the API cannot read them back).
# secret_placeholder = "MIGRATED_PLACEHOLDER"

# Objects migrated at the same time, across all kinds.
# concurrency = 128

# Stop at the first object that fails (default: log it, skip its dependents, go on).
# fail_fast = false

# The workspaces. Name each one by a ~/.databrickscfg profile (recommended) ...
[source]
profile = "{source}"

[target]
profile = "{target}"
# ... or by host, with credentials taken from environment variables. Tokens never go in
# this file (it is refused):
#   host = "https://adb-1234567890123456.7.azuredatabricks.net"
#   token_env = "TARGET_DATABRICKS_TOKEN"        # a personal access token, or OAuth M2M:
#   client_id = "00000000-0000-0000-0000-000000000000"
#   client_secret_env = "TARGET_CLIENT_SECRET"

# Request budgets per API family: requests per second and requests in flight (defaults are
# conservative, from the published limits). Families: scim, clusters, pools, policies, jobs,
# workspace, permissions, secrets, sql, repos, notification_destinations, pipelines, other.
# [throttle.scim]
# rps = 10
# concurrency = 4
#
# [throttle.permissions]
# rps = 20
# concurrency = 4
"#;

/// The example text with the given profile names filled in, and the engine's kinds listed.
pub fn template(source: &str, target: &str) -> String {
    TEMPLATE
        .replace("{source}", source)
        .replace("{target}", target)
        .replace("{kinds}", &kinds_line())
}

/// `# kinds = [...]`, wrapped, with every kind the engine knows (so the example never names a
/// kind that does not exist).
fn kinds_line() -> String {
    let mut out = String::from("# kinds = [");
    let mut line_len = out.len();
    let names = brickport_engine::kind_names();
    for (i, name) in names.iter().enumerate() {
        let item = format!("\"{name}\"{}", if i + 1 < names.len() { ", " } else { "]" });
        if line_len + item.len() > 92 {
            out.truncate(out.trim_end().len());
            out.push_str("\n#          ");
            line_len = 12;
        }
        out.push_str(&item);
        line_len += item.len();
    }
    out
}

/// Writes the example to `args.path`, unless a file is there and `--force` is absent.
pub fn run(args: &InitArgs, source: Option<&str>, target: Option<&str>) -> Result<Outcome> {
    let text = template(source.unwrap_or("source"), target.unwrap_or("target"));
    let path = &args.path;
    if path.exists() && !args.force {
        bail!(
            "{} already exists: edit it, or pass --force to replace it with the example",
            path.display()
        );
    }
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    if args.force {
        open.create(true).truncate(true);
    } else {
        // Atomic with the check above: never clobber a file created in between.
        open.create_new(true);
    }
    let mut file = open
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Outcome {
        success: true,
        json: json!({ "written": path.display().to_string() }).into(),
        text: format!("wrote {}: {}\n", path.display(), next_step(source, target)),
    })
}

/// What the user still has to do: only the profiles not given on the command line need
/// setting (the others were just written into the file).
fn next_step(source: Option<&str>, target: Option<&str>) -> String {
    match (source, target) {
        (Some(s), Some(t)) => {
            format!("source profile `{s}`, target profile `{t}`; next, run `brickport validate`")
        }
        (Some(s), None) => {
            format!("source profile `{s}`; set the [target] profile, then run `brickport validate`")
        }
        (None, Some(t)) => {
            format!("target profile `{t}`; set the [source] profile, then run `brickport validate`")
        }
        (None, None) => {
            "set the [source] and [target] profiles, then run `brickport validate`".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_template_parses_back() {
        let text = super::template("prod", "dr");
        let file = crate::config::parse(Path::new("brickport.toml"), &text).unwrap();
        assert_eq!(file.source.unwrap().profile.as_deref(), Some("prod"));
        assert_eq!(file.target.unwrap().profile.as_deref(), Some("dr"));
        // And with every commented-out key switched on (host/token_env replace profile).
        let all: String = text
            .lines()
            .filter(|l| !l.starts_with("profile = \"dr\""))
            .map(|l| {
                let uncommented = l.strip_prefix("# ").unwrap_or(l);
                let uncommented = uncommented.strip_prefix("#   ").unwrap_or(uncommented);
                let looks_like_toml = uncommented.starts_with('[')
                    || uncommented.contains(" = ")
                    || uncommented.starts_with("  ");
                if looks_like_toml
                    && !uncommented.contains("Docs:")
                    && !uncommented.contains("(TOML")
                {
                    uncommented
                } else {
                    ""
                }
                .to_string()
                    + "\n"
            })
            .collect();
        let file = crate::config::parse(Path::new("brickport.toml"), &all)
            .unwrap_or_else(|e| panic!("{e}\n{all}"));
        assert_eq!(file.throttle.len(), 2);
        assert!(file.target.unwrap().host.is_some());
        assert_eq!(
            file.kinds.unwrap().len(),
            brickport_engine::kind_names().len()
        );
    }
}
