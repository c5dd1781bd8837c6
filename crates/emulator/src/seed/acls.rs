//! Direct permissions of a generated workspace.
//!
//! Every object gets the grant its creator would have had (IS_OWNER on jobs and warehouses,
//! CAN_MANAGE elsewhere, none on policies), and most objects — all but one in four (one in
//! three for notebooks) — get more: groups, users and service principals with the levels
//! each object type allows. Items under `/Users/<name>` belong to that user. Grants name
//! workspace groups only, except one: the account group has CAN_READ on [`TEAM_SPACE`].

use super::identities::{
    ANALYSTS, DATA_ENGINEERS, DATA_SCIENTISTS, ML_ENGINEERS, PLATFORM_ADMINS, READERS,
};
use super::plan::{Acl, Plan};
use crate::kinds::permissions::types;
use crate::kinds::permissions::{Grant, Principal};

/// The one folder the account group has a direct grant on (CAN_READ).
pub const TEAM_SPACE: &str = "/Shared/Team Space";

fn grant(p: Principal, level: &str) -> Grant {
    Grant {
        principal: p,
        permission_level: level.to_string(),
    }
}

/// The owner of a workspace path: the user whose home it is in, else the admin.
fn owner_of(path: &str, admin: &str) -> String {
    path.strip_prefix("/Users/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(admin)
        .to_string()
}

/// Fills `plan.acls`. Needs everything else.
pub fn generate(plan: &mut Plan) {
    let admin = plan.users[0].user_name.clone();
    // Grants name workspace groups (listed first); the account group gets one deliberate
    // grant below, so a migrator's handling of it is easy to find.
    let local = plan.groups.iter().filter(|g| !g.account).count();
    let group = |i: usize| Principal::GroupName(plan.groups[i % local].display_name.clone());
    let account_group = plan
        .groups
        .iter()
        .find(|g| g.account)
        .map(|g| Principal::GroupName(g.display_name.clone()));
    let user = |i: usize| Principal::UserName(plan.users[i % plan.users.len()].user_name.clone());
    let sp = |i: usize| {
        Principal::ServicePrincipalName(
            plan.service_principals[i % plan.service_principals.len()]
                .application_id
                .clone(),
        )
    };
    let mut acls = Vec::new();
    let mut push = |object_type: &'static str, id: String, creator: &str, extra: Vec<Grant>| {
        let mut grants = Vec::new();
        if let Some(level) = types::lookup(object_type).and_then(|t| t.creator_level()) {
            grants.push(grant(Principal::for_creator(creator), level));
        }
        for g in extra {
            if !grants.iter().any(|o| o.principal == g.principal) {
                grants.push(g);
            }
        }
        acls.push(Acl {
            object_type,
            id,
            grants,
        });
    };

    for (k, c) in plan.clusters.iter().enumerate() {
        let extra = if k % 4 == 3 {
            Vec::new()
        } else {
            vec![
                grant(group(DATA_ENGINEERS + k), "CAN_RESTART"),
                grant(user(k + 3), "CAN_ATTACH_TO"),
            ]
        };
        push("clusters", c.spec.id.clone(), &c.spec.creator, extra);
    }
    for (k, p) in plan.policies.iter().enumerate() {
        let mut extra = vec![grant(group(k), "CAN_USE")];
        if k == 1 {
            extra.push(grant(sp(0), "CAN_USE"));
        }
        push("cluster-policies", p.id.clone(), &p.creator, extra);
    }
    for (k, p) in plan.pools.iter().enumerate() {
        let extra = vec![
            grant(group(DATA_ENGINEERS + k * 4), "CAN_ATTACH_TO"),
            grant(group(PLATFORM_ADMINS), "CAN_MANAGE"),
        ];
        push("instance-pools", p.id.clone(), &p.creator, extra);
    }
    for (k, w) in plan.warehouses.iter().enumerate() {
        let extra = vec![
            grant(group(ANALYSTS + k), "CAN_USE"),
            grant(group(PLATFORM_ADMINS), "CAN_MANAGE"),
            grant(sp(2), "CAN_USE"),
        ];
        push("warehouses", w.id.clone(), &w.creator, extra);
    }
    for (k, f) in plan.folders.iter().enumerate() {
        let owner = owner_of(&f.path, &admin);
        let extra = if f.path == TEAM_SPACE {
            let mut v = vec![grant(group(READERS), "CAN_READ")];
            v.extend(account_group.clone().map(|g| grant(g, "CAN_READ")));
            v
        } else if f.path.starts_with("/Shared/") {
            vec![
                grant(group(READERS), "CAN_READ"),
                grant(group(DATA_ENGINEERS + k), "CAN_EDIT"),
            ]
        } else if k % 4 == 3 {
            Vec::new()
        } else {
            vec![grant(user(k + 1), "CAN_READ")]
        };
        push("directories", f.object_id.to_string(), &owner, extra);
    }
    for (k, n) in plan.notebooks.iter().enumerate() {
        let owner = owner_of(&n.path, &admin);
        let extra = match k % 3 {
            0 => vec![grant(group(DATA_SCIENTISTS + k), "CAN_RUN")],
            1 => vec![grant(user(k + 2), "CAN_EDIT"), grant(sp(k), "CAN_RUN")],
            _ => Vec::new(),
        };
        push("notebooks", n.object_id.to_string(), &owner, extra);
    }
    for (k, f) in plan.files.iter().enumerate() {
        let owner = owner_of(&f.path, &admin);
        let extra = if k % 4 == 3 {
            Vec::new()
        } else {
            vec![grant(group(READERS), "CAN_READ")]
        };
        push("files", f.object_id.to_string(), &owner, extra);
    }
    for (k, j) in plan.jobs.iter().enumerate() {
        let extra = if k % 4 == 3 {
            Vec::new()
        } else {
            vec![
                grant(group(DATA_ENGINEERS + k), "CAN_MANAGE_RUN"),
                grant(group(READERS), "CAN_VIEW"),
                grant(sp(1), "CAN_MANAGE"),
            ]
        };
        push("jobs", j.job_id.to_string(), &j.creator, extra);
    }
    for (k, r) in plan.repos.iter().enumerate() {
        let creator = r
            .path
            .strip_prefix("/Repos/")
            .and_then(|rest| rest.split('/').next())
            .filter(|f| f.contains('@'))
            .unwrap_or(&admin)
            .to_string();
        let extra = vec![
            grant(group(ML_ENGINEERS + k), "CAN_EDIT"),
            grant(group(READERS), "CAN_READ"),
        ];
        push("repos", r.id.to_string(), &creator, extra);
    }
    plan.acls = acls;
}
