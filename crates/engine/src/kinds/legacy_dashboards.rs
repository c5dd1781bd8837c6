//! Legacy ("Redash") Databricks SQL dashboards: listed so the report names each one, never
//! re-created. The legacy API is deprecated and a copy through it would be a legacy dashboard
//! again; the platform converts a legacy dashboard into an AI/BI dashboard in the source, which
//! the dashboards kind then migrates. So every legacy dashboard is skipped with that reason
//! and the manual action to convert it, then run again. brickport never writes to the source
//! for it. A workspace without the legacy API has no legacy dashboards.
//!
//! Natural key: `<name> (<id>)` (names are not unique, and the list names no folder path).

use brickport_api::ApiError;
use futures::TryStreamExt;
use serde_json::Value;

use super::{
    Action, Category, Created, Ctx, Detail, Kind, KindFuture, Mode, ObjectStream, SkipReason,
    SourceObject, TargetObject,
};
use crate::EngineError;

/// The kind's name.
pub const NAME: &str = "legacy_dashboards";

/// Legacy dashboards (reported, never written).
pub struct LegacyDashboards;

/// A workspace whose legacy API is gone or off: nothing to list.
fn no_legacy_api(e: &ApiError) -> bool {
    e.is_not_found()
        || matches!(
            e.error_code(),
            Some("ENDPOINT_NOT_FOUND" | "FEATURE_DISABLED")
        )
}

fn never_written() -> EngineError {
    EngineError::Shape {
        kind: NAME,
        key: String::new(),
        message: "legacy dashboards are never re-created: convert them in the source".into(),
    }
}

/// One legacy dashboard as a skipped object with its manual action.
fn skipped(raw: Value) -> Option<SourceObject> {
    let id = raw.get("id").and_then(crate::json::as_id)?;
    if raw.get("is_archived") == Some(&Value::Bool(true)) {
        return None;
    }
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Untitled");
    let key = format!("{name} ({id})");
    let mut obj = SourceObject::new(id, key.clone(), raw, Value::Null);
    obj.mode = Mode::Skip(SkipReason::OnPurpose(
        "a legacy dashboard: brickport re-creates AI/BI dashboards only".into(),
    ));
    obj.manual.push(Action::new(
        Category::Other,
        format!(
            "legacy dashboard `{key}`: convert it to an AI/BI dashboard in the source, then run again"
        ),
    ));
    Some(obj)
}

impl Kind for LegacyDashboards {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let listed = ctx.source.legacy_sql().dashboards().try_collect().await;
            let listed: Vec<_> = match listed {
                Ok(l) => l,
                Err(e) if no_legacy_api(&e) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            let mut out = Vec::new();
            for d in listed {
                let raw = super::to_json(NAME, "", &d)?;
                out.extend(skipped(raw));
            }
            Ok(out)
        }))
    }

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
        _: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async { Err(never_written()) })
    }

    fn update<'a>(
        &'a self,
        _: &'a Ctx,
        _: &'a SourceObject,
        _: &'a TargetObject,
        _: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async { Err(never_written()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_legacy_dashboard_is_skipped_with_the_conversion_to_do() {
        let o = skipped(json!({"id": "ld-1", "name": "Ops"})).unwrap();
        assert_eq!(o.key, "Ops (ld-1)");
        assert!(matches!(o.mode, Mode::Skip(SkipReason::OnPurpose(_))));
        assert_eq!(o.manual.len(), 1);
        assert!(
            o.manual[0]
                .text
                .contains("convert it to an AI/BI dashboard in the source, then run again")
        );
        assert!(
            skipped(json!({"id": "x", "is_archived": true})).is_none(),
            "trashed"
        );
        assert!(skipped(json!({"name": "no id"})).is_none());
    }
}
