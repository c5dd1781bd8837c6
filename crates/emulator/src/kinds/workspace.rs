//! Workspace objects (`/api/2.0/workspace/*`): the tree of folders, notebooks and files
//! (reference §11). Objects are keyed by their normalised path; `object_id`s are stable
//! across overwrites (they are what `/permissions/notebooks|directories|files/{id}` use; the
//! root folder is 0).

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::indexed::{IndexKeys, Indexed};
use crate::state::{State, now_ms};

pub mod formats;
pub(crate) mod handlers;
pub mod placed;

/// The largest notebook or file the import/export API moves (10 MB).
pub const MAX_SIZE: usize = 10 * 1024 * 1024;

/// One object in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// Stable id.
    pub object_id: i64,
    /// `NOTEBOOK`, `DIRECTORY`, `FILE`, `REPO`, `LIBRARY`, `DASHBOARD`.
    pub object_type: String,
    /// Notebook language (`PYTHON`, `SCALA`, `SQL`, `R`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Content, base64 (notebook source without its header, or file bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Decoded content length in bytes.
    #[serde(default)]
    pub size: usize,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: i64,
    /// Last modification time (ms).
    #[serde(default)]
    pub modified_at: i64,
}

impl Object {
    /// Whether this is a folder (directories and Git folders hold children).
    pub fn is_dir(&self) -> bool {
        self.object_type == "DIRECTORY" || self.object_type == "REPO"
    }
}

/// The workspace store: objects by normalised path.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceState {
    /// Every object, by path (`/` is the root), indexed by object id.
    pub objects: Indexed<Object>,
    /// The `resource_id` of each object placed by another kind (query, dashboard…), by
    /// `object_id`; other objects' resource id is their object id (see [`placed`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub resource_ids: std::collections::BTreeMap<String, String>,
}

impl IndexKeys for Object {
    const INDEXES: usize = 1;
    fn index_keys(&self, out: &mut Vec<(usize, String)>) {
        out.push((0, self.object_id.to_string()));
    }
}

/// Normalises a workspace path: `/Workspace` prefix dropped, duplicate and trailing slashes
/// removed. Relative paths are refused.
pub fn normalise(path: &str) -> ApiResult<String> {
    let p = path.trim();
    if !p.starts_with('/') {
        return Err(ApiError::invalid(format!(
            "Path ({p}) is not absolute: workspace paths start with /."
        )));
    }
    // match cloud behaviour: `/Workspace/...` is an alias of `/...`; duplicate slashes collapse.
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    let parts = match parts.first() {
        Some(&"Workspace") => &parts[1..],
        _ => &parts[..],
    };
    if parts.iter().any(|s| *s == "." || *s == "..") {
        return Err(ApiError::invalid(format!(
            "Path ({p}) must not contain . or .."
        )));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// The parent of a normalised path (`/` for top-level objects; `None` for the root).
pub fn parent(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

/// 404 RESOURCE_DOES_NOT_EXIST `Path (…) doesn't exist.`
pub fn no_such_path(path: &str) -> ApiError {
    ApiError::not_found(format!("Path ({path}) doesn't exist."))
}

impl WorkspaceState {
    /// The `resource_id` the API shows for an object: its kind's id for a placed object, else
    /// its object id.
    pub fn resource_id(&self, o: &Object) -> String {
        let id = o.object_id.to_string();
        self.resource_ids.get(&id).cloned().unwrap_or(id)
    }

    /// The object at a normalised path.
    pub fn get(&self, path: &str) -> Option<&Object> {
        self.objects.get(path)
    }

    /// The path and object with a given object id.
    pub fn by_id(&self, object_id: i64) -> Option<(&str, &Object)> {
        self.objects
            .lookup(0, &object_id.to_string())
            .first()
            .and_then(|p| self.objects.get_key_value(p))
            .map(|(p, o)| (p.as_str(), o))
    }

    /// The object type (`NOTEBOOK`, `DIRECTORY`, `FILE`, …) of an object id given as a string.
    pub fn object_kind(&self, id: &str) -> Option<&str> {
        let id: i64 = id.trim().parse().ok()?;
        self.by_id(id).map(|(_, o)| o.object_type.as_str())
    }

    /// The object ids of the folders above an object, nearest first (ending with the root).
    pub fn ancestors(&self, object_id: i64) -> Vec<i64> {
        let Some((path, _)) = self.by_id(object_id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut cur = parent(path);
        while let Some(p) = cur {
            if let Some(o) = self.objects.get(p) {
                out.push(o.object_id);
            }
            cur = parent(p);
        }
        out
    }

    /// The direct children of a folder, in path order. Each child's own subtree is jumped
    /// over, so the cost is the number of children, not the size of the subtree.
    pub fn children<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a Object)> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let mut from = prefix.clone();
        std::iter::from_fn(move || {
            loop {
                let (p, o) = self
                    .objects
                    .range::<str, _>((
                        std::ops::Bound::Excluded(from.as_str()),
                        std::ops::Bound::Unbounded,
                    ))
                    .next()?;
                if !p.starts_with(&prefix) {
                    return None;
                }
                let rest = &p[prefix.len()..];
                match rest.find('/') {
                    // Inside a child's subtree: jump past it. Every path in it starts with
                    // `<child>/`, and they sort together, below `<child>/` + the last char.
                    Some(i) => from = format!("{prefix}{}/{}", &rest[..i], char::MAX),
                    None => {
                        from = p.clone();
                        return Some((p, o));
                    }
                }
            }
        })
    }

    /// Every object under a folder (not the folder itself).
    pub fn descendants(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        self.objects
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| p.as_str() != "/")
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Creates the folders of `path` (normalised) that are missing, failing when a prefix is not a
/// folder. Returns the object ids of the folders it created.
pub fn mkdirs(st: &mut State, path: &str) -> ApiResult<Vec<(String, i64)>> {
    let mut created = Vec::new();
    let mut cur = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        cur.push('/');
        cur.push_str(seg);
        match st.workspace.objects.get(&cur) {
            Some(o) if o.is_dir() => {}
            Some(_) => {
                // match cloud behaviour: a file or notebook on the way is RESOURCE_ALREADY_EXISTS.
                return Err(ApiError::already_exists(format!(
                    "{cur} already exists and it is not a folder"
                )));
            }
            None => {
                let id = st.ids.next_int();
                let now = now_ms();
                st.workspace.objects.insert(
                    cur.clone(),
                    Object {
                        object_id: id,
                        object_type: "DIRECTORY".into(),
                        language: None,
                        content: None,
                        size: 0,
                        created_at: now,
                        modified_at: now,
                    },
                );
                created.push((cur.clone(), id));
            }
        }
    }
    Ok(created)
}

/// The root folder and `/Users`, `/Shared`, `/Repos`, when missing.
pub fn ensure_builtins(st: &mut State) {
    if !st.workspace.objects.contains_key("/") {
        st.workspace.objects.insert(
            "/".into(),
            Object {
                object_id: 0,
                object_type: "DIRECTORY".into(),
                language: None,
                content: None,
                size: 0,
                created_at: 0,
                modified_at: 0,
            },
        );
    }
    for dir in ["/Users", "/Shared", "/Repos"] {
        let _ = mkdirs(st, dir);
    }
}

/// A principal's home folder (`/Users/<name>`), with its owner as CAN_MANAGE.
pub fn ensure_home(st: &mut State, name: &str) {
    let home = format!("/Users/{name}");
    if let Ok(created) = mkdirs(st, &home) {
        for (_, id) in created {
            st.permissions
                .init_object("directories", &id.to_string(), Some(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalise("/Workspace//Users/a/").unwrap(), "/Users/a");
        assert_eq!(normalise("/Workspace").unwrap(), "/");
        assert!(normalise("Users/a").is_err());
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(parent("/"), None);
    }

    #[test]
    fn tree() {
        let mut st = State::fresh(1);
        mkdirs(&mut st, "/Shared/x/y").unwrap();
        let kids: Vec<_> = st
            .workspace
            .children("/Shared")
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(kids, vec!["/Shared/x"]);
        let root_kids = st.workspace.children("/").count();
        assert_eq!(root_kids, 3);
        let y = st.workspace.get("/Shared/x/y").unwrap().object_id;
        let anc = st.workspace.ancestors(y);
        assert_eq!(anc.len(), 3);
        assert_eq!(*anc.last().unwrap(), 0);
        assert_eq!(st.workspace.descendants("/Shared").len(), 2);
    }

    #[test]
    fn children_skip_subtrees_but_not_siblings_that_sort_inside_them() {
        let mut st = State::fresh(1);
        // `a b` and `a.py` sort between `a` and `a/…`; `a0` after it.
        for dir in ["/S/a/x/y", "/S/a b", "/S/a.py", "/S/a0", "/S/b/c"] {
            mkdirs(&mut st, dir).unwrap();
        }
        let kids: Vec<_> = st
            .workspace
            .children("/S")
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(kids, ["/S/a", "/S/a b", "/S/a.py", "/S/a0", "/S/b"]);
        // A deeper object whose folder is missing is not a child.
        st.workspace.objects.remove("/S/b");
        let kids: Vec<_> = st
            .workspace
            .children("/S")
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(kids, ["/S/a", "/S/a b", "/S/a.py", "/S/a0"]);
        let id = st.workspace.get("/S/a/x").unwrap().object_id;
        assert_eq!(st.workspace.by_id(id).unwrap().0, "/S/a/x");
        st.workspace.objects.remove("/S/a/x");
        assert!(st.workspace.by_id(id).is_none());
    }
}
