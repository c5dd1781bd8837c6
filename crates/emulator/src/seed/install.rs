//! Copies a [`Plan`] into the stores of a [`State`], the way the objects would look had they
//! been created through the API at [`SEED_EPOCH_MS`] (creator grants, defaults filled in,
//! content stored as the workspace store keeps it).
//!
//! Objects go straight into the stores rather than through the HTTP routes because some
//! cannot be made through the API (account groups, clusters created by job runs) and because
//! `scale:100000` must seed in a few seconds.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::plan::{Member, Plan, SEED_EPOCH_MS};
use crate::error::EmulatorError;
use crate::kinds::{jobs, scim, workspace};
use crate::state::State;

/// A generated object the stores refused: a bug in the generator, reported as a seed error.
pub(super) fn refused(what: &str, e: impl std::fmt::Debug) -> EmulatorError {
    EmulatorError::Option {
        option: "--seed",
        value: what.to_string(),
        reason: format!("the generated workspace was refused by the emulator (a bug): {e:?}"),
    }
}

fn obj(pairs: Value) -> Map<String, Value> {
    match pairs {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Installs every object of `plan` into `st`.
pub fn install(st: &mut State, mut plan: Plan) -> Result<(), EmulatorError> {
    identities(st, &plan);
    tree(st, &mut plan)?;
    compute(st, &plan)?;
    super::secrets::install(st, &plan)?;
    for j in plan.jobs {
        st.jobs.jobs.insert(
            j.job_id,
            jobs::Job {
                job_id: j.job_id,
                creator_user_name: j.creator,
                created_time: j.created_time,
                settings: j.settings,
            },
        );
    }
    for acl in plan.acls {
        st.permissions
            .set_direct(acl.object_type, &acl.id, acl.grants);
    }
    Ok(())
}

fn identities(st: &mut State, plan: &Plan) {
    let member_id = |m: &Member| match m {
        Member::User(i) => plan.users[*i].id.clone(),
        Member::ServicePrincipal(i) => plan.service_principals[*i].id.clone(),
        Member::Group(i) => plan.groups[*i].id.clone(),
    };
    for u in &plan.users {
        let (given, family) = u
            .display_name
            .split_once(' ')
            .unwrap_or((&u.display_name, ""));
        st.scim.users.insert(
            u.id.clone(),
            scim::User {
                id: u.id.clone(),
                user_name: u.user_name.clone(),
                display_name: Some(u.display_name.clone()),
                name: Some(json!({"givenName": given, "familyName": family})),
                active: u.active,
                entitlements: u.entitlements.clone(),
                created_ms: SEED_EPOCH_MS,
                ..scim::User::default()
            },
        );
    }
    for s in &plan.service_principals {
        st.scim.service_principals.insert(
            s.id.clone(),
            scim::ServicePrincipal {
                id: s.id.clone(),
                application_id: s.application_id.clone(),
                display_name: Some(s.display_name.clone()),
                active: true,
                entitlements: s.entitlements.clone(),
                created_ms: SEED_EPOCH_MS,
                ..scim::ServicePrincipal::default()
            },
        );
    }
    for g in &plan.groups {
        st.scim.groups.insert(
            g.id.clone(),
            scim::Group {
                id: g.id.clone(),
                display_name: g.display_name.clone(),
                members: g.members.iter().map(member_id).collect(),
                entitlements: g.entitlements.clone(),
                account_group: g.account,
                created_ms: SEED_EPOCH_MS,
                ..scim::Group::default()
            },
        );
    }
    let admins: Vec<String> = plan.admins.iter().map(member_id).collect();
    if let Some(g) = st
        .scim
        .groups
        .values_mut()
        .find(|g| g.display_name == "admins")
    {
        for id in admins {
            if !g.members.contains(&id) {
                g.members.push(id);
            }
        }
    }
}

fn ws_object(
    object_id: i64,
    kind: &str,
    language: Option<&str>,
    content: Option<&[u8]>,
) -> workspace::Object {
    workspace::Object {
        object_id,
        object_type: kind.to_string(),
        language: language.map(str::to_string),
        content: content.map(|c| base64::engine::general_purpose::STANDARD.encode(c)),
        size: content.map_or(0, <[u8]>::len),
        created_at: SEED_EPOCH_MS,
        modified_at: SEED_EPOCH_MS,
    }
}

/// Moves the tree out of the plan (each planned object is freed as it is stored, so the seeded
/// workspace's content is never held twice at once: that was most of the peak memory).
fn tree(st: &mut State, plan: &mut Plan) -> Result<(), EmulatorError> {
    // The built-in folders date from the seed's epoch too, so two seeded workspaces are equal.
    for o in st.workspace.objects.values_mut() {
        o.created_at = o.created_at.min(SEED_EPOCH_MS);
        o.modified_at = o.modified_at.min(SEED_EPOCH_MS);
    }
    for f in std::mem::take(&mut plan.folders) {
        st.workspace
            .objects
            .insert(f.path, ws_object(f.object_id, "DIRECTORY", None, None));
    }
    for n in std::mem::take(&mut plan.notebooks) {
        // The store keeps a notebook's source without its header line.
        let text = String::from_utf8_lossy(&n.content);
        let body = workspace::formats::strip_header(&text);
        let lang = n.language.map(|l| l.as_str());
        let object = ws_object(n.object_id, "NOTEBOOK", lang, Some(body.as_bytes()));
        st.workspace.objects.insert(n.path, object);
    }
    for f in std::mem::take(&mut plan.files) {
        let object = ws_object(f.object_id, "FILE", None, Some(&f.content));
        st.workspace.objects.insert(f.path, object);
    }
    for r in &plan.repos {
        // `/Repos/<folder>` is a plain folder holding the Git folders (not counted as one of
        // the workspace's folders).
        if let Some(folder) = workspace::parent(&r.path)
            && !st.workspace.objects.contains_key(folder)
        {
            let id = st.ids.next_int();
            st.workspace
                .objects
                .insert(folder.to_string(), ws_object(id, "DIRECTORY", None, None));
        }
        let body = obj(json!({"url": r.url, "provider": r.provider, "path": r.path}));
        let creator = plan.users[0].user_name.clone();
        st.repos
            .create(r.id, r.head_commit_id.clone(), &body, &creator)
            .map_err(|e| refused(&r.path, e))?;
        if let Some(repo) = st.repos.repos.get_mut(&r.id) {
            repo.branch = Some(r.branch.clone());
        }
    }
    Ok(())
}

fn compute(st: &mut State, plan: &Plan) -> Result<(), EmulatorError> {
    for p in &plan.policies {
        st.policies
            .create(p.id.clone(), &p.body, &p.creator)
            .map_err(|e| refused(&p.id, e))?;
    }
    for p in st.policies.policies.values_mut() {
        p.created_at_timestamp = SEED_EPOCH_MS;
    }
    for p in &plan.pools {
        st.pools.insert(p.id.clone(), p.body.clone(), &p.creator);
    }
    for w in &plan.warehouses {
        st.warehouses
            .create(w.id.clone(), &w.body, &w.creator, false)
            .map_err(|e| refused(&w.id, e))?;
    }
    for (k, c) in plan.clusters.iter().enumerate() {
        let id = st.clusters.insert(
            c.spec.id.clone(),
            c.spec.body.clone(),
            &c.spec.creator,
            c.source,
            c.running,
        );
        if let Some(cl) = st.clusters.clusters.get_mut(&id) {
            cl.start_time = SEED_EPOCH_MS;
            // Deterministic, in the 19-digit range the service uses.
            cl.spark_context_id = 1_000_000_000_000_000_000 + k as i64 * 7_919_000_003;
            if c.pinned {
                cl.pinned_by_user_name = Some(c.spec.creator.clone());
            }
        }
    }
    Ok(())
}
