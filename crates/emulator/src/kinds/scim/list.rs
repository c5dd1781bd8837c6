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

/// Whether a resource is visible to lists yet (the eventual-consistency window).
fn visible(scim: &ScimState, coll: Coll, id: &str, visible_before: i64) -> bool {
    let created = match coll {
        Coll::Users => scim.users.get(id).map(|u| u.created_ms),
        Coll::Groups => scim.groups.get(id).map(|g| g.created_ms),
        Coll::ServicePrincipals => scim.service_principals.get(id).map(|s| s.created_ms),
    };
    created.is_some_and(|c| c <= visible_before)
}

/// The visible ids of a collection, in id order, without copying them.
fn visible_ids<'a>(
    scim: &'a ScimState,
    coll: Coll,
    visible_before: i64,
) -> Box<dyn Iterator<Item = &'a String> + 'a> {
    match coll {
        Coll::Users => Box::new(
            scim.users
                .iter()
                .filter(move |(_, u)| u.created_ms <= visible_before)
                .map(|(id, _)| id),
        ),
        Coll::Groups => Box::new(
            scim.groups
                .iter()
                .filter(move |(_, g)| g.created_ms <= visible_before)
                .map(|(id, _)| id),
        ),
        Coll::ServicePrincipals => Box::new(
            scim.service_principals
                .iter()
                .filter(move |(_, s)| s.created_ms <= visible_before)
                .map(|(id, _)| id),
        ),
    }
}

/// The candidates of a filter that is one `eq` on the collection's name attribute (what a
/// migrator asks: "is there a user with this userName?"), from the name index; `None` when
/// the filter is anything else (then every resource is a candidate).
fn named_candidates(
    scim: &ScimState,
    coll: Coll,
    filter: Option<&Filter>,
    visible_before: i64,
) -> Option<Vec<String>> {
    let want = filter?.single_eq()?;
    let (attr, ids) = match coll {
        Coll::Users => ("userName", super::ids_named(&scim.users, want)),
        Coll::Groups => ("displayName", super::ids_named(&scim.groups, want)),
        Coll::ServicePrincipals => (
            "applicationId",
            super::ids_named(&scim.service_principals, want),
        ),
    };
    filter?.single_eq_on(attr)?;
    Some(
        ids.into_iter()
            .filter(|id| visible(scim, coll, id, visible_before))
            .collect(),
    )
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
        // Each resource's `groups[]` comes from the groups' member index: no per-request build.
        let render = |id: &String| render_with(&st.scim, coll, id, None);
        let named = named_candidates(&st.scim, coll, filter.as_ref(), visible_before);
        if filter.is_none() && sort_by.is_none() {
            // Render only the page: lists of thousands stay cheap. Counting walks the ids
            // without copying them.
            let total = visible_ids(&st.scim, coll, visible_before).count();
            let page: Vec<Value> = visible_ids(&st.scim, coll, visible_before)
                .skip(start - 1)
                .take(count)
                .filter_map(render)
                .collect();
            (total, page)
        } else {
            let ids: Vec<&String> = match &named {
                Some(ids) => ids.iter().collect(),
                None => visible_ids(&st.scim, coll, visible_before).collect(),
            };
            // Filter and sort on a light rendering (no members or groups) unless the query
            // looks at those; render fully only the page.
            let heavy = filter.as_ref().is_some_and(Filter::needs_relations)
                || sort_by.as_deref().is_some_and(query::is_relation);
            let mut items: Vec<(String, Value)> = ids
                .iter()
                .filter_map(|&id| {
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
