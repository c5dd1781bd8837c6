//! Legacy ("Redash") Databricks SQL objects, listed through the deprecated
//! `/api/2.0/preview/sql/*` API only to be reported: brickport never writes through the legacy
//! API (not in the target, and never in the source). Each is skipped with the reason and a
//! manual action — convert it in the source, then run again: a legacy dashboard becomes an
//! AI/BI dashboard (the Dashboards page's "Clone to AI/BI dashboard", or
//! `POST /api/2.0/lakeview/dashboards/migrate`), which the AI/BI dashboards kind migrates; a
//! query only the legacy API lists is opened and saved in the SQL editor, after which the
//! current queries API lists it and `sql_queries` migrates it.
//!
//! The legacy queries API is an older view of the same queries (same ids): a query the
//! current API lists is `sql_queries`' and is not reported here. Legacy alerts are, likewise,
//! the current alerts. Legacy dashboards name their folder by object id (`folders/<id>`), not
//! by path, so the path selection does not apply to them: every one is reported.
//!
//! Natural key: the kind of object, its name and its id (names are not unique).

use std::collections::BTreeSet;

use brickport_api::types::sql_queries::{LegacyDashboard, LegacyQuery, Query};
use futures::TryStreamExt;
use serde_json::Value;

use super::{
    Created, Ctx, Detail, Kind, KindFuture, Mode, ObjectStream, SourceObject, TargetObject,
};
use crate::EngineError;
use crate::ledger::{Action, Category, SkipReason};

/// The kind's name.
pub const NAME: &str = "legacy_sql";

/// Legacy Databricks SQL dashboards and queries: reported, never written.
pub struct LegacySql;

/// A reported object: skipped, with why and what to do.
fn reported(id: String, key: String, raw: Value, why: &str, todo: String) -> SourceObject {
    let mut obj = SourceObject::new(id, key, raw, Value::Null);
    obj.mode = Mode::Skip(SkipReason::OnPurpose(why.to_string()));
    obj.manual.push(Action::new(Category::Other, todo));
    obj
}

fn dashboard(d: &LegacyDashboard) -> Result<Option<SourceObject>, EngineError> {
    let (Some(id), false) = (d.id.clone(), d.is_archived == Some(true)) else {
        return Ok(None);
    };
    let name = d.name.clone().unwrap_or_default();
    let key = format!("dashboard `{name}` ({id})");
    let raw = super::to_json(NAME, &key, d)?;
    let why =
        "a legacy dashboard: brickport does not re-create legacy objects (their API is deprecated)";
    let todo = format!(
        "convert legacy dashboard `{name}` ({id}) to an AI/BI dashboard in the source (\"Clone to AI/BI dashboard\" on the dashboard, or POST /api/2.0/lakeview/dashboards/migrate), then run again: the AI/BI dashboard is migrated"
    );
    Ok(Some(reported(
        format!("dashboard/{id}"),
        key,
        raw,
        why,
        todo,
    )))
}

fn query(q: &LegacyQuery, current: &BTreeSet<String>) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = q.id.clone() else {
        return Ok(None);
    };
    if current.contains(&id) || q.is_archived == Some(true) {
        return Ok(None);
    }
    let name = q.name.clone().unwrap_or_default();
    let key = format!("query `{name}` ({id})");
    let raw = super::to_json(NAME, &key, q)?;
    let why = "a query only the legacy SQL API lists: brickport does not re-create legacy objects";
    let todo = format!(
        "open legacy query `{name}` ({id}) in the source's SQL editor and save it (the current queries API then lists it), then run again: the query is migrated"
    );
    Ok(Some(reported(format!("query/{id}"), key, raw, why, todo)))
}

async fn list_source(ctx: &Ctx) -> Result<Vec<SourceObject>, EngineError> {
    let legacy = ctx.source.sql_legacy();
    let dashboards: Vec<LegacyDashboard> = legacy.dashboards().try_collect().await?;
    let mut out = Vec::new();
    for d in &dashboards {
        out.extend(dashboard(d)?);
    }
    let current: Vec<Query> = ctx.source.sql_queries().list().try_collect().await?;
    let current: BTreeSet<String> = current.into_iter().filter_map(|q| q.id).collect();
    let queries: Vec<LegacyQuery> = legacy.queries().try_collect().await?;
    for q in &queries {
        out.extend(query(q, &current)?);
    }
    Ok(out)
}

fn never(key: &str) -> EngineError {
    EngineError::Shape {
        kind: NAME,
        key: key.to_string(),
        message: "legacy SQL objects are reported, never written".into(),
    }
}

impl Kind for LegacySql {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(list_source(ctx)))
    }

    /// Never in the target: every object is skipped before a lookup.
    fn find<'a>(
        &'a self,
        _: &'a Ctx,
        _: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async { Ok(None) })
    }

    fn create<'a>(
        &'a self,
        _: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move { Err(never(&obj.key)) })
    }

    fn update<'a>(
        &'a self,
        _: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a TargetObject,
        _: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move { Err(never(&obj.key)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dashboards_and_legacy_only_queries_are_reported() {
        let d: LegacyDashboard =
            serde_json::from_value(json!({"id": "d1", "name": "ops", "parent": "folders/7"}))
                .unwrap();
        let obj = dashboard(&d).unwrap().unwrap();
        assert_eq!(
            (obj.source_id.as_str(), obj.key.as_str()),
            ("dashboard/d1", "dashboard `ops` (d1)")
        );
        assert!(matches!(obj.mode, Mode::Skip(SkipReason::OnPurpose(_))));
        assert!(obj.manual[0].text.contains("AI/BI"), "{:?}", obj.manual);
        let archived = LegacyDashboard {
            is_archived: Some(true),
            ..d
        };
        assert!(dashboard(&archived).unwrap().is_none());
        let q: LegacyQuery = serde_json::from_value(json!({"id": "q1", "name": "old"})).unwrap();
        let current = BTreeSet::from(["q1".to_string()]);
        assert!(query(&q, &current).unwrap().is_none(), "the current API's");
        let only = query(&q, &BTreeSet::new()).unwrap().unwrap();
        assert!(
            only.manual[0].text.contains("SQL editor"),
            "{:?}",
            only.manual
        );
    }
}
