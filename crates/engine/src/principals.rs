//! Principal renames (`[translate.users]`, `[translate.user_domains]`,
//! `[translate.service_principals]`): a user or a service principal known by another name in
//! the target. One place decides what a name becomes ([`Principals::rename_user`],
//! [`Principals::rename_sp`], [`Principals::rename_path`] for `/Users/<name>/…`), and one
//! walk applies it to a listed object ([`Principals::translate`]) before anything else reads
//! it: its key and every field naming a principal or a path under a home folder. So the
//! ledger, `find`, the references by key, `compare` and `verify` all see the target's names,
//! and the object's content hash changes with the map: a re-run under another map rewrites
//! exactly the objects it renames.
//!
//! A leaf: it knows JSON and strings, nothing of kinds or the ledger.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::translation::Translation;

/// The three maps, as the config gives them (source → target).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// Exact user names (`[translate.users]`); wins over the domain map.
    pub users: BTreeMap<String, String>,
    /// Email domains of user names (`[translate.user_domains]`).
    pub user_domains: BTreeMap<String, String>,
    /// Service principals' application ids (`[translate.service_principals]`).
    pub service_principals: BTreeMap<String, String>,
}

/// Fields whose value (a string, or an array of strings) names a principal: a user name, or
/// a service principal's application id (ACLs, owners, `run_as`, secret ACLs, a cluster's
/// single user, job notification addresses, SCIM's own names).
const PRINCIPAL_FIELDS: &[&str] = &[
    "user_name",
    "userName",
    "user_email",
    "owner_user_name",
    "single_user_name",
    "creator_user_name",
    "run_as_user_name",
    "principal",
    "owner",
    "service_principal_name",
    "applicationId",
    "application_id",
    "email_recipients",
    "on_start",
    "on_success",
    "on_failure",
    "on_duration_warning_threshold_exceeded",
    "on_streaming_backlog_exceeded",
];

/// Whether a field of that name is renamed as a principal's name (every reference by key to
/// users or service principals must be one: the ledger knows them by their new names).
pub fn is_principal_field(name: &str) -> bool {
    PRINCIPAL_FIELDS.contains(&name)
}

/// Where a workspace path may start before a principal's name: home folders
/// (`/Users/<name>`, as a workspace file too) and Git folders' per-user folders
/// (`/Repos/<name>`).
const HOME_ROOTS: &[&str] = &[
    "/Users/",
    "/Workspace/Users/",
    "file:/Workspace/Users/",
    "/Repos/",
    "/Workspace/Repos/",
];

/// Whether an object keyed `before` in the ledger and `now` in this run's listing is
/// another object in the target, not the same one renamed: a principal (SCIM never renames
/// a user; an application id is fixed) or anything under a principal's home folder — what
/// a principal map moves. Such an object is looked up by its new key, not by the ledger's
/// target id (which holds it under its old name).
pub fn key_moved(kind: &str, before: &str, now: &str) -> bool {
    let home = |k: &str| HOME_ROOTS.iter().any(|r| k.starts_with(r));
    before != now && (kind == "users" || kind == "service_principals" || home(before) || home(now))
}

impl Principals {
    /// No rename at all.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.user_domains.is_empty() && self.service_principals.is_empty()
    }

    /// A digest of the three maps (equal maps, equal digests).
    pub fn digest(&self) -> String {
        let maps = [&self.users, &self.user_domains, &self.service_principals];
        crate::json::content_hash(&serde_json::json!(maps))
    }

    /// What user `name` becomes, and why; `None` when no map renames it. User names are
    /// matched without regard to case (the platform's are case-insensitive).
    pub fn rename_user(&self, name: &str) -> Option<(String, String)> {
        if let Some((from, to)) = self
            .users
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(name))
        {
            return Some((to.clone(), format!("[translate.users] {from} = {to}")));
        }
        let (local, domain) = name.rsplit_once('@')?;
        if local.is_empty() || local.contains(['/', ' ']) {
            return None;
        }
        let (from, to) =
            (self.user_domains.iter()).find(|(f, _)| f.eq_ignore_ascii_case(domain))?;
        Some((
            format!("{local}@{to}"),
            format!("[translate.user_domains] {from} = {to}"),
        ))
    }

    /// What service principal `application_id` becomes, and why.
    pub fn rename_sp(&self, application_id: &str) -> Option<(String, String)> {
        let (from, to) = (self.service_principals.iter())
            .find(|(f, _)| f.eq_ignore_ascii_case(application_id))?;
        Some((
            to.clone(),
            format!("[translate.service_principals] {from} = {to}"),
        ))
    }

    /// A principal's name renamed, whichever it is (a user, else a service principal).
    pub fn rename_principal(&self, name: &str) -> Option<(String, String)> {
        self.rename_user(name).or_else(|| self.rename_sp(name))
    }

    /// A workspace path under a renamed principal's home folder (`/Users/<name>`, also as
    /// `/Workspace/Users/<name>` or `file:/Workspace/Users/<name>`) or Git folders' folder
    /// (`/Repos/<name>`), moved to the new one.
    pub fn rename_path(&self, path: &str) -> Option<(String, String)> {
        let root = HOME_ROOTS.iter().find(|r| path.starts_with(**r))?;
        let rest = &path[root.len()..];
        let (name, tail) = rest
            .split_once('/')
            .map_or((rest, ""), |(n, _)| (n, &rest[n.len()..]));
        let (to, why) = self.rename_principal(name)?;
        Some((format!("{root}{to}{tail}"), why))
    }

    /// The key of an object of `kind` in the target (`users`: the user name; service
    /// principals: the application id; anything keyed by a path: the path), and why.
    pub fn rename_key(&self, kind: &str, key: &str) -> Option<(String, String)> {
        match kind {
            "users" => self.rename_user(key),
            "service_principals" => self.rename_sp(key),
            _ => self.rename_path(key),
        }
    }

    /// Renames `key` and every principal and home-folder path in `spec` (an object of
    /// `kind`); returns what it changed, in order.
    pub fn translate(&self, kind: &str, key: &mut String, spec: &mut Value) -> Vec<Translation> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        if let Some((to, why)) = self.rename_key(kind, key) {
            let from = std::mem::replace(key, to.clone());
            out.push(Translation::new("key", from, to, why));
        }
        self.walk(spec, String::new(), false, &mut out);
        out
    }

    /// Renames in `v` (at `at`); `named`: `v` sits in a principal field.
    fn walk(&self, v: &mut Value, at: String, named: bool, out: &mut Vec<Translation>) {
        match v {
            Value::String(s) => {
                let found = match named {
                    true => self.rename_principal(s).or_else(|| self.rename_path(s)),
                    false => self.rename_path(s),
                };
                if let Some((to, why)) = found {
                    let from = std::mem::replace(s, to.clone());
                    out.push(Translation::new(at, from, to, why));
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter_mut().enumerate() {
                    self.walk(x, format!("{at}[{i}]"), named, out);
                }
            }
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    let path = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    self.walk(x, path, PRINCIPAL_FIELDS.contains(&k.as_str()), out);
                }
            }
            _ => {}
        }
    }

    /// Source users that the maps would merge into one target user (two source names to
    /// one target name, or a source name renamed onto another source user's that is kept),
    /// each as a sentence; `users`: every source user name.
    pub fn merged_users(&self, users: &[String]) -> Vec<String> {
        let mut by_target: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for u in users {
            let to = self.rename_user(u).map_or_else(|| u.clone(), |(t, _)| t);
            by_target
                .entry(to.to_lowercase())
                .or_default()
                .insert(u.clone());
        }
        self.merged(by_target, "user", |u| self.rename_user(u))
    }

    /// The same for service principals' application ids.
    pub fn merged_sps(&self, application_ids: &[String]) -> Vec<String> {
        let mut by_target: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for a in application_ids {
            let to = self.rename_sp(a).map_or_else(|| a.clone(), |(t, _)| t);
            by_target
                .entry(to.to_lowercase())
                .or_default()
                .insert(a.clone());
        }
        self.merged(by_target, "service principal", |a| self.rename_sp(a))
    }

    fn merged(
        &self,
        by_target: BTreeMap<String, BTreeSet<String>>,
        what: &str,
        rename: impl Fn(&str) -> Option<(String, String)>,
    ) -> Vec<String> {
        by_target
            .into_iter()
            .filter(|(_, from)| from.len() > 1)
            .map(|(to, from)| {
                let how: Vec<String> = (from.iter())
                    .map(|f| match rename(f) {
                        Some((_, why)) => format!("{f} (by {why})"),
                        None => format!("{f} (kept)"),
                    })
                    .collect();
                format!("{what}s {} would all become {what} {to}", how.join(", "))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
