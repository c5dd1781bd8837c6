//! The fixture table: one line per kind of `brickport_engine::kinds::all()` — how to create
//! one object of the kind in an empty source (with what it needs), and how to change it.
//!
//! A new kind gets the table's coverage by adding its line to [`table`] (the test fails,
//! naming the kind, until it has one), with its two functions in `objects.rs` — see
//! `global_init_scripts`' line: `init_script` creates a script through `c.init_scripts()`
//! (returning its id), `edit_init_script` changes its content, and `"fx-script"` is its key
//! in `brickport_testkit::Walk::keys`. A kind that cannot take a step says so in its line, with
//! the reason (as `workspace_folders` does with `Change::Nothing`), never by leaving the
//! step out; a kind that only reports its objects (skipped with a manual action, never
//! written: `legacy_sql`) gets a `reported` line, whose steps check just that.

use brickport_api::WorkspaceClient;
use brickport_api::types::permissions::AccessControlRequest;
use futures::future::BoxFuture;

use super::aibi::*;
use super::objects::*;
use super::sql_objects::*;
use crate::support::seed;

/// Creates the object in the source; returns the id its kind's API (and, for a guarded
/// object, the permissions API) knows it by.
pub type Create = fn(WorkspaceClient) -> BoxFuture<'static, String>;

/// Changes the object (by that id) in the source.
pub type Edit = fn(WorkspaceClient, String) -> BoxFuture<'static, ()>;

/// How the object is changed in the source.
#[derive(Clone, Copy)]
pub enum Change {
    /// By this edit; its update in the target takes this many write requests.
    By(Edit, u64),
    /// A permissions kind: `others` gets the level `team` has; one `PUT` of the whole ACL.
    GrantOthers,
    /// The kind has nothing that can change (why): the change and update steps are not run.
    Nothing(&'static str),
}

/// What a permissions kind's object grants: `team` gets `level` on the guarded object.
#[derive(Clone, Copy)]
pub struct Grant {
    /// The permissions API's object type.
    pub object_type: &'static str,
    pub level: &'static str,
}

impl Change {
    /// The write requests the object's update takes in the target.
    pub fn writes(self) -> u64 {
        match self {
            Change::By(_, writes) => writes,
            Change::GrantOthers => 1,
            Change::Nothing(_) => 0,
        }
    }
}

/// One kind's line.
#[derive(Clone, Copy)]
pub struct Fixture {
    pub kind: &'static str,
    /// The object's key as the walk lists it (see `brickport_testkit::Walk::keys`).
    pub name: &'static str,
    /// For a permissions kind, the guarded object.
    pub create: Create,
    pub change: Change,
    /// For a permissions kind: its grants are compared in both workspaces. Otherwise the
    /// walk finds the object by its key.
    pub grant: Option<Grant>,
    /// A kind whose objects are only reported (skipped with a manual action), never written,
    /// and why: its steps are the report, nothing written, and an empty plan.
    pub reported: Option<&'static str>,
}

fn object(kind: &'static str, name: &'static str, create: Create, change: Change) -> Fixture {
    Fixture {
        kind,
        name,
        create,
        change,
        grant: None,
        reported: None,
    }
}

/// A kind whose objects are reported and never written (`why`).
fn reported(kind: &'static str, name: &'static str, create: Create, why: &'static str) -> Fixture {
    Fixture {
        reported: Some(why),
        ..object(kind, name, create, Change::Nothing(why))
    }
}

/// The permissions of an object `guarded` creates. The groups `team` and `others` exist
/// from the start, so the change writes the ACL and nothing else.
fn permissions(
    kind: &'static str,
    guarded: Create,
    object_type: &'static str,
    level: &'static str,
) -> Fixture {
    Fixture {
        kind,
        name: "",
        create: guarded,
        change: Change::GrantOthers,
        grant: Some(Grant { object_type, level }),
        reported: None,
    }
}

/// Every kind's line.
#[rustfmt::skip]
pub fn table() -> Vec<Fixture> {
    let nothing = "a folder has no field but its path, which is its key: a folder renamed is another folder";
    vec![
        object("users", "fx@example.com", |c| Box::pin(user(c)), Change::By(|c, id| Box::pin(edit_user(c, id)), 1)),
        object("service_principals", "fx-bot", |c| Box::pin(sp(c)), Change::By(|c, id| Box::pin(edit_sp(c, id)), 1)),
        // Assigned by name; made ADMIN in the source: one `PUT` by principal id.
        object("account_group_assignments", "acct-group-00042", |c| Box::pin(account_group(c)), Change::By(|c, id| Box::pin(edit_account_group(c, id)), 1)),
        object("groups", "fx-group", |c| Box::pin(group(c)), Change::By(|c, id| Box::pin(edit_group(c, id)), 1)),
        object("cluster_policies", "fx-policy", |c| Box::pin(policy(c)), Change::By(|c, id| Box::pin(edit_policy(c, id)), 1)),
        object("instance_pools", "fx-pool", |c| Box::pin(pool(c)), Change::By(|c, id| Box::pin(edit_pool(c, id)), 1)),
        // A role ARN set: one `edit`.
        object("instance_profiles", FX_PROFILE, |c| Box::pin(instance_profile(c)), Change::By(|c, id| Box::pin(edit_instance_profile(c, id)), 1)),
        object("sql_warehouses", "fx-warehouse", |c| Box::pin(warehouse(c)), Change::By(|c, id| Box::pin(edit_warehouse(c, id)), 1)),
        object("global_init_scripts", "fx-script", |c| Box::pin(init_script(c)), Change::By(|c, id| Box::pin(edit_init_script(c, id)), 1)),
        // A basic-auth user name added: one `PATCH` (the new part a placeholder).
        object("notification_destinations", "fx-hook", |c| Box::pin(destination(c)), Change::By(|c, id| Box::pin(edit_destination(c, id)), 1)),
        // A new key: one `secrets/put` (its value a placeholder).
        object("secret_scopes", "fx-scope", |c| Box::pin(scope(c)), Change::By(|c, id| Box::pin(edit_scope(c, id)), 1)),
        object("workspace_folders", "/Shared/fx", |c| Box::pin(folder(c)), Change::Nothing(nothing)),
        // `edit`, then `delete` (terminate): a migrated cluster always ends terminated.
        object("clusters", "fx-cluster", |c| Box::pin(cluster(c)), Change::By(|c, id| Box::pin(edit_cluster(c, id)), 2)),
        object("notebooks", "/Shared/fx-notebook", |c| Box::pin(notebook(c)), Change::By(|c, id| Box::pin(edit_notebook(c, id)), 1)),
        object("repos", "/Repos/team/lib", |c| Box::pin(repo(c)), Change::By(|c, id| Box::pin(edit_repo(c, id)), 1)),
        // Its notebook comes along; the update is one `PUT` of the whole settings.
        object("pipelines", "fx-pipeline", |c| Box::pin(pipeline(c)), Change::By(|c, id| Box::pin(edit_pipeline(c, id)), 1)),
        // The query's fields in one `PATCH`; its visualization is left alone.
        object("sql_queries", "/Shared/fx-query", |c| Box::pin(query(c)), Change::By(|c, id| Box::pin(edit_query(c, id)), 1)),
        object("sql_alerts", "/Shared/fx-alert", |c| Box::pin(alert(c)), Change::By(|c, id| Box::pin(edit_alert(c, id)), 1)),
        // Created with its schedule paused; the change is one `PATCH`.
        object("sql_alerts_v2", "/Shared/fx-alert-v2", |c| Box::pin(alert_v2(c)), Change::By(|c, id| Box::pin(edit_alert_v2(c, id)), 1)),
        reported("legacy_sql", "fx-legacy", |c| Box::pin(legacy_dashboard(c)), "a legacy dashboard is listed for conversion in the source, never written"),
        // Not published, no schedule: the changed draft is one `PATCH`.
        object("dashboards", "/Shared/fx-dashboard", |c| Box::pin(dashboard(c)), Change::By(|c, id| Box::pin(edit_dashboard(c, id)), 1)),
        object("genie_spaces", "/Shared/fx-space", |c| Box::pin(genie_space(c)), Change::By(|c, id| Box::pin(edit_genie_space(c, id)), 1)),
        object("jobs", "fx-job", |c| Box::pin(job(c)), Change::By(|c, id| Box::pin(edit_job(c, id)), 1)),
        permissions("cluster_policy_permissions", |c| Box::pin(policy(c)), "cluster-policies", "CAN_USE"),
        permissions("instance_pool_permissions", |c| Box::pin(pool(c)), "instance-pools", "CAN_ATTACH_TO"),
        permissions("sql_warehouse_permissions", |c| Box::pin(warehouse(c)), "warehouses", "CAN_USE"),
        permissions("folder_permissions", |c| Box::pin(folder(c)), "directories", "CAN_READ"),
        permissions("cluster_permissions", |c| Box::pin(cluster(c)), "clusters", "CAN_ATTACH_TO"),
        permissions("notebook_permissions", |c| Box::pin(notebook(c)), "notebooks", "CAN_READ"),
        permissions("repo_permissions", |c| Box::pin(repo(c)), "repos", "CAN_READ"),
        permissions("pipeline_permissions", |c| Box::pin(pipeline(c)), "pipelines", "CAN_VIEW"),
        permissions("sql_query_permissions", |c| Box::pin(query(c)), "queries", "CAN_RUN"),
        permissions("sql_alert_permissions", |c| Box::pin(alert(c)), "alerts", "CAN_RUN"),
        permissions("sql_alert_v2_permissions", |c| Box::pin(alert_v2(c)), "alertsv2", "CAN_RUN"),
        permissions("job_permissions", |c| Box::pin(job(c)), "jobs", "CAN_VIEW"),
        permissions("dashboard_permissions", |c| Box::pin(dashboard(c)), "dashboards", "CAN_READ"),
        permissions("genie_space_permissions", |c| Box::pin(genie_space(c)), "genie", "CAN_VIEW"),
    ]
}

impl Fixture {
    /// Creates the object (and, for a permissions kind, its grant) in `c`; returns its id.
    pub async fn create_in(&self, c: &WorkspaceClient) -> String {
        let id = (self.create)(c.clone()).await;
        if let Some(g) = self.grant {
            for name in ["team", "others"] {
                seed::group(c, name, &[], &[]).await;
            }
            grant(c, g, &id, "team").await;
        }
        id
    }

    /// Changes the object in `c` (nothing, for a kind that has nothing to change).
    pub async fn change_in(&self, c: &WorkspaceClient, id: &str) {
        match (self.change, self.grant) {
            (Change::By(edit, _), _) => edit(c.clone(), id.to_string()).await,
            (Change::GrantOthers, Some(g)) => grant(c, g, id, "others").await,
            (Change::GrantOthers, None) => panic!("{}: GrantOthers without a grant", self.kind),
            (Change::Nothing(_), _) => {}
        }
    }
}

/// Adds `group`'s grant of `g.level` to the object (`PATCH`: the others stay).
async fn grant(c: &WorkspaceClient, g: Grant, id: &str, group: &str) {
    let acl = [AccessControlRequest::new("group_name", group, g.level)];
    c.permissions()
        .update(g.object_type, id, &acl)
        .await
        .unwrap();
}
