//! Dashboards at cut-over ([`CutOver`]): a dashboard's held-back parts are its schedules, each
//! on unless PAUSED (the service's default is UNPAUSED), named as [`spec::part_names`] names
//! them, so a source schedule and the target schedule made from it go by the same name.
//! Switching writes each schedule that changes back whole (`PUT`, with the etag it was read
//! with) but for its `pause_status`.

use brickport_api::ApiResultExt;
use brickport_api::types::lakeview::Schedule;
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::spec::{self, PAUSED, UNPAUSED};
use super::{Dashboards, NAME};
use crate::EngineError;
use crate::kinds::{CutOver, KindFuture, ObjectIn, Part};

fn shape_error(id: &str, e: serde_json::Error) -> EngineError {
    EngineError::Shape {
        kind: NAME,
        key: id.to_string(),
        message: e.to_string(),
    }
}

/// The schedules as parts, in the order the service lists them.
fn parts_of(schedules: Vec<Value>) -> Vec<Part> {
    let names = spec::part_names(&schedules);
    schedules
        .into_iter()
        .zip(names)
        .map(|(body, name)| Part {
            name,
            on: body["pause_status"] != PAUSED,
            body,
        })
        .collect()
}

impl CutOver for Dashboards {
    fn parts<'a>(&'a self, obj: ObjectIn<'a>) -> KindFuture<'a, Option<Vec<Part>>> {
        Box::pin(async move {
            let lakeview = obj.workspace.lakeview();
            let Some(d) = lakeview.get(obj.id).await.found()? else {
                return Ok(None);
            };
            if d.lifecycle_state.as_deref() == Some("TRASHED") {
                return Ok(None);
            }
            let schedules: Vec<Schedule> = lakeview.schedules(obj.id).try_collect().await?;
            let mut bodies = Vec::new();
            for s in &schedules {
                bodies.push(serde_json::to_value(s).map_err(|e| shape_error(obj.id, e))?);
            }
            Ok(Some(parts_of(bodies)))
        })
    }

    fn switch<'a>(
        &'a self,
        obj: ObjectIn<'a>,
        parts: &'a [Part],
        on: bool,
    ) -> KindFuture<'a, bool> {
        Box::pin(async move {
            let status = if on { UNPAUSED } else { PAUSED };
            let mut wrote = false;
            for part in parts.iter().filter(|p| p.on != on) {
                let mut s: Schedule = serde_json::from_value(part.body.clone())
                    .map_err(|e| shape_error(obj.id, e))?;
                let Some(sid) = s.schedule_id.clone() else {
                    continue;
                };
                s.pause_status = Some(status.into());
                obj.workspace
                    .lakeview()
                    .update_schedule(obj.id, &sid, &s)
                    .await?;
                wrote = true;
            }
            Ok(wrote)
        })
    }

    fn mark_resumed(&self, spec: &mut Value, resumed: &[String]) {
        let Some(Value::Array(schedules)) = spec.get_mut("schedules") else {
            return;
        };
        let names = spec::part_names(schedules);
        for (s, name) in schedules.iter_mut().zip(names) {
            if resumed.contains(&name) {
                s["pause_status"] = json!(UNPAUSED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_parts_named_alike_and_marked_resumed_by_name() {
        let parts = parts_of(vec![
            json!({"schedule_id": "a", "display_name": "daily", "pause_status": "UNPAUSED"}),
            json!({"schedule_id": "b", "display_name": "daily", "pause_status": "PAUSED"}),
            json!({"schedule_id": "c", "cron_schedule": {"quartz_cron_expression": "0 0 8 * * ?"}}),
        ]);
        let named: Vec<(&str, bool)> = parts.iter().map(|p| (p.name.as_str(), p.on)).collect();
        assert_eq!(
            named,
            [
                ("schedule `daily`", true),
                ("schedule `daily` #2", false),
                ("schedule `0 0 8 * * ?`", true),
            ],
            "no pause_status is UNPAUSED, the service's default"
        );
        let mut spec = json!({"schedules": [
            {"display_name": "daily", "pause_status": "PAUSED"},
            {"display_name": "daily", "pause_status": "PAUSED"},
        ]});
        Dashboards.mark_resumed(&mut spec, &["schedule `daily` #2".into()]);
        assert_eq!(spec["schedules"][0]["pause_status"], "PAUSED");
        assert_eq!(spec["schedules"][1]["pause_status"], "UNPAUSED");
    }
}
