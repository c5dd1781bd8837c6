//! Objects of other kinds that live in the workspace tree: SQL queries and alerts, AI/BI
//! dashboards and Genie spaces (reference-more §3.8, §4, §5).
//!
//! Each has its own store and API; the tree holds one entry per object, at
//! `<parent_path>/<name>`, whose `resource_id` is the object's own id (a UUID or 32 hex
//! characters, not the tree's int64 `object_id`). The resource ids sit beside the objects, in
//! [`WorkspaceState::resource_ids`], so the tree's `Object` (which other crates build) keeps its
//! shape. Trashing the object through its API takes it out of the tree; deleting its tree entry
//! through `workspace/delete` trashes the object ([`on_tree_delete`]).

use super::{Object, mkdirs, no_such_path, normalise};
use crate::error::{ApiError, ApiResult};
use crate::state::{State, now_ms};

/// `object_type` of a SQL query [UNVERIFIED: not in the SDK's ObjectType enum].
pub const QUERY: &str = "QUERY";
/// `object_type` of a SQL alert (current and v2) [UNVERIFIED: not in the SDK's enum].
pub const ALERT: &str = "ALERT";
/// `object_type` of an AI/BI dashboard (in the SDK's enum; path `….lvdash.json`).
pub const DASHBOARD: &str = "DASHBOARD";
/// `object_type` of a Genie space [UNVERIFIED: not in the SDK's enum].
pub const GENIE_SPACE: &str = "GENIE_SPACE";

/// Whether an object type is one of the kinds placed here (never exported or overwritten
/// through the workspace API).
pub fn is_placed_type(object_type: &str) -> bool {
    matches!(object_type, QUERY | ALERT | DASHBOARD | GENIE_SPACE)
}

/// The folder an object goes to: `parent_path` normalised (`/Workspace` dropped), which must be
/// an existing folder; none or empty is the caller's home folder.
///
/// match cloud behaviour: a missing parent is 404 `Path (…) doesn't exist.` (AI/BI and Genie
/// answer so; clients mkdirs and retry), and the home folder is the default.
pub fn parent_folder(st: &mut State, parent: Option<&str>, caller: &str) -> ApiResult<String> {
    let Some(p) = parent.map(str::trim).filter(|p| !p.is_empty()) else {
        super::ensure_home(st, caller);
        return Ok(format!("/Users/{caller}"));
    };
    let dir = normalise(p)?;
    match st.workspace.get(&dir) {
        Some(o) if o.object_type == "DIRECTORY" => Ok(dir),
        _ => Err(no_such_path(&dir)),
    }
}

/// `dir/name`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Refuses a name with a slash (it would be a path) or an empty one.
pub fn check_name(what: &str, name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid(format!("{what} must not be empty.")));
    }
    if name.contains('/') {
        // [UNVERIFIED] wording; a slash would make the name a path in the tree.
        return Err(ApiError::invalid(format!(
            "{what} must not contain '/': {name}"
        )));
    }
    Ok(())
}

/// The error for a name already taken in a folder (the wording of `workspace/import`).
pub fn taken(name: &str) -> ApiError {
    ApiError::already_exists(format!("Node named '{name}' already exists"))
}

/// `stem` + `ext` if free in `dir`, else `stem (1)` + `ext`, `stem (2)` + `ext`…
pub fn free_name(st: &State, dir: &str, stem: &str, ext: &str) -> String {
    let mut name = format!("{stem}{ext}");
    let mut n = 0;
    while st.workspace.get(&join(dir, &name)).is_some() {
        n += 1;
        name = format!("{stem} ({n}){ext}");
    }
    name
}

/// Puts an object in the tree at `dir/name` with its resource id; returns the path.
pub fn place(
    st: &mut State,
    dir: &str,
    name: &str,
    object_type: &str,
    resource_id: &str,
) -> ApiResult<String> {
    let path = join(dir, name);
    if st.workspace.get(&path).is_some() {
        return Err(taken(name));
    }
    let id = st.ids.next_int();
    let now = now_ms();
    st.workspace.objects.insert(
        path.clone(),
        Object {
            object_id: id,
            object_type: object_type.into(),
            language: None,
            content: None,
            size: 0,
            created_at: now,
            modified_at: now,
        },
    );
    st.workspace
        .resource_ids
        .insert(id.to_string(), resource_id.to_string());
    Ok(path)
}

/// Moves a placed object from `from` to `to` (a rename or a move), keeping its object id;
/// `to`'s folder must exist and `to` be free.
pub fn relocate(st: &mut State, from: &str, to: &str) -> ApiResult<()> {
    if from == to {
        return Ok(());
    }
    let name = to.rsplit('/').next().unwrap_or(to);
    if st.workspace.get(to).is_some() {
        return Err(taken(name));
    }
    let Some(mut o) = st.workspace.objects.remove(from) else {
        return Ok(());
    };
    o.modified_at = now_ms();
    st.workspace.objects.insert(to.to_string(), o);
    Ok(())
}

/// Takes a placed object out of the tree (its kind trashed or deleted it).
pub fn unplace(st: &mut State, path: &str) {
    if let Some(o) = st.workspace.objects.remove(path) {
        st.workspace.resource_ids.remove(&o.object_id.to_string());
    }
}

/// `workspace/delete` removed a placed object's tree entry: its kind trashes the object.
///
/// match cloud behaviour: the SDK documents that these objects can be deleted through the
/// workspace API as well as their own.
pub fn on_tree_delete(st: &mut State, object_type: &str, resource_id: &str) {
    match object_type {
        QUERY => crate::kinds::sql::queries::trash_in_store(st, resource_id),
        ALERT => crate::kinds::sql::trash_any_alert(st, resource_id),
        DASHBOARD => crate::kinds::lakeview::trash_in_store(st, resource_id),
        GENIE_SPACE => crate::kinds::genie::trash_in_store(st, resource_id),
        _ => {}
    }
}

/// Creates a folder path (for seeds): missing folders are made, like `workspace/mkdirs`.
pub fn ensure_folder(st: &mut State, dir: &str, owner: &str) -> ApiResult<()> {
    for (_, id) in mkdirs(st, dir)? {
        st.permissions
            .init_object("directories", &id.to_string(), Some(owner));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placed_objects_carry_their_resource_id_and_move() {
        let mut st = State::fresh(3);
        mkdirs(&mut st, "/Shared/q").unwrap();
        let dir = parent_folder(&mut st, Some("/Workspace/Shared/q"), "a@x.com").unwrap();
        assert_eq!(dir, "/Shared/q");
        assert!(parent_folder(&mut st, Some("/Shared/none"), "a@x.com").is_err());
        assert_eq!(
            parent_folder(&mut st, None, "a@x.com").unwrap(),
            "/Users/a@x.com"
        );
        let p = place(&mut st, &dir, "Revenue", QUERY, "u-1").unwrap();
        assert!(place(&mut st, &dir, "Revenue", QUERY, "u-2").is_err());
        assert_eq!(free_name(&st, &dir, "Revenue", ""), "Revenue (1)");
        let o = st.workspace.get(&p).unwrap().clone();
        assert_eq!(st.workspace.resource_id(&o), "u-1");
        relocate(&mut st, &p, "/Shared/q/Income").unwrap();
        assert!(st.workspace.get(&p).is_none());
        unplace(&mut st, "/Shared/q/Income");
        assert!(st.workspace.resource_ids.is_empty());
    }
}
