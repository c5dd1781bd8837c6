//! The bodies of one exchange: a request's JSON encoded, a success answer's bytes decoded
//! into their type (straight from the bytes, naming the failing JSON path).

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// `body` as the JSON bytes of a request `method url`.
pub(crate) fn encode(
    method: &Method,
    url: &str,
    body: &(impl Serialize + ?Sized),
) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| {
        ApiError::decode(
            &format!("{method} {url}"),
            "(request body)",
            format!("cannot encode: {e}"),
        )
    })
}

/// A success answer's body, read as JSON whatever its Content-Type (empty ⇒ `{}`).
pub(crate) struct Body {
    pub(crate) request: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) content_type: String,
}

impl Body {
    fn text(&self) -> &[u8] {
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.bytes
        }
    }

    /// The body decoded into `T`, naming the failing path; a body that is not JSON at all
    /// says so, with its start.
    pub(crate) fn decode<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let text = self.text();
        let not_json = |e: &serde_json::Error| {
            let start = String::from_utf8_lossy(&text[..text.len().min(200)]).into_owned();
            ApiError::decode(
                &self.request,
                ".",
                format!(
                    "the body is not JSON ({e}; content-type `{}`): {start}",
                    self.content_type
                ),
            )
        };
        let mut de = serde_json::Deserializer::from_slice(text);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            if e.inner().is_syntax() || e.inner().is_eof() {
                not_json(e.inner())
            } else {
                ApiError::decode(&self.request, e.path().to_string(), e.inner().to_string())
            }
        })?;
        de.end().map_err(|e| not_json(&e))?;
        Ok(value)
    }
}
