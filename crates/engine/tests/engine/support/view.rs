//! An independent read of a workspace's Phase 1 objects (one [`Walk`] of it), keyed by names
//! only (no ids), so a source and a target can be compared field by field without trusting
//! the engine's id map.

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::WorkspaceClient;
use brickport_testkit::{Walk, str_of};
use serde_json::{Value, json};

use super::walk;

/// The `value`s of a SCIM multi-valued attribute.
fn set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|c| str_of(c, "value"))
        .collect()
}

/// A JSON document held in a string field, parsed (absent: null).
fn parsed(s: &Value) -> Value {
    s.as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null)
}

fn active(v: &Value) -> bool {
    v["active"].as_bool().unwrap_or(true)
}

/// Account groups are managed by the account, never recreated: left out on both sides.
fn is_account_group(g: &Value) -> bool {
    g["meta"]["resourceType"] == "Group"
}

/// Users, service principals and groups by name; groups' members by name too.
fn principals(w: &Walk, out: &mut serde_json::Map<String, Value>) {
    // id → a name that means the same thing on both sides.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for u in &w.users {
        names.insert(str_of(u, "id"), format!("user:{}", str_of(u, "userName")));
    }
    for s in &w.service_principals {
        names.insert(str_of(s, "id"), format!("sp:{}", str_of(s, "displayName")));
    }
    for g in w.groups.iter().filter(|g| !is_account_group(g)) {
        names.insert(
            str_of(g, "id"),
            format!("group:{}", str_of(g, "displayName")),
        );
    }
    let mut users = BTreeMap::new();
    // The migration principal exists on both sides by construction, maybe differently.
    for u in w
        .users
        .iter()
        .filter(|u| u["userName"] != "admin@example.com")
    {
        users.insert(
            str_of(u, "userName"),
            json!({"displayName": u["displayName"], "active": active(u),
                   "entitlements": set(&u["entitlements"]), "roles": set(&u["roles"])}),
        );
    }
    out.insert("users".into(), json!(users));
    let mut sps = BTreeMap::new();
    for s in &w.service_principals {
        sps.insert(
            str_of(s, "displayName"),
            json!({"active": active(s), "entitlements": set(&s["entitlements"]), "roles": set(&s["roles"])}),
        );
    }
    out.insert("service_principals".into(), json!(sps));
    let mut groups = BTreeMap::new();
    for g in &w.groups {
        let name = str_of(g, "displayName");
        if name == "users" || is_account_group(g) {
            continue; // `users` holds every user implicitly; account groups are the account's
        }
        let members: BTreeSet<String> = set(&g["members"])
            .into_iter()
            .filter_map(|id| names.get(&id).cloned())
            // The migration principal is an admin on both sides by construction.
            .filter(|n| n != "user:admin@example.com")
            .collect();
        groups.insert(name, json!({"entitlements": set(&g["entitlements"]), "roles": set(&g["roles"]), "members": members}));
    }
    out.insert("groups".into(), json!(groups));
}

/// Every Phase 1 object of a workspace, by name.
pub async fn view(c: &WorkspaceClient) -> Value {
    let w = Walk::of(&walk(c)).await.unwrap();
    let mut out = serde_json::Map::new();
    principals(&w, &mut out);
    let by_name = |items: &[Value], name: &str, fields: &dyn Fn(&Value) -> Value| {
        let m: BTreeMap<String, Value> =
            items.iter().map(|x| (str_of(x, name), fields(x))).collect();
        json!(m)
    };
    out.insert(
        "cluster_policies".into(),
        by_name(&w.policies, "name", &|p| {
            json!({"definition": parsed(&p["definition"]), "description": p["description"],
                   "max_clusters_per_user": p["max_clusters_per_user"], "policy_family_id": p["policy_family_id"],
                   "overrides": parsed(&p["policy_family_definition_overrides"]),
                   "is_default": p["is_default"].as_bool().unwrap_or(false)})
        }),
    );
    out.insert(
        "instance_pools".into(),
        by_name(&w.pools, "instance_pool_name", &|p| {
            json!({"node_type_id": p["node_type_id"], "min_idle_instances": p["min_idle_instances"],
                   "max_capacity": p["max_capacity"], "idle_instance_autotermination_minutes": p["idle_instance_autotermination_minutes"],
                   "custom_tags": p["custom_tags"]})
        }),
    );
    out.insert(
        "sql_warehouses".into(),
        by_name(&w.warehouses, "name", &|x| {
            json!({"cluster_size": x["cluster_size"], "min_num_clusters": x["min_num_clusters"],
                   "max_num_clusters": x["max_num_clusters"], "auto_stop_mins": x["auto_stop_mins"],
                   "enable_photon": x["enable_photon"], "warehouse_type": x["warehouse_type"],
                   "channel": x["channel"], "tags": x["tags"]})
        }),
    );
    let app_ids: BTreeMap<String, String> = w
        .service_principals
        .iter()
        .map(|s| {
            (
                str_of(s, "applicationId"),
                format!("sp:{}", str_of(s, "displayName")),
            )
        })
        .collect();
    let mut scopes = BTreeMap::new();
    for (name, s) in &w.scopes {
        let acls: BTreeMap<String, String> = s
            .acls
            .iter()
            .map(|a| {
                let p = str_of(a, "principal");
                (
                    app_ids.get(&p).cloned().unwrap_or(p),
                    str_of(a, "permission"),
                )
            })
            // The caller gets MANAGE on the scopes it creates, on both sides.
            .filter(|(p, _)| p != "admin@example.com")
            .collect();
        scopes.insert(name.clone(), json!({"keys": s.keys, "acls": acls}));
    }
    out.insert("secret_scopes".into(), json!(scopes));
    out.insert("workspace_folders".into(), json!(w.paths("DIRECTORY")));
    Value::Object(out)
}

/// Asserts that source and target hold the same Phase 1 objects.
pub async fn assert_same(source: &WorkspaceClient, target: &WorkspaceClient) {
    let (s, t) = (view(source).await, view(target).await);
    for (kind, sv) in s.as_object().unwrap() {
        assert_eq!(
            sv,
            &t[kind],
            "{kind} differ between source and target:\nsource {}\ntarget {}",
            serde_json::to_string_pretty(sv).unwrap(),
            serde_json::to_string_pretty(&t[kind]).unwrap()
        );
    }
}

/// Asserts that source and target hold the same users, service principals and groups, and
/// that no principal exists twice in the target.
pub async fn assert_same_identities(source: &WorkspaceClient, target: &WorkspaceClient) {
    let (s, t) = (view(source).await, view(target).await);
    for kind in ["users", "service_principals", "groups"] {
        assert_eq!(s[kind], t[kind], "{kind} differ");
    }
    let w = Walk::of(&walk(target)).await.unwrap();
    let mut names = w.keys()["service_principals"].clone();
    let n = names.len();
    names.dedup();
    assert_eq!(
        n,
        names.len(),
        "a service principal exists twice in the target"
    );
}
