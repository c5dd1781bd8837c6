//! An independent read of a Databricks workspace (or the emulator) for tests: plain HTTP
//! GETs and raw JSON, never brickport's own api client, engine or ledger, so what a test sees
//! does not go through the code it tests. [`Workspace`] reads one page or one paged list;
//! [`Walk`] reads every migratable object of a workspace once, and [`Walk::keys`] names them
//! per kind so two workspaces compare key by key.

mod walk;

pub use walk::{Scope, Walk, clusters, jobs};

use std::fmt;

use serde_json::Value;

/// What went wrong reading a workspace.
#[derive(Debug)]
pub enum Error {
    /// The request did not complete, or its answer was not JSON.
    Http {
        path: String,
        source: reqwest::Error,
    },
    /// The workspace answered with an error status.
    Status {
        path: String,
        status: u16,
        body: String,
    },
    /// The answer lacks a field the walk needs.
    Shape { path: String, missing: &'static str },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Http { path, source } => write!(f, "GET {path}: {source}"),
            Error::Status { path, status, body } => write!(f, "GET {path}: {status} {body}"),
            Error::Shape { path, missing } => write!(f, "GET {path}: no `{missing}` in the answer"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Http { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A workspace read over HTTP with a bearer token.
#[derive(Clone)]
pub struct Workspace {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Workspace {
    /// The workspace at `url` (scheme and host, no path), read with `token`.
    pub fn new(url: &str, token: &str) -> Workspace {
        Workspace {
            http: reqwest::Client::new(),
            url: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    /// The JSON answer of `GET path?query` (`null` for an empty body).
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, Error> {
        let http = |source| Error::Http {
            path: path.to_string(),
            source,
        };
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(http)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(http)?;
        if status != 200 {
            let path = path.to_string();
            return Err(Error::Status {
                path,
                status,
                body: text,
            });
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|_| Error::Shape {
            path: path.to_string(),
            missing: "a JSON body",
        })
    }

    /// Every item under `field` of a token-paged list (the answer's `next_page_token`, sent
    /// back as `token_param`).
    pub async fn paged(
        &self,
        path: &str,
        query: &[(&str, &str)],
        field: &str,
        token_param: &str,
    ) -> Result<Vec<Value>, Error> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut q = query.to_vec();
            if !token.is_empty() {
                q.push((token_param, &token));
            }
            let page = self.get(path, &q).await?;
            out.extend(items(&page, field));
            match page["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = t.to_string(),
                _ => return Ok(out),
            }
        }
    }

    /// Every resource of a SCIM collection (`Users`, `Groups`, `ServicePrincipals`; 1-based
    /// `startIndex`, pages of 100).
    pub async fn scim(&self, collection: &str) -> Result<Vec<Value>, Error> {
        let path = format!("/api/2.0/preview/scim/v2/{collection}");
        let mut out = Vec::new();
        loop {
            let start = (out.len() + 1).to_string();
            let q = [("startIndex", start.as_str()), ("count", "100")];
            let page = self.get(&path, &q).await?;
            let got = items(&page, "Resources");
            let total = page["totalResults"].as_u64().ok_or(Error::Shape {
                path: path.clone(),
                missing: "totalResults",
            })?;
            let empty = got.is_empty();
            out.extend(got);
            if empty || out.len() as u64 >= total {
                return Ok(out);
            }
        }
    }

    /// Every workspace object (folders, notebooks, files, Git folders), by path: a walk of
    /// `workspace/list` from `/`.
    pub async fn tree(&self) -> Result<std::collections::BTreeMap<String, Value>, Error> {
        let mut out = std::collections::BTreeMap::new();
        let mut todo = vec!["/".to_string()];
        while let Some(dir) = todo.pop() {
            let page = self
                .get("/api/2.0/workspace/list", &[("path", &dir)])
                .await?;
            for o in items(&page, "objects") {
                let path = str_of(&o, "path");
                if o["object_type"] == "DIRECTORY" {
                    todo.push(path.clone());
                }
                out.insert(path, o);
            }
        }
        Ok(out)
    }

    /// The direct and inherited grants of one object (`object_type` as the permissions API
    /// spells it: `clusters`, `jobs`, `directories`, …).
    pub async fn permissions(&self, object_type: &str, id: &str) -> Result<Value, Error> {
        self.get(&format!("/api/2.0/permissions/{object_type}/{id}"), &[])
            .await
    }
}

/// The array under `field` (none: empty).
pub fn items(page: &Value, field: &str) -> Vec<Value> {
    page[field].as_array().cloned().unwrap_or_default()
}

/// The string under `field` (none: empty).
pub fn str_of(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_string()
}
