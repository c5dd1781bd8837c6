//! Transport failures (no HTTP answer) turned into sentences a user can act on.
//!
//! A failure to connect is told apart from a failure after the request went out, because
//! only the former is safe to retry for a write. Among connect failures, DNS and TLS errors
//! are permanent (retrying will not fix a typo or a proxy), while a refused connection may be
//! a workspace restarting.

/// What happened to a request that got no answer.
pub(crate) enum Failure {
    /// The connection was never established: nothing reached the server.
    NotConnected {
        /// A sentence naming the host, the cause and what to check.
        message: String,
        /// DNS/TLS failures: retrying will not help.
        permanent: bool,
    },
    /// The request went out (or may have) and the answer never came.
    Lost {
        /// A short phrase: "timed out", "connection reset by the server", …
        detail: String,
    },
}

/// Classifies a reqwest error for a request to `host`.
pub(crate) fn classify(host: &str, e: &reqwest::Error) -> Failure {
    if !e.is_connect() {
        return Failure::Lost {
            detail: describe_transport(e),
        };
    }
    if is_dns(e) {
        let message = format!(
            "cannot resolve the host of {host}: {} — check the host name for typos and your \
             network/DNS",
            innermost(e)
        );
        return Failure::NotConnected {
            message,
            permanent: true,
        };
    }
    if is_tls(e) {
        let message = format!(
            "TLS failure talking to {host}: {} — check that the host is a Databricks workspace \
             and that no proxy intercepts TLS",
            innermost(e)
        );
        return Failure::NotConnected {
            message,
            permanent: true,
        };
    }
    let message = format!(
        "cannot connect to {host}: {} — check the host and that the workspace is reachable",
        describe_transport(e)
    );
    Failure::NotConnected {
        message,
        permanent: false,
    }
}

/// The innermost cause of a transport error (the most specific text).
pub(crate) fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = err.source();
    }
    None
}

fn is_dns(e: &reqwest::Error) -> bool {
    let text = chain_text(e).to_ascii_lowercase();
    text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
}

/// A TLS failure while connecting. rustls reports its errors inside an `io::Error` of kind
/// `InvalidData` ("received corrupt message", "invalid peer certificate", …), so that kind on
/// an https connection is taken as TLS too.
fn is_tls(e: &reqwest::Error) -> bool {
    let text = chain_text(e).to_ascii_lowercase();
    let https = e.url().is_some_and(|u| u.scheme() == "https");
    text.contains("certificate")
        || text.contains("tls")
        || text.contains("handshake")
        || (https && {
            let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
            let mut invalid_data = false;
            while let Some(err) = current {
                // An io::Error's `source()` skips its own payload, so look inside it too.
                let io = err.downcast_ref::<std::io::Error>();
                let inner = io
                    .and_then(|io| io.get_ref())
                    .and_then(|i| i.downcast_ref::<std::io::Error>());
                invalid_data |= [io, inner]
                    .iter()
                    .flatten()
                    .any(|io| io.kind() == std::io::ErrorKind::InvalidData);
                current = err.source();
            }
            invalid_data
        })
}

fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut current = e.source();
    while let Some(err) = current {
        out.push_str(": ");
        out.push_str(&err.to_string());
        current = err.source();
    }
    out
}

/// A short phrase for a transport failure: "connection refused", "timed out", ….
pub(crate) fn describe_transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    match io_kind(e) {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".into(),
        Some(std::io::ErrorKind::ConnectionReset) => "connection reset by the server".into(),
        Some(std::io::ErrorKind::ConnectionAborted) => "connection aborted".into(),
        Some(std::io::ErrorKind::TimedOut) => "timed out".into(),
        Some(std::io::ErrorKind::UnexpectedEof) => "connection closed before the answer".into(),
        _ => innermost(e),
    }
}
