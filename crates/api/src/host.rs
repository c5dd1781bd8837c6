//! Workspace host normalisation: scheme, loopback-only plain http, trailing slashes.
//!
//! A host given without a scheme is `https://`. Plain `http://` is accepted only for loopback
//! addresses (127.0.0.0/8, `localhost`, `[::1]`), which is where the emulator runs: a token
//! sent in clear text to any other host could be read on the way, so it is refused.

use crate::ApiError;

/// Normalises a workspace host to `scheme://host[:port]` (no path, no trailing slash).
///
/// ```
/// assert_eq!(brickport_api::normalize_host("adb-1.2.azuredatabricks.net/").unwrap(),
///            "https://adb-1.2.azuredatabricks.net");
/// assert!(brickport_api::normalize_host("http://example.com").is_err());
/// ```
pub fn normalize_host(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ApiError::Config(
            "the workspace host is empty — give a URL such as https://adb-123.4.azuredatabricks.net"
                .into(),
        ));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        ApiError::Config(format!(
            "the workspace host `{trimmed}` is not a valid URL ({e}) — give a URL such as \
             https://adb-123.4.azuredatabricks.net"
        ))
    })?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(ApiError::Config(format!(
            "the workspace host `{trimmed}` has no host name"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(ApiError::Config(format!(
                "refusing plain http for `{trimmed}`: the token would travel unencrypted — use \
                 https:// (plain http is allowed only for loopback hosts such as 127.0.0.1, used \
                 by the emulator)"
            )));
        }
        other => {
            return Err(ApiError::Config(format!(
                "the workspace host `{trimmed}` has scheme `{other}` — use https://"
            )));
        }
    }
    let mut out = format!("{}://{}", url.scheme(), host);
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    Ok(out)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_host;

    #[test]
    fn normalises() {
        assert_eq!(
            normalize_host("example.cloud.databricks.com").unwrap(),
            "https://example.cloud.databricks.com"
        );
        assert_eq!(normalize_host("https://x.com///").unwrap(), "https://x.com");
        assert_eq!(
            normalize_host("http://127.0.0.5:8080/").unwrap(),
            "http://127.0.0.5:8080"
        );
        assert_eq!(
            normalize_host("http://localhost:1").unwrap(),
            "http://localhost:1"
        );
        assert_eq!(normalize_host("http://[::1]:9").unwrap(), "http://[::1]:9");
        let err = normalize_host("http://x.com").unwrap_err().to_string();
        assert!(err.contains("refusing plain http"), "{err}");
        assert!(normalize_host("ftp://x.com").is_err());
        assert!(normalize_host("  ").is_err());
    }
}
