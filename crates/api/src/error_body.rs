//! Parsing of every error-body shape the platform returns (reference §2.1) into
//! `(error_code, message)`.
//!
//! Shapes: standard `{"error_code", "message"}` (the code may be a number), legacy
//! `{"error": "…"}`, SCIM `{"detail", "status", "scimType"}` (→ `SCIM_<status>`), plain text
//! `CODE: message`, and HTML pages (message from `<pre>` or `<title>`). Whatever the shape,
//! the caller gets a code and a message; unknown shapes fall back to the HTTP reason phrase.

use serde_json::Value;

/// The code and message extracted from an error answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedError {
    pub error_code: String,
    pub message: String,
}

/// Parses an error body. `reason` is the `X-Databricks-Reason-Phrase` header when present.
pub(crate) fn parse_error_body(status: u16, body: &[u8], reason: Option<&str>) -> ParsedError {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed)
        && let Some(parsed) = from_json(status, &map)
    {
        return parsed;
    }
    if looks_like_html(trimmed) {
        let message = tag_text(trimmed, "pre")
            .or_else(|| tag_text(trimmed, "title"))
            .unwrap_or_else(|| reason_phrase(status).to_string());
        return ParsedError {
            error_code: code_from_reason(status),
            message,
        };
    }
    if let Some((code, message)) = trimmed.split_once(": ")
        && !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return ParsedError {
            error_code: code.to_string(),
            message: message.trim().to_string(),
        };
    }
    let message = if !trimmed.is_empty() {
        truncate(trimmed, 500)
    } else if let Some(reason) = reason {
        reason.to_string()
    } else {
        reason_phrase(status).to_string()
    };
    ParsedError {
        error_code: code_from_reason(status),
        message,
    }
}

fn from_json(status: u16, map: &serde_json::Map<String, Value>) -> Option<ParsedError> {
    let is_scim = map
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|v| v.as_str().is_some_and(|s| s.ends_with(":Error")))
        })
        || (map.contains_key("detail") && map.contains_key("status"));
    if is_scim {
        let scim_status = match map.get("status") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => status.to_string(),
        };
        let detail = map
            .get("detail")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // match SDKs: detail "null" means the SCIM service failed internally.
        let detail = if detail == "null" {
            "SCIM API Internal Error"
        } else {
            detail
        };
        let message = match map.get("scimType").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => format!("{t} {detail}"),
            _ => detail.to_string(),
        };
        return Some(ParsedError {
            error_code: format!("SCIM_{scim_status}"),
            message,
        });
    }
    let code = match map.get("error_code") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let message = map
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| map.get("error").and_then(Value::as_str))
        .map(str::to_string);
    match (code, message) {
        (None, None) => None,
        (code, message) => Some(ParsedError {
            error_code: code.unwrap_or_else(|| code_from_reason(status)),
            message: message.unwrap_or_else(|| reason_phrase(status).to_string()),
        }),
    }
}

fn looks_like_html(text: &str) -> bool {
    let lower = text
        .get(..text.len().min(200))
        .unwrap_or(text)
        .to_ascii_lowercase();
    lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<head")
}

/// Text inside the first `<tag>…</tag>`, with inner tags removed.
fn tag_text(html: &str, tag: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find(&format!("<{tag}"))?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find(&format!("</{tag}>"))?;
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!out.is_empty()).then_some(out)
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// An error code derived from the HTTP status, as the SDKs do for bodies without one.
fn code_from_reason(status: u16) -> String {
    reason_phrase(status).to_ascii_uppercase().replace(' ', "_")
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(status: u16, body: &str) -> (String, String) {
        let e = parse_error_body(status, body.as_bytes(), None);
        (e.error_code, e.message)
    }

    #[test]
    fn all_shapes() {
        assert_eq!(
            p(
                404,
                r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Path (/x) doesn't exist."}"#
            ),
            (
                "RESOURCE_DOES_NOT_EXIST".into(),
                "Path (/x) doesn't exist.".into()
            )
        );
        assert_eq!(
            p(400, r#"{"error":"bad thing"}"#),
            ("BAD_REQUEST".into(), "bad thing".into())
        );
        assert_eq!(
            p(
                409,
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User exists","status":"409","scimType":"uniqueness"}"#
            ),
            ("SCIM_409".into(), "uniqueness User exists".into())
        );
        assert_eq!(
            p(400, "INVALID_STATE: nope"),
            ("INVALID_STATE".into(), "nope".into())
        );
        assert_eq!(
            p(
                403,
                "<html><head><title>Error 403 Invalid access token.</title></head><body><pre>Invalid access token.</pre></body></html>"
            ),
            ("FORBIDDEN".into(), "Invalid access token.".into())
        );
        assert_eq!(
            p(
                403,
                r#"{"error_code":403,"message":"Invalid access token."}"#
            ),
            ("403".into(), "Invalid access token.".into())
        );
        assert_eq!(p(502, ""), ("BAD_GATEWAY".into(), "Bad Gateway".into()));
    }
}
