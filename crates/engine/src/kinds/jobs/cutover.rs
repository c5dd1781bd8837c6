//! Jobs at cut-over ([`CutOver`]): a job's held-back parts are its `schedule`, `trigger` and
//! `continuous` blocks, each on unless its `pause_status` is PAUSED (the API's default is
//! UNPAUSED). Switching writes `jobs/update` with only the blocks that change, each kept
//! whole but for its `pause_status` (`update` replaces the top-level fields it is given).

use brickport_api::ApiResultExt;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use serde_json::Value;

use super::{Jobs, parse_id};
use crate::kinds::{CutOver, KindFuture, ObjectIn, Part};

/// The job blocks that carry a `pause_status`, in the order they are reported.
const BLOCKS: [&str; 3] = ["schedule", "trigger", "continuous"];

const PAUSED: &str = "PAUSED";
const UNPAUSED: &str = "UNPAUSED";

fn status_of(block: &Value) -> Option<&str> {
    block.get("pause_status").and_then(Value::as_str)
}

/// The blocks `settings` has, each with whether it is on now.
fn parts_of(settings: &JobSettings) -> Vec<Part> {
    let blocks = [&settings.schedule, &settings.trigger, &settings.continuous];
    BLOCKS
        .iter()
        .zip(blocks)
        .filter_map(|(name, block)| {
            let body = block.clone()?;
            Some(Part {
                name: name.to_string(),
                on: body.is_object() && status_of(&body) != Some(PAUSED),
                body,
            })
        })
        .collect()
}

/// Settings holding only the `parts` whose `pause_status` is not `status` yet, set to it;
/// `None` when there is none.
fn with_pause(parts: &[Part], status: &str) -> Option<JobSettings> {
    let mut out = JobSettings::default();
    let mut any = false;
    for part in parts {
        let Value::Object(b) = &part.body else {
            continue;
        };
        if status_of(&part.body) == Some(status) {
            continue;
        }
        let mut b = b.clone();
        b.insert("pause_status".into(), Value::String(status.into()));
        let v = Some(Value::Object(b));
        match part.name.as_str() {
            "schedule" => out.schedule = v,
            "trigger" => out.trigger = v,
            "continuous" => out.continuous = v,
            _ => continue,
        }
        any = true;
    }
    any.then_some(out)
}

impl CutOver for Jobs {
    fn parts<'a>(&'a self, obj: ObjectIn<'a>) -> KindFuture<'a, Option<Vec<Part>>> {
        Box::pin(async move {
            let job = obj.workspace.jobs().get(parse_id(obj.id)?).await.found()?;
            Ok(job.map(|j| parts_of(&j.settings.unwrap_or_default())))
        })
    }

    fn switch<'a>(
        &'a self,
        obj: ObjectIn<'a>,
        parts: &'a [Part],
        on: bool,
    ) -> KindFuture<'a, bool> {
        Box::pin(async move {
            let Some(new_settings) = with_pause(parts, if on { UNPAUSED } else { PAUSED }) else {
                return Ok(false);
            };
            let update = UpdateJob {
                job_id: parse_id(obj.id)?,
                new_settings: Some(new_settings),
                fields_to_remove: Vec::new(),
            };
            obj.workspace.jobs().update(&update).await?;
            Ok(true)
        })
    }

    fn mark_resumed(&self, spec: &mut Value, resumed: &[String]) {
        for b in resumed {
            if let Some(Value::Object(block)) = spec.get_mut(b.as_str()) {
                block.insert("pause_status".into(), Value::String(UNPAUSED.into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parts_follow_the_pause_status_and_switch_whole() {
        let s = JobSettings {
            schedule: Some(
                json!({"quartz_cron_expression": "0 0 * * * ?", "pause_status": "UNPAUSED"}),
            ),
            trigger: Some(json!({"file_arrival": {"url": "s3://b/"}})),
            continuous: Some(json!({"pause_status": "PAUSED"})),
            ..JobSettings::default()
        };
        let parts = parts_of(&s);
        let on: Vec<&str> = parts
            .iter()
            .filter(|p| p.on)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(on, ["schedule", "trigger"]);
        let up = with_pause(&parts[1..], PAUSED).unwrap();
        assert_eq!(up.trigger.as_ref().unwrap()["pause_status"], "PAUSED");
        let t = up.trigger.as_ref().unwrap();
        assert_eq!(
            t["file_arrival"]["url"], "s3://b/",
            "the block is kept whole"
        );
        assert!(up.continuous.is_none(), "already PAUSED: not sent");
        assert!(up.schedule.is_none(), "not asked for");
        assert!(with_pause(&parts[2..], PAUSED).is_none());
        assert!(parts_of(&JobSettings::default()).is_empty());
    }

    #[test]
    fn resumed_blocks_are_marked_unpaused_in_a_spec() {
        let mut spec = json!({
            "schedule": {"quartz_cron_expression": "0 0 * * * ?", "pause_status": "PAUSED"},
            "continuous": {"pause_status": "PAUSED"},
        });
        Jobs.mark_resumed(&mut spec, &["schedule".into(), "trigger".into()]);
        assert_eq!(spec["schedule"]["pause_status"], "UNPAUSED");
        assert_eq!(spec["continuous"]["pause_status"], "PAUSED");
        assert!(
            spec.get("trigger").is_none(),
            "a block it lacks is not made"
        );
    }
}
