//! Pagination: one async stream per paging style of the platform.
//!
//! - [`scim`]: `startIndex` (1-based) + `count`, items under `Resources`. A short page is not
//!   the end (the server caps `count`); the end is an empty or missing `Resources`.
//! - [`tokens`]: `page_token` in the query, `next_page_token` in the answer (clusters,
//!   warehouses, jobs, policy families); [`TokenStyle::NextPageTokenQuery`] for repos, whose
//!   query parameter is itself named `next_page_token`.
//! - [`has_more`]: `offset`/`limit` with a `has_more` flag (legacy lists).
//! - [`follow_array_pages`]: jobs 2.2 `get`, where arrays inside one object are paged and must
//!   be concatenated.
//!
//! Streams own a client clone, so they are `'static` and can be held across awaits.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{ApiError, WorkspaceClient};

/// A paged list as a stream of items.
pub type ApiStream<T> = BoxStream<'static, Result<T, ApiError>>;

/// SCIM page size: the most the platform serves per page.
pub const SCIM_PAGE_SIZE: usize = 100;

/// Where the next-page token travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStyle {
    /// Query `page_token`, answer `next_page_token`.
    PageToken,
    /// Query `next_page_token`, answer `next_page_token` (repos).
    NextPageTokenQuery,
}

type Query = Vec<(String, String)>;

async fn get_page(client: &WorkspaceClient, path: &str, query: &Query) -> Result<Value, ApiError> {
    client
        .send::<Value>(Method::GET, path, query, None::<&Value>)
        .await
}

fn items_of<T: DeserializeOwned>(
    client: &WorkspaceClient,
    path: &str,
    page: &mut Value,
    key: &str,
) -> Result<Vec<T>, ApiError> {
    let items = match page.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => {
            return Err(ApiError::decode(
                &format!("GET {}{path}", client.host()),
                key,
                format!("expected a list, got {other}"),
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            crate::client::decode(&format!("GET {}{path} ({key}[{i}])", client.host()), item)
        })
        .collect()
}

fn flatten<T: Send + 'static>(
    pages: impl futures::Stream<Item = Result<Vec<T>, ApiError>> + Send + 'static,
) -> ApiStream<T> {
    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// SCIM list: `startIndex`/`count` paging over `Resources`.
pub fn scim<T: DeserializeOwned + Send + 'static>(
    client: WorkspaceClient,
    path: String,
    query: Query,
) -> ApiStream<T> {
    let pages = stream::try_unfold(Some(1usize), move |start| {
        let (client, path, query) = (client.clone(), path.clone(), query.clone());
        async move {
            let Some(start) = start else { return Ok(None) };
            let mut q = query;
            q.push(("startIndex".into(), start.to_string()));
            q.push(("count".into(), SCIM_PAGE_SIZE.to_string()));
            let mut page = get_page(&client, &path, &q).await?;
            let items: Vec<T> = items_of(&client, &path, &mut page, "Resources")?;
            if items.is_empty() {
                return Ok(None);
            }
            let next = start + items.len();
            Ok(Some((items, Some(next))))
        }
    });
    flatten(pages)
}

/// Token-paged list: items under `items_key`, next token in `next_page_token`.
pub fn tokens<T: DeserializeOwned + Send + 'static>(
    client: WorkspaceClient,
    path: String,
    query: Query,
    items_key: &'static str,
    style: TokenStyle,
) -> ApiStream<T> {
    let param = match style {
        TokenStyle::PageToken => "page_token",
        TokenStyle::NextPageTokenQuery => "next_page_token",
    };
    // State: None = finished; Some(None) = first page; Some(Some(token)) = later page.
    let pages = stream::try_unfold(Some(None::<String>), move |state| {
        let (client, path, query) = (client.clone(), path.clone(), query.clone());
        async move {
            let Some(token) = state else { return Ok(None) };
            let mut q = query;
            if let Some(t) = &token {
                q.push((param.into(), t.clone()));
            }
            let mut page = get_page(&client, &path, &q).await?;
            let items: Vec<T> = items_of(&client, &path, &mut page, items_key)?;
            let next = next_token(&page);
            if next.is_some() && next == token {
                return Err(ApiError::decode(
                    &format!("GET {}{path}", client.host()),
                    "next_page_token",
                    "the server returned the same page token twice; stopping to avoid a loop",
                ));
            }
            Ok(Some((items, next.map(Some))))
        }
    });
    flatten(pages)
}

fn next_token(page: &Value) -> Option<String> {
    page.get("next_page_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Offset-paged list with a `has_more` flag: items under `items_key`.
pub fn has_more<T: DeserializeOwned + Send + 'static>(
    client: WorkspaceClient,
    path: String,
    query: Query,
    items_key: &'static str,
    limit: usize,
) -> ApiStream<T> {
    let pages = stream::try_unfold(Some(0usize), move |offset| {
        let (client, path, query) = (client.clone(), path.clone(), query.clone());
        async move {
            let Some(offset) = offset else {
                return Ok(None);
            };
            let mut q = query;
            q.push(("offset".into(), offset.to_string()));
            q.push(("limit".into(), limit.to_string()));
            let mut page = get_page(&client, &path, &q).await?;
            let items: Vec<T> = items_of(&client, &path, &mut page, items_key)?;
            let more = page
                .get("has_more")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let next = (more && !items.is_empty()).then_some(offset + items.len());
            Ok(Some((items, next)))
        }
    });
    flatten(pages)
}

/// GET an object whose arrays are paged (jobs 2.2): follows `next_page_token` and appends
/// each page's `container.<array>` to the first page's. The token is removed from the result.
pub async fn follow_array_pages(
    client: &WorkspaceClient,
    path: &str,
    query: Query,
    container: &str,
    arrays: &[&str],
) -> Result<Value, ApiError> {
    let mut first = get_page(client, path, &query).await?;
    if !first.is_object() {
        return Err(ApiError::decode(
            &format!("GET {}{path}", client.host()),
            ".",
            "expected an object",
        ));
    }
    let mut token = next_token(&first);
    while let Some(t) = token {
        let mut q = query.clone();
        q.push(("page_token".into(), t.clone()));
        let mut page = get_page(client, path, &q).await?;
        for key in arrays {
            let more = match page
                .get_mut(container)
                .and_then(|c| c.get_mut(*key))
                .map(Value::take)
            {
                Some(Value::Array(more)) if !more.is_empty() => more,
                _ => continue,
            };
            let Some(Value::Object(target)) = first.get_mut(container) else {
                first[container] = Value::Object(Default::default());
                first[container][*key] = Value::Array(more);
                continue;
            };
            match target.get_mut(*key) {
                Some(Value::Array(existing)) => existing.extend(more),
                _ => {
                    target.insert((*key).to_string(), Value::Array(more));
                }
            }
        }
        let next = next_token(&page);
        if next.as_ref() == Some(&t) {
            return Err(ApiError::decode(
                &format!("GET {}{path}", client.host()),
                "next_page_token",
                "the server returned the same page token twice; stopping to avoid a loop",
            ));
        }
        token = next;
    }
    if let Some(obj) = first.as_object_mut() {
        obj.remove("next_page_token");
    }
    Ok(first)
}
