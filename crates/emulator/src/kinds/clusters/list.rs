//! `clusters/list`: paging (2.1), the legacy unpaged 2.0 answer, `filter_by.*` and `sort_by.*`.

use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::{Cluster, ClusterState, Delays, now_ms};
use crate::body::QueryMap;
use crate::error::{ApiError, ApiResult};
use crate::state::{ApiVersion, AppState};
use crate::store;

/// Largest and default page of `list`.
const MAX_PAGE: usize = 100;

/// `GET /api/2.x/clusters/list`.
pub async fn list(
    State(emu): State<AppState>,
    version: Option<Extension<ApiVersion>>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    // match cloud behaviour: the legacy 2.0 list is not paged; without page_size it answers
    // every cluster at once. 2.1 pages (at most 100 per page).
    let legacy = version.is_some_and(|Extension(v)| !v.at_least(2, 1));
    let filter = q.nested("filter_by");
    let sources: Vec<String> = filter
        .all("cluster_sources")
        .iter()
        .map(|s| s.to_uppercase())
        .collect();
    let states: Vec<String> = filter
        .all("cluster_states")
        .iter()
        .map(|s| s.to_uppercase())
        .collect();
    let pinned = filter.bool("is_pinned")?;
    let policy = filter.string("policy_id");
    let page_size = match q.i64("page_size")? {
        None | Some(0) if legacy => usize::MAX,
        None | Some(0) => MAX_PAGE,
        Some(n) if n < 0 => return Err(ApiError::invalid("page_size must be positive")),
        Some(n) => (n as usize).min(MAX_PAGE),
    };
    let offset = parse_token(q.get("page_token"))?;
    let sort = q.nested("sort_by");
    let by_name = sort
        .get("field")
        .is_some_and(|f| f.eq_ignore_ascii_case("CLUSTER_NAME"));
    let desc = sort
        .get("direction")
        .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));

    let st = emu.lock();
    let now = now_ms();
    let d = Delays::of(&emu);
    let mut rows: Vec<(&Cluster, ClusterState)> = st
        .clusters
        .clusters
        .values()
        .map(|c| (c, st.clusters.state_of(c, now, d)))
        .filter(|(c, s)| {
            (sources.is_empty() || sources.contains(&c.cluster_source))
                && (states.is_empty() || states.iter().any(|x| x == s.as_str()))
                && pinned.is_none_or(|p| p == c.pinned_by_user_name.is_some())
                && policy
                    .as_deref()
                    .is_none_or(|p| c.spec.get("policy_id").and_then(Value::as_str) == Some(p))
        })
        .collect();
    if by_name {
        // Each name is lower-cased once, not once per comparison.
        rows.sort_by_cached_key(|(c, _)| {
            let name = c
                .spec
                .get("cluster_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            (name, c.seq)
        });
    } else {
        // match cloud behaviour: active clusters first, then terminated ones, newest first.
        rows.sort_by_key(|(c, s)| (*s == ClusterState::Terminated, std::cmp::Reverse(c.seq)));
    }
    if desc {
        rows.reverse();
    }
    let total = rows.len();
    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|(c, _)| st.clusters.view(c, &st.pools, now, d))
        .collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("clusters".into(), Value::Array(page));
    }
    if let Some(next) = store::next_token("clusters-", offset, page_size, total) {
        out.insert("next_page_token".into(), json!(next));
    }
    if offset > 0 {
        out.insert(
            "prev_page_token".into(),
            json!(make_token(offset.saturating_sub(page_size))),
        );
    }
    Ok(Json(Value::Object(out)))
}

fn make_token(offset: usize) -> String {
    format!("clusters-{offset}")
}

fn parse_token(token: Option<&str>) -> ApiResult<usize> {
    store::offset_of(token, "clusters-", "page_token")
}
