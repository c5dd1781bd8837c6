//! Stopping on Ctrl-C or SIGTERM: the emulator and the demo serve until one arrives; a run
//! (`migrate`, `rollback`) is dropped where it stands and the process exits 130 with
//! [`Interrupted`] — the ledger's intents make the next run of the command resume with no
//! duplicate.

use std::future::Future;

use anyhow::{Context, Result};

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn wait_for_stop() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}

/// `work`'s result, or [`Interrupted`] when Ctrl-C or SIGTERM comes first (`work` is dropped
/// then, which stops it at once). `command` is what to run again to resume (`migrate`).
pub async fn unless_stopped<T, E>(
    command: &'static str,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T>
where
    E: Into<anyhow::Error>,
{
    tokio::select! {
        r = work => r.map_err(Into::into),
        stop = wait_for_stop() => {
            stop?;
            Err(Interrupted { command: command.to_string(), done: None }.into())
        }
    }
}

/// A run stopped by Ctrl-C or SIGTERM (exit 130).
#[derive(Debug, thiserror::Error)]
#[error(
    "stopped: {}; re-run `brickport {command}` to continue (the ledger prevents duplicates)",
    self.done.map_or("the run stopped where it was".to_string(), |n| format!("{n} objects done"))
)]
pub struct Interrupted {
    /// The command to run again (`migrate --resume`).
    pub command: String,
    /// How many objects were done when it stopped, when counted.
    pub done: Option<u64>,
}

impl Interrupted {
    /// The command line that continues the run: the error's fix.
    pub fn fix(&self) -> String {
        format!("brickport {}", self.command)
    }
}

/// An [`Interrupted`] in `err` told what to re-run (`command`) and how far the run got
/// (`done` objects); any other error as it is.
pub fn resumable(err: anyhow::Error, command: String, done: u64) -> anyhow::Error {
    match err.downcast::<Interrupted>() {
        Ok(_) => Interrupted {
            command,
            done: Some(done),
        }
        .into(),
        Err(other) => other,
    }
}
