//! Alerts v2 at cut-over ([`CutOver`]): an alert's one held-back part is its `schedule`, on
//! unless its `pause_status` is PAUSED. Switching writes the schedule back whole with only its
//! `pause_status` changed (`update_mask=schedule`).

use brickport_api::ApiResultExt;
use brickport_api::types::sql_queries::AlertV2;
use serde_json::{Value, json};

use super::{PAUSED, SqlAlertsV2};
use crate::kinds::{CutOver, KindFuture, ObjectIn, Part};

const PART: &str = "schedule";
const UNPAUSED: &str = "UNPAUSED";

/// The schedule part of an alert, if it has one.
fn part_of(a: &AlertV2) -> Option<Part> {
    let body = a.schedule.clone().filter(Value::is_object)?;
    Some(Part {
        name: PART.into(),
        on: body["pause_status"].as_str() != Some(PAUSED),
        body,
    })
}

impl CutOver for SqlAlertsV2 {
    fn parts<'a>(&'a self, obj: ObjectIn<'a>) -> KindFuture<'a, Option<Vec<Part>>> {
        Box::pin(async move {
            let Some(a) = obj.workspace.alerts_v2().get(obj.id).await.found()? else {
                return Ok(None);
            };
            if super::gone(&a) {
                return Ok(None);
            }
            Ok(Some(part_of(&a).into_iter().collect()))
        })
    }

    fn switch<'a>(
        &'a self,
        obj: ObjectIn<'a>,
        parts: &'a [Part],
        on: bool,
    ) -> KindFuture<'a, bool> {
        Box::pin(async move {
            let Some(part) = parts.iter().find(|p| p.name == PART && p.on != on) else {
                return Ok(false);
            };
            let mut schedule = part.body.clone();
            schedule["pause_status"] = json!(if on { UNPAUSED } else { PAUSED });
            let alert = AlertV2 {
                schedule: Some(schedule),
                ..AlertV2::default()
            };
            obj.workspace
                .alerts_v2()
                .update(obj.id, PART, &alert)
                .await?;
            Ok(true)
        })
    }

    fn mark_resumed(&self, spec: &mut Value, resumed: &[String]) {
        if resumed.iter().any(|p| p == PART)
            && let Some(Value::Object(s)) = spec.get_mut(PART)
        {
            s.insert("pause_status".into(), json!(UNPAUSED));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_the_part_and_is_marked_resumed() {
        let a = AlertV2 {
            schedule: Some(
                json!({"quartz_cron_schedule": "0 0 * * * ?", "pause_status": "UNPAUSED"}),
            ),
            ..AlertV2::default()
        };
        let p = part_of(&a).unwrap();
        assert!(p.on);
        assert_eq!(p.body["quartz_cron_schedule"], "0 0 * * * ?");
        assert!(part_of(&AlertV2::default()).is_none());
        let mut spec = json!({"schedule": {"pause_status": "PAUSED"}});
        SqlAlertsV2.mark_resumed(&mut spec, &["continuous".into()]);
        assert_eq!(spec["schedule"]["pause_status"], "PAUSED");
        SqlAlertsV2.mark_resumed(&mut spec, &[PART.into()]);
        assert_eq!(spec["schedule"]["pause_status"], "UNPAUSED");
    }
}
