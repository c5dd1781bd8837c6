//! SCIM list: filter, sort, 1-based paging with `count` capped at 100, attribute projection,
//! and the eventual-consistency window. Only the returned page is rendered in full.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::handlers::{Coll, render_with};
use super::query::{self, Filter};
use super::{Group, LIST_SCHEMA, ScimState};
use crate::body::QueryMap;
use crate::error::ApiResult;
use crate::state::{AppState, now_ms};

/// Largest page the workspace returns.
pub const MAX_COUNT: usize = 100;

/// A resource without its relations (members, groups): enough to filter and sort on.
fn light(scim: &ScimState, coll: Coll, id: &str) -> Option<Value> {
    let strip = |mut v: Value| {
        if let Some(m) = v.as_object_mut() {
            m.remove("members");
            m.remove("groups");
        }
        v
    };
    match coll {
        Coll::Users => scim
            .users
            .get(id)
            .map(|u| strip(scim.user_json_with(u, Some(&Default::default())))),
        Coll::ServicePrincipals => scim
            .service_principals
            .get(id)
            .map(|s| strip(scim.sp_json_with(s, Some(&Default::default())))),
        Coll::Groups => scim.groups.get(id).map(|g| {
            let bare = Group {
                members: Vec::new(),
                ..g.clone()
            };
            // `users` lists everyone implicitly; a renamed copy keeps that out of the way.
            let mut v = strip(scim.group_json_with(
                &Group {
                    display_name: String::new(),
                    ..bare
                },
                Some(&Default::default()),
            ));
            v["displayName"] = json!(g.display_name);
            v
        }),
    }
}

fn all_ids(scim: &ScimState, coll: Coll, visible_before: i64) -> Vec<String> {
    match coll {
        Coll::Users => scim
            .users
            .values()
            .filter(|u| u.created_ms <= visible_before)
            .map(|u| u.id.clone())
            .collect(),
        Coll::Groups => scim
            .groups
            .values()
            .filter(|g| g.created_ms <= visible_before)
            .map(|g| g.id.clone())
            .collect(),
        Coll::ServicePrincipals => scim
            .service_principals
            .values()
            .filter(|s| s.created_ms <= visible_before)
            .map(|s| s.id.clone())
            .collect(),
    }
}

/// `GET /Users`, `/Groups`, `/ServicePrincipals`.
pub async fn list(State(emu): State<AppState>, q: QueryMap, coll: Coll) -> ApiResult<Json<Value>> {
    let filter = q.string("filter").map(|f| Filter::parse(&f)).transpose()?;
    let start = q.i64("startIndex")?.unwrap_or(1).max(1) as usize;
    // match cloud behaviour: the page size is capped at 100 whatever `count` asks.
    let count = q
        .i64("count")?
        .map_or(MAX_COUNT, |c| c.max(0) as usize)
        .min(MAX_COUNT);
    // match cloud behaviour: SCIM lists are eventually consistent; a principal created a
    // moment ago may be missing from lists and filters.
    let delay = emu.settings.scim_visibility_delay.as_millis() as i64;
    let visible_before = now_ms() - delay;
    let sort_by = q.string("sortBy");
    let (total, mut page) = {
        let st = emu.lock();
        let ids = all_ids(&st.scim, coll, visible_before);
        let ix = st.scim.parent_index();
        let render = |id: &String| render_with(&st.scim, coll, id, Some(&ix));
        if filter.is_none() && sort_by.is_none() {
            // Render only the page: lists of thousands stay cheap.
            let page: Vec<Value> = ids
                .iter()
                .skip(start - 1)
                .take(count)
                .filter_map(render)
                .collect();
            (ids.len(), page)
        } else {
            // Filter and sort on a light rendering (no members or groups) unless the query
            // looks at those; render fully only the page.
            let heavy = filter.as_ref().is_some_and(Filter::needs_relations)
                || sort_by.as_deref().is_some_and(query::is_relation);
            let mut items: Vec<(String, Value)> = ids
                .iter()
                .filter_map(|id| {
                    let v = if heavy {
                        render(id)
                    } else {
                        light(&st.scim, coll, id)
                    };
                    v.map(|v| (id.clone(), v))
                })
                .collect();
            if let Some(f) = &filter {
                items.retain(|(_, v)| f.matches(v));
            }
            if let Some(by) = &sort_by {
                let desc = q
                    .get("sortOrder")
                    .is_some_and(|o| o.eq_ignore_ascii_case("descending"));
                query::sort_by_key(&mut items, by, desc);
            }
            let total = items.len();
            let page = items
                .into_iter()
                .skip(start - 1)
                .take(count)
                .filter_map(|(id, v)| if heavy { Some(v) } else { render(&id) })
                .collect();
            (total, page)
        }
    };
    for v in &mut page {
        query::project(v, q.get("attributes"), q.get("excludedAttributes"));
    }
    let mut body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
    });
    if !page.is_empty() {
        body["Resources"] = Value::Array(page);
    }
    Ok(Json(body))
}
