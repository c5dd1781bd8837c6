//! From `argv` to a [`Cli`]: clap's parse, with the workspace flags kept off the commands that
//! do not use them, and a bad command line told in one line that keeps clap's suggestion and
//! list of choices (`tip: a similar subcommand exists: 'migrate'`, `[possible values: …]`).
//!
//! The workspace flags are global in [`Cli`] (`brickport --source-profile a migrate` and
//! `brickport migrate --source-profile a` both work), so clap would show them on every
//! command; `emulator`, `init` and `demo` get their own hidden copy instead (clap does not
//! propagate a global flag to a command that has one of the same id), which is refused when
//! given there.

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, OutputFormat};
use crate::output;

/// The global flags each command has no use for (ids of [`crate::cli::GlobalArgs`]).
const UNUSED: [(&str, &[&str]); 3] = [
    (
        "emulator",
        &["source_profile", "target_profile", "config", "run_dir"],
    ),
    ("init", &["config", "run_dir"]),
    ("demo", &["source_profile", "target_profile", "config"]),
];

/// The clap command: [`Cli`]'s, with the [`UNUSED`] flags hidden where they are unused.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for (sub, ids) in UNUSED {
        let copies: Vec<clap::Arg> = ids
            .iter()
            .filter_map(|id| cmd.get_arguments().find(|a| a.get_id() == id).cloned())
            .map(|a| a.global(false).hide(true))
            .collect();
        cmd = cmd.mut_subcommand(sub, |sc| sc.args(copies));
    }
    cmd
}

/// Parses the command line; bad usage is one line and exit 2 like every other error (on
/// stdout as `{"ok": false, …}` with `--output json`); `--help` and `--version` print as usual.
pub fn parse() -> Result<Cli, u8> {
    let matches = match command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return Err(usage_error(&e)),
    };
    if let Some((sub, sub_matches)) = matches.subcommand()
        && let Some((_, ids)) = UNUSED.iter().find(|(name, _)| *name == sub)
        && let Some(id) = ids
            .iter()
            .find(|id| sub_matches.value_source(id) == Some(ValueSource::CommandLine))
    {
        let flag = format!("--{}", id.replace('_', "-"));
        output::print_error(
            json_asked(),
            &format!("`brickport {sub}` does not take {flag}"),
            Some(&format!("see `brickport {sub} --help`")),
        );
        return Err(2);
    }
    Cli::from_arg_matches(&matches).map_err(|e| usage_error(&e))
}

/// Prints a clap error: help and version as clap does; anything else as one line.
fn usage_error(e: &clap::Error) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            2
        }
        _ => {
            let (message, fix) = one_line(&e.to_string());
            output::print_error(json_asked(), &message, fix.as_deref());
            2
        }
    }
}

/// clap's error text → the error line (with the list of choices, if any) and the fix: its
/// tip, or where to read the usage. The usage block clap appends is left out.
fn one_line(text: &str) -> (String, Option<String>) {
    let mut message = String::new();
    let mut tips = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if let Some(tip) = line.strip_prefix("tip:") {
            tips.push(tip.trim().to_string());
        } else if message.is_empty() {
            message = line
                .strip_prefix("error:")
                .unwrap_or(line)
                .trim()
                .to_string();
        } else {
            message.push(' ');
            message.push_str(line);
        }
    }
    if message.is_empty() {
        message = "invalid command line".into();
    }
    let fix = match tips.is_empty() {
        true => "see `brickport --help`".to_string(),
        false => tips.join("; "),
    };
    (message, Some(fix))
}

/// Whether `--output json` is on the command line: read from `argv` itself, since an error
/// may come before (or instead of) a parsed [`Cli`].
pub fn json_asked() -> OutputFormat {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().enumerate().any(|(i, a)| {
        a == "--output=json" || (a == "--output" && args.get(i + 1).is_some_and(|v| v == "json"))
    });
    match json {
        true => OutputFormat::Json,
        false => OutputFormat::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_clap_error_keeps_its_choices_and_its_tip_and_drops_the_usage() {
        let text = "error: invalid value 'overwite' for '--conflict <CONFLICT>'\n  [possible \
                    values: skip, overwrite, fail, report]\n\n  tip: a similar value exists: \
                    'overwrite'\n\nUsage: brickport migrate [OPTIONS]\n\nFor more information, \
                    try '--help'.\n";
        let (message, fix) = one_line(text);
        assert_eq!(
            message,
            "invalid value 'overwite' for '--conflict <CONFLICT>' [possible values: skip, \
             overwrite, fail, report]"
        );
        assert_eq!(fix.as_deref(), Some("a similar value exists: 'overwrite'"));
    }
}
