//! What the seed parts of the Databricks SQL, AI/BI and Genie kinds share (not a part itself):
//! installing through the kinds' own create functions with ids drawn from a fork of the
//! generator, the seed's clock on every time those functions stamp, folders that every
//! generated workspace has, and grants.

use serde_json::Value;

use crate::kinds::permissions::{Grant, Principal};
use crate::kinds::sql::text_of;
use crate::seed::plan::{Plan, SEED_EPOCH_MS};
use crate::state::State;

/// Runs `f` with the workspace's id generator replaced by its fork `salt`, then puts the
/// generator back where it was: the part's ids are its own, and every object seeded or created
/// before (or after) it keeps its id.
pub fn with_fork<R>(st: &mut State, salt: u64, f: impl FnOnce(&mut State) -> R) -> R {
    let fork = st.ids.fork(salt);
    let saved = std::mem::replace(&mut st.ids, fork);
    let out = f(st);
    st.ids = saved;
    out
}

/// The seed's clock `minutes` after its epoch, in ms.
pub fn at(minutes: usize) -> i64 {
    SEED_EPOCH_MS + (minutes as i64) * 60_000
}

/// The seed's clock as the SQL and AI/BI APIs write times.
pub fn text_at(minutes: usize) -> String {
    text_of(at(minutes))
}

/// Sets the creation and modification time of the tree entry at `path` (the kinds stamp
/// "now"; a seeded workspace is the same every time).
pub fn stamp_tree(st: &mut State, path: &str, ms: i64) {
    if let Some(o) = st.workspace.objects.get_mut(path) {
        o.created_at = ms;
        o.modified_at = ms;
    }
}

/// `preferred` when the plan has that folder, else user `user`'s home (every generated
/// workspace has the shared tree; the fallback keeps a part working on any plan).
pub fn folder(plan: &Plan, preferred: &str, user: usize) -> String {
    if preferred.starts_with('~') || !plan.folders.iter().any(|f| f.path == preferred) {
        return home(plan, user);
    }
    preferred.to_string()
}

/// User `i`'s home folder.
pub fn home(plan: &Plan, i: usize) -> String {
    format!("/Users/{}", user(plan, i))
}

/// User `i`'s userName (index 0 is the admin).
pub fn user(plan: &Plan, i: usize) -> String {
    plan.users[i % plan.users.len()].user_name.clone()
}

/// Workspace group `i`'s name (account groups are left to the account).
pub fn group(plan: &Plan, i: usize) -> String {
    let groups: Vec<&str> = (plan.groups.iter())
        .filter(|g| !g.account)
        .map(|g| g.display_name.as_str())
        .collect();
    groups[i % groups.len()].to_string()
}

/// Warehouse `i`'s id.
pub fn warehouse(plan: &Plan, i: usize) -> String {
    plan.warehouses[i % plan.warehouses.len()].id.clone()
}

/// `base`, numbered after the first round (`Name #2`, `Name #3`…).
pub fn numbered(base: &str, round: usize) -> String {
    match round {
        0 => base.to_string(),
        _ => format!("{base} #{}", round + 1),
    }
}

/// A grant to a group.
pub fn to_group(name: String, level: &str) -> Grant {
    Grant {
        principal: Principal::GroupName(name),
        permission_level: level.into(),
    }
}

/// A grant to a user.
pub fn to_user(name: String, level: &str) -> Grant {
    Grant {
        principal: Principal::UserName(name),
        permission_level: level.into(),
    }
}

/// Adds grants to an object's direct ones (its creator's CAN_MANAGE stays).
pub fn grant(st: &mut State, object_type: &str, id: &str, grants: Vec<Grant>) {
    let mut all = st.permissions.direct(object_type, id).to_vec();
    all.extend(grants);
    st.permissions.set_direct(object_type, id, all);
}

/// The id in a created object's view.
pub fn id_of(view: &Value, key: &str) -> String {
    view.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
