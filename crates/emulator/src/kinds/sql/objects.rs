//! What queries and alerts (current API) share: create from a wrapped body, read, list in
//! pages, update the fields `update_mask` names, trash. A [`Spec`] says what differs.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{SqlObject, SqlState, now_text};
use crate::body::QueryMap;
use crate::error::{ApiError, ApiResult};
use crate::kinds::workspace::placed;
use crate::state::State;

/// What a kind of SQL object is.
pub struct Spec {
    /// The wrapper key of its bodies (`query`, `alert`).
    pub wrapper: &'static str,
    /// Its `object_type` in the tree.
    pub tree_type: &'static str,
    /// Its permissions type (`sql/queries`, `sql/alerts`).
    pub perm_type: &'static str,
    /// Writable fields, `parent_path` (create only) and `owner_user_name` (update only) aside.
    pub writable: &'static [&'static str],
    /// Fields create needs.
    pub required: &'static [&'static str],
    /// Checks the object's references (warehouse, query) against the workspace.
    pub check: fn(&State, &Map<String, Value>) -> ApiResult<()>,
    /// The not-found answer.
    pub missing: fn(&str) -> ApiError,
    /// The kind's map.
    pub map: fn(&SqlState) -> &BTreeMap<String, SqlObject>,
    /// The kind's map, to change.
    pub map_mut: fn(&mut SqlState) -> &mut BTreeMap<String, SqlObject>,
    /// Adds the kind's output-only fields to a view.
    pub extra: fn(&SqlObject, &mut Map<String, Value>),
}

/// The wrapped object of a request body (`{"query": {…}}`).
fn wrapped<'a>(spec: &Spec, body: &'a Map<String, Value>) -> ApiResult<&'a Map<String, Value>> {
    body.get(spec.wrapper)
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid(format!("Missing required field: {}", spec.wrapper)))
}

fn auto_resolve(body: &Map<String, Value>) -> bool {
    body.get("auto_resolve_display_name")
        .and_then(Value::as_bool)
        == Some(true)
}

/// A free tree name for `name` in `dir`: itself, or — with `auto_resolve_display_name` — the
/// next `name (n)`; without it a taken name is refused (documented).
fn resolve_name(
    st: &State,
    dir: &str,
    name: &str,
    auto: bool,
    current: Option<&str>,
) -> ApiResult<String> {
    let path = placed::join(dir, name);
    if st.workspace.get(&path).is_none() || current == Some(path.as_str()) {
        return Ok(name.to_string());
    }
    if auto {
        return Ok(placed::free_name(st, dir, name, ""));
    }
    // [UNVERIFIED] code and wording of the display-name conflict.
    Err(placed::taken(name))
}

/// Creates a query or alert from a create body; returns its view.
pub fn create(
    st: &mut State,
    spec: &Spec,
    body: &Map<String, Value>,
    caller: &str,
) -> ApiResult<Value> {
    let input = wrapped(spec, body)?;
    let mut fields: Map<String, Value> = spec
        .writable
        .iter()
        .filter_map(|k| {
            input
                .get(*k)
                .filter(|v| !v.is_null())
                .map(|v| (k.to_string(), v.clone()))
        })
        .collect();
    for r in spec.required {
        if !fields.contains_key(*r) {
            return Err(ApiError::invalid(format!(
                "Missing required field: {}.{r}",
                spec.wrapper
            )));
        }
    }
    let name = fields
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    placed::check_name("display_name", &name)?;
    (spec.check)(st, &fields)?;
    let parent = input.get("parent_path").and_then(Value::as_str);
    let dir = placed::parent_folder(st, parent, caller)?;
    let name = resolve_name(st, &dir, &name, auto_resolve(body), None)?;
    fields.insert("display_name".into(), json!(name));
    let id = st.ids.uuid();
    let path = placed::place(st, &dir, &name, spec.tree_type, &id)?;
    st.permissions
        .init_object(spec.perm_type, &id, Some(caller));
    let now = now_text();
    let seq = st.sql.seq();
    let o = SqlObject {
        id: id.clone(),
        fields,
        parent_path: dir,
        path,
        owner_user_name: caller.to_string(),
        last_modifier_user_name: caller.to_string(),
        create_time: now.clone(),
        update_time: now,
        trashed: false,
        seq,
    };
    let out = view(spec, &o, true);
    (spec.map_mut)(&mut st.sql).insert(id, o);
    Ok(out)
}

/// The object as GET shows it; lists leave `parent_path` out (documented).
pub fn view(spec: &Spec, o: &SqlObject, with_parent: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(o.id));
    for (k, v) in &o.fields {
        m.insert(k.clone(), v.clone());
    }
    if with_parent {
        // match cloud behaviour: GET may answer parent_path with the `/Workspace` prefix
        // (Terraform strips it before comparing), so clients must compare without it.
        m.insert(
            "parent_path".into(),
            json!(format!("/Workspace{}", o.parent_path)),
        );
    }
    m.insert("owner_user_name".into(), json!(o.owner_user_name));
    m.insert("create_time".into(), json!(o.create_time));
    m.insert("update_time".into(), json!(o.update_time));
    m.insert("lifecycle_state".into(), json!(o.lifecycle_state()));
    (spec.extra)(o, &mut m);
    Value::Object(m)
}

/// GET by id: active or trashed.
pub fn get(st: &State, spec: &Spec, id: &str) -> ApiResult<Value> {
    let o = (spec.map)(&st.sql)
        .get(id)
        .ok_or_else(|| (spec.missing)(id))?;
    Ok(view(spec, o, true))
}

/// A page of the active objects, in creation order: `{results, next_page_token}`.
pub fn list(st: &State, spec: &Spec, q: &QueryMap, prefix: &str) -> ApiResult<Value> {
    let mut all: Vec<&SqlObject> = (spec.map)(&st.sql)
        .values()
        .filter(|o| !o.trashed)
        .collect();
    all.sort_by_key(|o| o.seq);
    // [UNVERIFIED] page sizes: 20 by default, at most 100.
    let (items, next) = super::page(&all, q, prefix, 20, 100)?;
    let mut out = Map::new();
    out.insert(
        "results".into(),
        Value::Array(items.iter().map(|o| view(spec, o, false)).collect()),
    );
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Value::Object(out))
}

/// The fields an `update_mask` names (`*` = every writable field and the owner).
fn mask_fields(spec: &Spec, body: &Map<String, Value>) -> ApiResult<Vec<String>> {
    let mask = body
        .get("update_mask")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: update_mask"))?;
    if mask.trim() == "*" {
        let mut all: Vec<String> = spec.writable.iter().map(|s| s.to_string()).collect();
        all.push("owner_user_name".into());
        return Ok(all);
    }
    let mut out = Vec::new();
    for f in mask.split(',').map(str::trim) {
        if f == "parent_path" {
            // Documented: parent_path is set on create only (Terraform recreates on a change).
            return Err(ApiError::invalid(
                "parent_path cannot be updated; create the object in the new folder instead.",
            ));
        }
        if f != "owner_user_name" && !spec.writable.contains(&f) {
            // [UNVERIFIED] wording: the mask must name fields of the object.
            return Err(ApiError::invalid(format!(
                "Invalid update_mask: {f} is not a field of {} that can be updated.",
                spec.wrapper
            )));
        }
        out.push(f.to_string());
    }
    Ok(out)
}

/// The principal an `owner_user_name` names, which must exist.
fn check_owner(st: &State, name: &str) -> ApiResult<()> {
    if st.scim.user_by_name(name).is_some() || st.scim.sp_by_app_id(name).is_some() {
        Ok(())
    } else {
        // [UNVERIFIED] wording.
        Err(ApiError::invalid(format!("User {name} does not exist.")))
    }
}

/// Applies an update body to an active object; returns its new view.
pub fn update(
    st: &mut State,
    spec: &Spec,
    id: &str,
    body: &Map<String, Value>,
    caller: &str,
) -> ApiResult<Value> {
    let current = (spec.map)(&st.sql)
        .get(id)
        .filter(|o| !o.trashed)
        .ok_or_else(|| (spec.missing)(id))?
        .clone();
    let fields = mask_fields(spec, body)?;
    let empty = Map::new();
    let input = body
        .get(spec.wrapper)
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut next = current.clone();
    for f in &fields {
        let v = input.get(f).filter(|v| !v.is_null()).cloned();
        if f == "owner_user_name" {
            let owner = v
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            check_owner(st, &owner)?;
            next.owner_user_name = owner;
            continue;
        }
        match v {
            Some(v) => next.fields.insert(f.clone(), v),
            None => next.fields.remove(f),
        };
    }
    for r in spec.required {
        if !next.fields.contains_key(*r) {
            return Err(ApiError::invalid(format!(
                "{}.{r} cannot be cleared.",
                spec.wrapper
            )));
        }
    }
    (spec.check)(st, &next.fields)?;
    let name = next.display_name().to_string();
    placed::check_name("display_name", &name)?;
    let name = resolve_name(
        st,
        &next.parent_path,
        &name,
        auto_resolve(body),
        Some(&current.path),
    )?;
    next.fields.insert("display_name".into(), json!(name));
    let path = placed::join(&next.parent_path, &name);
    placed::relocate(st, &current.path, &path)?;
    next.path = path;
    next.update_time = now_text();
    next.last_modifier_user_name = caller.to_string();
    let out = view(spec, &next, true);
    (spec.map_mut)(&mut st.sql).insert(id.to_string(), next);
    Ok(out)
}

/// Moves an active object to the trash (out of the tree and the lists).
pub fn trash(st: &mut State, spec: &Spec, id: &str) -> ApiResult<()> {
    let o = (spec.map_mut)(&mut st.sql)
        .get_mut(id)
        .filter(|o| !o.trashed)
        .ok_or_else(|| (spec.missing)(id))?;
    o.trashed = true;
    o.update_time = now_text();
    let path = o.path.clone();
    placed::unplace(st, &path);
    Ok(())
}
