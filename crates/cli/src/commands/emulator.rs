//! `brickport emulator`: one emulated workspace on a local port, until Ctrl-C or SIGTERM.
//!
//! The flags map one to one onto `EmulatorOptions`, through the emulator's own parsers, so the
//! command line and the library cannot disagree on a format. The URL is the first line on
//! stdout (scripts read it to learn the port when `--port 0`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result};
use brickport_emulator::options::parse_duration;
use brickport_emulator::{
    Cloud, EmulatorOptions, FaultSpec, Latency, OAuthClient, RateLimitSpec, SeedSpec, TokenSpec,
};
use serde_json::json;

use crate::cli::{EmulatorArgs, OutputFormat};
use crate::output::Outcome;
use crate::signals::wait_for_stop;

/// Turns the flags into emulator options (no I/O).
pub fn options(args: &EmulatorArgs) -> Result<EmulatorOptions> {
    let ip: IpAddr = args.host.parse().with_context(|| {
        format!(
            "--host {:?} is not an IP address: use 127.0.0.1 (the default) or an address of this machine",
            args.host
        )
    })?;
    Ok(EmulatorOptions {
        addr: SocketAddr::new(ip, args.port),
        tokens: args
            .tokens
            .iter()
            .map(|t| TokenSpec::parse(t))
            .collect::<Result<_, _>>()?,
        oauth_clients: args
            .oauth_clients
            .iter()
            .map(|c| OAuthClient::parse(c))
            .collect::<Result<_, _>>()?,
        seed: SeedSpec::parse(&args.seed)?,
        id_seed: args.id_seed.unwrap_or_else(fresh_seed),
        latency: Latency::parse(&args.latency)?,
        rate_limits: RateLimitSpec::parse(&args.rate_limits)?,
        retry_after: !args.no_retry_after,
        faults: FaultSpec::parse(&args.faults)?,
        fault_seed: args.fault_seed,
        state_file: args.state.clone(),
        cluster_start_delay: parse_duration("--cluster-start-delay", &args.cluster_start_delay)?,
        scim_visibility_delay: parse_duration(
            "--scim-visibility-delay",
            &args.scim_visibility_delay,
        )?,
        permissions_disabled: args.permissions_disabled,
        job_creations_per_hour: args.job_creations_per_hour,
        cloud: Cloud::parse(&args.cloud)?,
        ..EmulatorOptions::default()
    })
}

/// A seed that differs between two starts (clock and process id): not for security, only so
/// that two emulators started side by side do not share ids.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Serves until Ctrl-C or SIGTERM, then stops cleanly (saving `--state`).
pub async fn run(args: &EmulatorArgs, output: OutputFormat) -> Result<Outcome> {
    let opts = options(args)?;
    if !opts.addr.ip().is_loopback() {
        tracing::warn!(
            "the emulator listens on {}: anyone who can reach this address can use it",
            opts.addr
        );
    }
    let emulator = brickport_emulator::start(opts).await?;
    {
        let mut out = std::io::stdout().lock();
        match output {
            OutputFormat::Text => writeln!(out, "{}", emulator.url()),
            OutputFormat::Json => writeln!(out, "{}", json!({ "url": emulator.url() })),
        }
        .and_then(|()| out.flush())
        .context("cannot write the URL to stdout")?;
    }
    eprintln!("emulator serving {} — stop it with Ctrl-C", emulator.url());
    wait_for_stop().await?;
    emulator.shutdown().await?;
    Ok(Outcome::printed())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn args(line: &[&str]) -> EmulatorArgs {
        let cli = Cli::try_parse_from(line).expect("parses");
        match cli.command {
            Command::Emulator(a) => a,
            other => panic!("not the emulator: {other:?}"),
        }
    }

    #[test]
    fn cloud_flag_defaults_to_aws_and_refuses_unknown_clouds() {
        let opts = options(&args(&["brickport", "emulator"])).unwrap();
        assert_eq!(opts.cloud, Cloud::Aws);
        let opts = options(&args(&["brickport", "emulator", "--cloud", "azure"])).unwrap();
        assert_eq!(opts.cloud, Cloud::Azure);
        let err = options(&args(&["brickport", "emulator", "--cloud", "oci"])).unwrap_err();
        assert!(err.to_string().contains("--cloud"), "{err}");
    }
}
