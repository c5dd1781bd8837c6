//! Request extractors that read bodies and query strings the way the real service does.
//!
//! The real workspace parses a body as JSON whatever its `Content-Type` (the legacy CLI sends
//! `text/json`, Terraform sends `application/scim+json`), treats an empty body as `{}`, and
//! accepts the SDKs' flattened query strings (`filter_by.cluster_states=A&filter_by.cluster_states=B`,
//! booleans as `true`/`false`). Handlers use [`JsonBody`] and [`QueryMap`] instead of axum's
//! `Json`/`Query`, whose rejections are plain text and would not match the platform's error shape.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// A JSON request body, parsed whatever the `Content-Type`; an empty body reads as `{}`.
///
/// Bad JSON answers 400 `MALFORMED_REQUEST`, like the real service.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::malformed(format!("Could not read the request body: {e}")))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses a body as JSON the way [`JsonBody`] does (empty or blank = `{}`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    // match cloud behaviour: an empty body is an empty object, not an error.
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|e| {
        ApiError::malformed(format!(
            "Invalid JSON given in the body of the request - {e}"
        ))
    })
}

/// The query string as a multimap: every key with all its values, in order.
///
/// Keys are kept flat (`filter_by.cluster_states`); [`QueryMap::all`] returns every value of a
/// repeated key. Never rejects a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMap(pub BTreeMap<String, Vec<String>>);

impl QueryMap {
    /// Parses a raw (still percent-encoded) query string.
    pub fn parse(raw: &str) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            map.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        QueryMap(map)
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.first()).map(String::as_str)
    }

    /// The first value of `key`, owned; `None` when absent or empty.
    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).filter(|s| !s.is_empty()).map(str::to_string)
    }

    /// The first value of `key`, or a 400 naming the missing parameter.
    pub fn required(&self, key: &str) -> ApiResult<&str> {
        self.get(key)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("Missing required field: {key}")))
    }

    /// Every value of `key` (a repeated key, or a comma-separated single value).
    pub fn all(&self, key: &str) -> Vec<&str> {
        match self.0.get(key) {
            None => Vec::new(),
            Some(vals) => vals
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }

    /// Whether `key` is present at all.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// `key` as a boolean (`true`/`false`, any case, also `1`/`0`); 400 if it is something else.
    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(format!(
                "Invalid value '{v}' for parameter {key}: expected true or false"
            ))),
        }
    }

    /// `key` as a signed integer; 400 if it is not one.
    pub fn i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                ApiError::invalid(format!(
                    "Invalid value '{v}' for parameter {key}: expected an integer"
                ))
            }),
        }
    }

    /// Every key that starts with `prefix.`, with the prefix removed (`filter_by.` → `cluster_states`).
    pub fn nested(&self, prefix: &str) -> QueryMap {
        let dotted = format!("{prefix}.");
        QueryMap(
            self.0
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(&dotted)
                        .map(|rest| (rest.to_string(), v.clone()))
                })
                .collect(),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryMap::parse(parts.uri.query().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_keys_and_repeats() {
        let q = QueryMap::parse(
            "filter_by.cluster_states=RUNNING&filter_by.cluster_states=PENDING&filter_by.is_pinned=true&path=%2FUsers%2Fa%20b",
        );
        assert_eq!(
            q.all("filter_by.cluster_states"),
            vec!["RUNNING", "PENDING"]
        );
        assert_eq!(q.nested("filter_by").bool("is_pinned").unwrap(), Some(true));
        assert_eq!(q.get("path"), Some("/Users/a b"));
        assert!(q.bool("path").is_err());
        assert_eq!(q.i64("nope").unwrap(), None);
    }

    #[test]
    fn empty_body_is_empty_object() {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct B {
            x: Option<i64>,
        }
        let b: B = parse_json(b"").unwrap();
        assert_eq!(b.x, None);
        let e = parse_json::<B>(b"{nope").err().unwrap();
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// The field name (`name="…"`).
    pub name: String,
    /// The part's bytes.
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Splits a `multipart/form-data` body (the SDKs' workspace upload) into its parts.
pub fn parse_multipart(body: &[u8], boundary: &str) -> ApiResult<Vec<FormPart>> {
    let bad = || ApiError::malformed("The multipart/form-data body is malformed.");
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, &delim, 0).ok_or_else(bad)? + delim.len();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        // Skip the CRLF after the delimiter, then read headers up to the blank line.
        let head_start = find(body, b"\r\n", pos).ok_or_else(bad)? + 2;
        let head_end = find(body, b"\r\n\r\n", head_start).ok_or_else(bad)?;
        let headers = String::from_utf8_lossy(&body[head_start..head_end]);
        let data_start = head_end + 4;
        let mut end_delim = b"\r\n".to_vec();
        end_delim.extend_from_slice(&delim);
        let data_end = find(body, &end_delim, data_start).ok_or_else(bad)?;
        let name = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .and_then(|l| {
                let i = l.find("name=\"")? + 6;
                let rest = &l[i..];
                rest.find('"').map(|j| rest[..j].to_string())
            })
            .unwrap_or_default();
        parts.push(FormPart {
            name,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + end_delim.len();
    }
}

#[cfg(test)]
mod multipart_tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n/a/b\r\n--XyZ\r\nContent-Disposition: form-data; name=\"content\"; filename=\"content\"\r\nContent-Type: application/octet-stream\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n";
        let b = multipart_boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = parse_multipart(body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0],
            FormPart {
                name: "path".into(),
                data: b"/a/b".to_vec()
            }
        );
        assert_eq!(parts[1].data, b"line1\r\nline2");
        assert!(multipart_boundary("application/json").is_none());
    }
}
