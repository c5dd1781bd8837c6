//! An independent read of a workspace's Phase 1 objects, keyed by names only (no ids), so a
//! source and a target can be compared field by field without trusting the engine's id map.

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::WorkspaceClient;
use brickport_api::types::scim::{ComplexValue, ScimQuery};
use futures::TryStreamExt;
use serde_json::{Value, json};

fn set(v: &Option<Vec<ComplexValue>>) -> BTreeSet<String> {
    v.as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.value.clone())
        .collect()
}

fn parsed(s: &Option<String>) -> Value {
    s.as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null)
}

/// Every Phase 1 object of a workspace, by name.
pub async fn view(c: &WorkspaceClient) -> Value {
    let scim = c.scim();
    let users: Vec<_> = scim
        .users()
        .list(&ScimQuery::default())
        .try_collect()
        .await
        .unwrap();
    let sps: Vec<_> = scim
        .service_principals()
        .list(&ScimQuery::default())
        .try_collect()
        .await
        .unwrap();
    let groups: Vec<_> = scim
        .groups()
        .list(&ScimQuery::default())
        .try_collect()
        .await
        .unwrap();

    // id → a name that means the same thing on both sides.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut app_ids: BTreeMap<String, String> = BTreeMap::new();
    for u in &users {
        names.insert(
            u.id.clone().unwrap(),
            format!("user:{}", u.user_name.clone().unwrap()),
        );
    }
    for s in &sps {
        let dn = s.display_name.clone().unwrap();
        names.insert(s.id.clone().unwrap(), format!("sp:{dn}"));
        app_ids.insert(s.application_id.clone().unwrap(), format!("sp:{dn}"));
    }
    for g in &groups {
        // Account groups are managed by the account, never recreated: left out on both sides.
        if g.is_account_group() {
            continue;
        }
        names.insert(
            g.id.clone().unwrap(),
            format!("group:{}", g.display_name.clone().unwrap()),
        );
    }

    let mut out = serde_json::Map::new();
    let mut u_out = BTreeMap::new();
    for u in &users {
        // The migration principal exists on both sides by construction, maybe differently.
        if u.user_name.as_deref() == Some("admin@example.com") {
            continue;
        }
        let u = scim.users().get(u.id.as_deref().unwrap()).await.unwrap();
        u_out.insert(
            u.user_name.clone().unwrap(),
            json!({"displayName": u.display_name, "active": u.active.unwrap_or(true),
                   "entitlements": set(&u.entitlements), "roles": set(&u.roles)}),
        );
    }
    out.insert("users".into(), json!(u_out));
    let mut s_out = BTreeMap::new();
    for s in &sps {
        let s = scim
            .service_principals()
            .get(s.id.as_deref().unwrap())
            .await
            .unwrap();
        s_out.insert(
            s.display_name.clone().unwrap(),
            json!({"active": s.active.unwrap_or(true), "entitlements": set(&s.entitlements), "roles": set(&s.roles)}),
        );
    }
    out.insert("service_principals".into(), json!(s_out));
    let mut g_out = BTreeMap::new();
    for g in &groups {
        let g = scim.groups().get(g.id.as_deref().unwrap()).await.unwrap();
        let name = g.display_name.clone().unwrap();
        if name == "users" || g.is_account_group() {
            continue; // `users` holds every user implicitly; account groups are the account's
        }
        let members: BTreeSet<String> = set(&g.members)
            .into_iter()
            .filter_map(|id| names.get(&id).cloned())
            // The migration principal is an admin on both sides by construction.
            .filter(|n| n != "user:admin@example.com")
            .collect();
        g_out.insert(name, json!({"entitlements": set(&g.entitlements), "roles": set(&g.roles), "members": members}));
    }
    out.insert("groups".into(), json!(g_out));

    let mut p_out = BTreeMap::new();
    for p in c.policies().list().await.unwrap() {
        p_out.insert(
            p.name.clone().unwrap(),
            json!({"definition": parsed(&p.definition), "description": p.description,
                   "max_clusters_per_user": p.max_clusters_per_user, "policy_family_id": p.policy_family_id,
                   "overrides": parsed(&p.policy_family_definition_overrides), "is_default": p.is_default.unwrap_or(false)}),
        );
    }
    out.insert("cluster_policies".into(), json!(p_out));

    let mut pool_out = BTreeMap::new();
    for p in c.pools().list().await.unwrap() {
        pool_out.insert(
            p.instance_pool_name.clone().unwrap(),
            json!({"node_type_id": p.node_type_id, "min_idle_instances": p.min_idle_instances,
                   "max_capacity": p.max_capacity, "idle_instance_autotermination_minutes": p.idle_instance_autotermination_minutes,
                   "custom_tags": p.custom_tags}),
        );
    }
    out.insert("instance_pools".into(), json!(pool_out));

    let mut w_out = BTreeMap::new();
    let whs: Vec<_> = c.warehouses().list().try_collect().await.unwrap();
    for w in whs {
        w_out.insert(
            w.name.clone().unwrap(),
            json!({"cluster_size": w.cluster_size, "min_num_clusters": w.min_num_clusters,
                   "max_num_clusters": w.max_num_clusters, "auto_stop_mins": w.auto_stop_mins,
                   "enable_photon": w.enable_photon, "warehouse_type": w.warehouse_type,
                   "channel": w.channel, "tags": w.tags}),
        );
    }
    out.insert("sql_warehouses".into(), json!(w_out));

    let mut sc_out = BTreeMap::new();
    let s = c.secrets();
    for sc in s.list_scopes().await.unwrap() {
        let name = sc.name.clone().unwrap();
        let keys: BTreeSet<String> = s
            .list_secrets(&name)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|k| k.key)
            .collect();
        let acls: BTreeMap<String, String> = s
            .list_acls(&name)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|a| {
                let p = a.principal?;
                let p = app_ids.get(&p).cloned().unwrap_or(p);
                // The caller gets MANAGE on the scopes it creates, on both sides.
                (p != "admin@example.com").then_some((p, a.permission?))
            })
            .collect();
        sc_out.insert(name, json!({"keys": keys, "acls": acls}));
    }
    out.insert("secret_scopes".into(), json!(sc_out));

    let mut folders = BTreeSet::new();
    let mut frontier = vec!["/".to_string()];
    while let Some(p) = frontier.pop() {
        for o in c.workspace().list(&p).await.unwrap() {
            if o.object_type.as_deref() == Some("DIRECTORY") {
                let path = o.path.unwrap();
                if path == "/Repos" || path.starts_with("/Repos/") {
                    continue;
                }
                folders.insert(path.clone());
                frontier.push(path);
            }
        }
    }
    out.insert("workspace_folders".into(), json!(folders));
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
    let sps: Vec<_> = target
        .scim()
        .service_principals()
        .list(&ScimQuery::default())
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<_> = sps.iter().map(|s| s.display_name.clone()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(
        n,
        names.len(),
        "a service principal exists twice in the target"
    );
}
