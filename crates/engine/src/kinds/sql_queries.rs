//! Databricks SQL queries (the current `/api/2.0/sql/queries` API), each with its
//! visualizations as part of the object: the query is created, then its visualizations; an
//! update changes the query's differing fields (`update_mask`) and then makes its
//! visualizations equal (`sql_queries/visualizations.rs`).
//!
//! References: the warehouse it runs on (`sql_warehouses`, by id), the folder holding it
//! (`workspace_folders`, by path), the owner (a user or service principal, by name: set with
//! an update after the create, as the API takes it; dropped and reported when not migrated,
//! leaving the migrating principal the owner) and the queries its query-backed parameters
//! read (this kind, by id: the engine creates those first). A query whose warehouse or folder
//! is left out of the migration is skipped with the reason.
//!
//! The catalog map (`[translate.catalogs]`) changes the `catalog` field; the SQL text is never
//! rewritten — a query whose text names a mapped catalog gets a manual action saying so
//! (`sql_queries/spec.rs`). Queries only the legacy API lists are the `legacy_sql` kind's.
//!
//! Natural key: the folder and the display name (`/Shared/bi/orders`). The list has no
//! folder, so every listed query is read (and its visualizations listed); the target is
//! looked up the same way (`sql_objects.rs`). A delete moves a query to the trash (only
//! `rollback` deletes one); a trashed query is not found.

use brickport_api::ApiResultExt;
use brickport_api::types::sql_queries::{
    CreateQuery, QUERY_UPDATABLE, Query, UpdateQuery, Visualization,
};
use futures::TryStreamExt;
use serde_json::Value;

use super::reference as r;
use super::sql_objects;
use super::{
    Created, Ctx, Detail, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject, from_json,
};
use super::{Deleted, InTarget};
use crate::{Check, EngineError};

mod spec;
mod visualizations;
pub(crate) use spec::catalogs_in_text;

/// The kind's name.
pub const NAME: &str = "sql_queries";

/// Databricks SQL queries.
pub struct SqlQueries;

const REFS: &[Reference] = &[
    r(
        "warehouse_id",
        &[super::sql_warehouses::NAME],
        RefBy::Id,
        true,
    ),
    r(
        "parent_path",
        &[super::workspace_folders::NAME],
        RefBy::Key,
        true,
    ),
    r(
        "owner_user_name",
        &[super::users::NAME, super::service_principals::NAME],
        RefBy::Key,
        false,
    ),
    // Another query of this kind: created first by the engine (a cycle is completed in a
    // second pass).
    r(
        "parameters[].query_backed_value.query_id",
        &[NAME],
        RefBy::Id,
        true,
    ),
];

fn trashed(q: &Query) -> bool {
    sql_objects::trashed(q.lifecycle_state.as_deref())
}

/// A query's visualizations in one workspace.
async fn visualizations(
    ctx: &Ctx,
    source: bool,
    id: &str,
) -> Result<Vec<Visualization>, EngineError> {
    let (client, _) = ctx.side(source);
    Ok(client
        .sql_queries()
        .visualizations(id)
        .try_collect()
        .await?)
}

/// The target query `id`, with its visualizations (`None`: gone or trashed).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    let Some(q) = ctx.target.sql_queries().get(id).await.found()? else {
        return Ok(None);
    };
    if trashed(&q) {
        return Ok(None);
    }
    let vis = visualizations(ctx, false, id).await?;
    let body = spec::body_of(&q, &vis);
    Ok(TargetObject::from_parts(
        q.id.clone(),
        Some(spec::key(&q)),
        body,
    ))
}

/// One listed query: read (its folder is only in a read) and, in full, with its
/// visualizations. `None`: deleted or trashed since it was listed, or outside the path
/// selection.
async fn source_object(
    ctx: &Ctx,
    listed: Query,
    detail: Detail,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = listed.id.clone() else {
        return Ok(None);
    };
    // Resumed only in full: a brief listing (permissions) needs the mode `Migrate`.
    if detail == Detail::Full
        && let Some(obj) = sql_objects::resumed(ctx, NAME, &id)?
    {
        return Ok(Some(obj));
    }
    let Some(q) = ctx.source.sql_queries().get(&id).await.found()? else {
        return Ok(None);
    };
    let key = spec::key(&q);
    if trashed(&q) || !ctx.opts.path_selected(&key) {
        return Ok(None);
    }
    let vis = match detail {
        Detail::Full => visualizations(ctx, true, &id).await?,
        Detail::Brief => Vec::new(),
    };
    let mut raw = super::to_json(NAME, &key, &q)?;
    raw["visualizations"] = super::to_json(NAME, &key, &vis)?;
    let built = spec::build(&q, &vis, &ctx.opts.catalogs);
    let mut obj = SourceObject::new(id, key, raw, built.spec);
    obj.manual = built.manual;
    Ok(Some(obj))
}

/// Every target query's id and display name.
async fn target_names(ctx: &Ctx) -> Result<Vec<(String, String)>, EngineError> {
    let listed: Vec<Query> = ctx.target.sql_queries().list().try_collect().await?;
    Ok(listed
        .into_iter()
        .filter(|q| !trashed(q))
        .filter_map(|q| Some((q.id?, q.display_name?)))
        .collect())
}

/// The writable query fields of `desired` (without its visualizations).
fn query_of(key: &str, desired: &Value) -> Result<Query, EngineError> {
    sql_objects::payload(NAME, key, desired, &["visualizations"])
}

/// Changes the fields of target query `id` that `desired` has and `current` lacks.
async fn patch(
    ctx: &Ctx,
    key: &str,
    id: &str,
    desired: &Value,
    current: &Value,
) -> Result<(), EngineError> {
    let mask = sql_objects::update_mask(desired, current, QUERY_UPDATABLE);
    if mask.is_empty() {
        return Ok(());
    }
    let mut query = query_of(key, desired)?;
    // Create only: an update that names it is refused.
    query.parent_path = None;
    let request = UpdateQuery {
        update_mask: Some(mask),
        query: Some(query),
        auto_resolve_display_name: Some(false),
        ..Default::default()
    };
    ctx.target.sql_queries().update(id, &request).await?;
    Ok(())
}

impl Kind for SqlQueries {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        let listed = ctx.source.sql_queries().list();
        sql_objects::read_each(ctx, listed, move |q| source_object(ctx, q, detail))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let list = || target_names(ctx);
            let get = |id: String| async move { read(ctx, &id).await };
            sql_objects::find(ctx, NAME, &obj.key, desired, list, get).await
        })
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(Box::pin(read(ctx, id)))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let mut query = query_of(&obj.key, desired)?;
            query
                .parent_path
                .get_or_insert_with(|| sql_objects::ROOT.into());
            // Taken through an update only.
            let owner = query.owner_user_name.take();
            let request = CreateQuery {
                query: Some(query),
                auto_resolve_display_name: Some(false),
                ..Default::default()
            };
            let made = ctx.target.sql_queries().create(&request).await?;
            let id = made.id.clone().unwrap_or_default();
            if owner.is_some() {
                let current = spec::body_of(&made, &[]);
                patch(ctx, &obj.key, &id, desired, &current).await?;
            }
            let plan = visualizations::plan(&visualizations::of(desired), &[]);
            visualizations::apply(ctx, &obj.key, &id, plan).await?;
            Ok(Created { id, key: None })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        t: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            patch(ctx, &obj.key, &t.id, desired, &t.body).await?;
            let plan =
                visualizations::plan(&visualizations::of(desired), &visualizations::of(&t.body));
            visualizations::apply(ctx, &obj.key, &t.id, plan).await
        })
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        crate::json::subset_diff(&spec::comparable(desired), &spec::comparable(&t.body))
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let mut checks = Vec::new();
            if !ctx.opts.catalogs.is_empty() {
                checks.push(Check::pass(
                    "catalog map",
                    "source",
                    format!(
                        "{} catalog(s) renamed in the `catalog` field of queries; SQL text is never rewritten (each query whose text names a mapped catalog gets a manual action)",
                        ctx.opts.catalogs.len()
                    ),
                ));
            }
            Ok(checks)
        })
    }

    /// A delete moves the object to the trash (purged by the service after 30 days).
    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.sql_queries().delete(target.id).await })
    }
}
