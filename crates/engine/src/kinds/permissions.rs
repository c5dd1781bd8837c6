//! Permissions of every migrated object: one generic kind per object type (one table line
//! each), running after the kind it guards. Each object's permissions are a single ledger
//! object keyed like the guarded one.
//!
//! Only direct grants are replayed (`inherited: true` entries come from the parent folder or
//! the workspace and are re-derived by the target); the `admins` group's grants are inherited
//! everywhere and left alone. Principals are mapped through the id map — users by userName,
//! groups by name, service principals by applicationId (the target's new one); a grant to a
//! principal that was not migrated is dropped and reported. Objects with exactly one owner
//! (jobs, warehouses, pipelines) keep the source owner, mapped (a SQL query's or alert's
//! owner is a field of the object, which its kind maps); when it cannot be mapped, the
//! migrating principal is the owner. The target's ACL is replaced (PUT), so it ends equal to the source.
//!
//! A workspace without the permissions API (`FEATURE_DISABLED`) is reported once per object
//! type (one skipped line), not once per object, and the run goes on.

use brickport_api::ApiResultExt;
use std::collections::BTreeSet;
use std::sync::Arc;

use brickport_api::types::permissions::{AccessControlRequest, ObjectPermissions};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::Detail;
use super::{
    Created, Ctx, Kind, KindFuture, Mode, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject,
};
use crate::EngineError;
use crate::ledger::{Action, Category, SkipReason};

/// Permissions of the objects of one kind.
pub struct Permissions {
    name: &'static str,
    guarded: Arc<dyn Kind>,
    /// The permissions API's type; notebooks and files differ per object (see `request_type`).
    object_type: &'static str,
    has_owner: bool,
    refs: &'static [Reference],
}

macro_rules! perm_refs {
    ($kind:expr) => {
        &[
            Reference {
                path: "object_id",
                kinds: &[$kind],
                by: RefBy::Id,
                required: true,
                deferred: false,
            },
            Reference {
                path: "acl[].user_name",
                kinds: &[super::users::NAME],
                by: RefBy::Key,
                required: false,
                deferred: false,
            },
            Reference {
                path: "acl[].group_name",
                kinds: &[super::groups::NAME],
                by: RefBy::Key,
                required: false,
                deferred: false,
            },
            Reference {
                path: "acl[].service_principal_name",
                kinds: &[super::service_principals::NAME],
                by: RefBy::Key,
                required: false,
                deferred: false,
            },
        ]
    };
}

/// Every permissions kind, in table order: its name, the kind it guards, the permissions
/// API's object type, whether the object has exactly one owner (IS_OWNER), its references.
/// The SQL objects use the generic permissions API (the legacy DBSQL one has no service
/// principals and replaces the ACL without inheritance); their owner is a field of the object.
#[rustfmt::skip]
pub fn all() -> Vec<Arc<dyn Kind>> {
    use super::{cluster_policies, clusters, dashboards, genie_spaces, instance_pools, jobs};
    use super::{notebooks, pipelines, repos, sql_warehouses, workspace_folders};
    use super::{sql_alerts, sql_alerts_v2, sql_queries};
    let k = |name, guarded: Arc<dyn Kind>, object_type, has_owner, refs| -> Arc<dyn Kind> {
        Arc::new(Permissions { name, guarded, object_type, has_owner, refs })
    };
    vec![
        k("cluster_policy_permissions", Arc::new(cluster_policies::ClusterPolicies), "cluster-policies", false, perm_refs!(cluster_policies::NAME)),
        k("instance_pool_permissions", Arc::new(instance_pools::InstancePools), "instance-pools", false, perm_refs!(instance_pools::NAME)),
        k("sql_warehouse_permissions", Arc::new(sql_warehouses::SqlWarehouses), "warehouses", true, perm_refs!(sql_warehouses::NAME)),
        k("folder_permissions", Arc::new(workspace_folders::WorkspaceFolders), "directories", false, perm_refs!(workspace_folders::NAME)),
        k("cluster_permissions", Arc::new(clusters::Clusters), "clusters", false, perm_refs!(clusters::NAME)),
        k("notebook_permissions", Arc::new(notebooks::Notebooks), "notebooks", false, perm_refs!(notebooks::NAME)),
        k("repo_permissions", Arc::new(repos::Repos), "repos", false, perm_refs!(repos::NAME)),
        k("pipeline_permissions", Arc::new(pipelines::Pipelines), "pipelines", true, perm_refs!(pipelines::NAME)),
        k("sql_query_permissions", Arc::new(sql_queries::SqlQueries), "queries", false, perm_refs!(sql_queries::NAME)),
        k("sql_alert_permissions", Arc::new(sql_alerts::SqlAlerts), "alerts", false, perm_refs!(sql_alerts::NAME)),
        k("sql_alert_v2_permissions", Arc::new(sql_alerts_v2::SqlAlertsV2), "alertsv2", false, perm_refs!(sql_alerts_v2::NAME)),
        k("job_permissions", Arc::new(jobs::Jobs), "jobs", true, perm_refs!(jobs::NAME)),
        k("dashboard_permissions", Arc::new(dashboards::Dashboards), "dashboards", false, perm_refs!(dashboards::NAME)),
        k("genie_space_permissions", Arc::new(genie_spaces::GenieSpaces), "genie", false, perm_refs!(genie_spaces::NAME)),
    ]
}

const PRINCIPAL_FIELDS: [&str; 3] = ["user_name", "group_name", "service_principal_name"];

/// The direct grants of an answer, as sorted `{<principal field>: name, permission_level}`,
/// without the `admins` group (inherited everywhere, not editable).
fn direct(p: &ObjectPermissions) -> Vec<Value> {
    let mut out: Vec<Value> = p
        .access_control_list
        .iter()
        .flatten()
        .flat_map(|a| a.direct_grants())
        .filter(|g| g.group_name.as_deref() != Some("admins"))
        .filter_map(|g| serde_json::to_value(g).ok())
        .collect();
    out.sort_by_key(|v| v.to_string());
    out.dedup();
    out
}

fn is_feature_disabled(e: &brickport_api::ApiError) -> bool {
    e.error_code() == Some("FEATURE_DISABLED")
}

fn pairs(acl: Option<&Value>, skip_owner: bool) -> BTreeSet<String> {
    acl.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|g| !(skip_owner && g["permission_level"] == json!("IS_OWNER")))
        .map(|g| {
            let who = PRINCIPAL_FIELDS
                .iter()
                .find_map(|f| {
                    g.get(*f)
                        .and_then(Value::as_str)
                        .map(|n| format!("{f}={n}"))
                })
                .unwrap_or_default();
            format!("{who} {}", g["permission_level"].as_str().unwrap_or(""))
        })
        .collect()
}

impl Permissions {
    fn request_type(&self, spec: &Value) -> String {
        spec.get("request_type")
            .and_then(Value::as_str)
            .unwrap_or(self.object_type)
            .to_string()
    }

    /// One skipped line standing for the whole object type.
    fn disabled(&self, side: &str) -> Vec<SourceObject> {
        let mut o = SourceObject::new("(all)", "(all)", json!({}), json!({}));
        o.mode = Mode::Skip(SkipReason::NoPermissionsApi {
            side: side.to_string(),
            object_type: self.object_type.to_string(),
        });
        o.manual.push(Action::new(Category::Other, format!(
            "set the {} permissions by hand in the target, or enable the permissions API and run again",
            self.object_type
        )));
        vec![o]
    }

    /// One object's grants as read in the source (`None`: the object is gone since it was
    /// listed).
    async fn read_source(
        &self,
        ctx: &Ctx,
        o: SourceObject,
    ) -> Result<Option<SourceObject>, EngineError> {
        let t = match o.spec()["object_type"].as_str() {
            Some("FILE") if self.object_type == "notebooks" => "files",
            _ => self.object_type,
        };
        if SourceObject::resumable(ctx, self.name, &o.source_id)? {
            let spec = json!({"object_id": o.source_id, "request_type": t});
            // The backup says it was not read (the run that read it backed it up).
            let raw = json!({"object_id": o.source_id, "not_read_again": "--resume"});
            let mut p = SourceObject::new(o.source_id.clone(), o.key.clone(), raw, spec);
            p.mode = Mode::Resumed;
            return Ok(Some(p));
        }
        let r = ctx.source.permissions().get(t, &o.source_id).await;
        let mut spec = json!({"object_id": o.source_id, "request_type": t, "acl": []});
        let mut p = SourceObject::new(o.source_id.clone(), o.key.clone(), json!({}), spec.clone());
        match r {
            Ok(perms) => {
                p.raw = super::to_json(self.name, &o.key, &perms)?;
                spec["acl"] = Value::Array(direct(&perms));
                p.set_spec(&spec);
                p.mode = Mode::Merge;
            }
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) if is_feature_disabled(&e) => {
                p.mode = Mode::Skip(SkipReason::PermissionsDisabled);
            }
            // An outage stops the run; it says nothing of this object's grants.
            Err(e) if e.is_unreachable() => return Err(e.into()),
            Err(e) => {
                p.mode = Mode::Skip(SkipReason::PermissionsUnreadable(e.to_string()));
            }
        }
        Ok(Some(p))
    }

    /// The migrating principal in the target, as an ACL entry field and name (read once per
    /// run, in the run's cache).
    async fn me(&self, ctx: &Ctx) -> Result<(String, String), EngineError> {
        let name = super::shared::target_caller(ctx).await?.unwrap_or_default();
        let field = if super::jobs::uuid_like(&name) {
            "service_principal_name"
        } else {
            "user_name"
        };
        Ok((field.to_string(), name))
    }

    async fn put(&self, ctx: &Ctx, desired: &Value) -> Result<(), EngineError> {
        let t = self.request_type(desired);
        let id = desired["object_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut acl: Vec<AccessControlRequest> = desired["acl"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| serde_json::from_value(g.clone()).ok())
            .collect();
        if self.has_owner
            && !acl
                .iter()
                .any(|g| g.permission_level.as_deref() == Some("IS_OWNER"))
        {
            let (field, name) = self.me(ctx).await?;
            acl.push(AccessControlRequest::new(&field, &name, "IS_OWNER"));
        }
        ctx.target.permissions().set(&t, &id, &acl).await?;
        Ok(())
    }
}

/// The side whose workspace has the permissions API disabled, if any: one probe per side on
/// the root folder (it always exists), once per run for every permissions kind.
async fn disabled_side(ctx: &Ctx) -> Option<&'static str> {
    ctx.cache
        .permissions_probe(|| async {
            for (side, client) in [("source", &ctx.source), ("target", &ctx.target)] {
                if let Err(e) = client.permissions().get("directories", "0").await
                    && is_feature_disabled(&e)
                {
                    return Some(side);
                }
            }
            None
        })
        .await
}

impl Kind for Permissions {
    fn name(&self) -> &'static str {
        self.name
    }
    fn phase(&self) -> u8 {
        self.guarded.phase()
    }
    fn grants_of(&self) -> Option<&'static str> {
        Some(self.guarded.name())
    }
    fn references(&self) -> &'static [Reference] {
        self.refs
    }

    fn streamed(&self) -> bool {
        self.guarded.streamed()
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        let width = ctx.opts.max_concurrency.max(1);
        // Opened before the probe: a stream of the shared source tree walk must be open from
        // the start for the walk to keep its entries (see `source_walk`); dropped unread when
        // the API is disabled.
        let brief = self.guarded.list(ctx, Detail::Brief);
        let probed = async move {
            Ok::<_, EngineError>(match disabled_side(ctx).await {
                Some(side) => {
                    drop(brief);
                    futures::stream::iter(self.disabled(side).into_iter().map(Ok)).boxed()
                }
                None => brief
                    .try_filter(|o| std::future::ready(o.mode == Mode::Migrate))
                    .map_ok(move |o| self.read_source(ctx, o))
                    .try_buffered(width)
                    .try_filter_map(|o| std::future::ready(Ok(o)))
                    .boxed(),
            })
        };
        Box::pin(futures::stream::once(probed).try_flatten())
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let t = self.request_type(desired);
            let id = desired["object_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let perms = ctx.target.permissions().get(&t, &id).await.found()?;
            Ok(perms.map(|p| TargetObject {
                id: id.clone(),
                key: id.clone(),
                body: json!({"object_id": id, "request_type": t, "acl": direct(&p)}),
                facts: Default::default(),
            }))
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            self.put(ctx, desired).await?;
            Ok(Created {
                id: desired["object_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                key: None,
            })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        _: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(self.put(ctx, desired))
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        // Without a mappable source owner the migrating principal owns the object: any owner
        // in the target is then fine.
        let skip_owner = self.has_owner
            && !pairs(desired.get("acl"), false)
                .iter()
                .any(|p| p.ends_with(" IS_OWNER"));
        let want = pairs(desired.get("acl"), skip_owner);
        let have = pairs(t.body.get("acl"), skip_owner);
        if want == have {
            Vec::new()
        } else {
            let mut d: Vec<String> = want.symmetric_difference(&have).cloned().collect();
            d.sort();
            vec![format!("acl ({})", d.join(", "))]
        }
    }
}
