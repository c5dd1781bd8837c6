//! A recorded request's key: method, path and query, the query in one canonical order.
//!
//! The client always sends the same request for the same read (its paging tokens come from
//! the answers, which the replay gives back as they were recorded), but nothing promises the
//! order of its query parameters: keying on the sorted pairs makes a lookup independent of
//! it. Headers are never part of a key (they carry the token).

use std::fmt;

/// One request, as the recorder files it and the replay looks it up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestKey {
    /// `GET`, `POST`…
    pub method: String,
    /// The path as sent (`/api/2.0/clusters/list`), without the query.
    pub path: String,
    /// The query's pairs, sorted, form-encoded (`a=1&b=x%2Fy`); empty without a query.
    pub query: String,
}

impl RequestKey {
    /// The key of `method path?query` (the raw query as it came, if any).
    pub fn new(method: &str, path: &str, raw_query: Option<&str>) -> Self {
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        pairs.sort();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        RequestKey {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            query,
        }
    }
}

impl fmt::Display for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_order_does_not_matter_and_encoding_is_canonical() {
        let a = RequestKey::new("get", "/api/2.0/workspace/list", Some("path=%2FUsers&b=1"));
        let b = RequestKey::new("GET", "/api/2.0/workspace/list", Some("b=1&path=/Users"));
        assert_eq!(a, b);
        assert_eq!(
            a.to_string(),
            "GET /api/2.0/workspace/list?b=1&path=%2FUsers"
        );
        let none = RequestKey::new("GET", "/api/2.0/clusters/list", None);
        assert_eq!(none.to_string(), "GET /api/2.0/clusters/list");
        assert_ne!(
            none,
            RequestKey::new("GET", "/api/2.0/clusters/list", Some("page_token=x"))
        );
    }
}
