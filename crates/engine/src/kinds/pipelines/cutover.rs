//! Pipelines at cut-over ([`CutOver`]): a pipeline's one held-back part is `continuous`, on
//! when the settings say `continuous: true`. Every pipeline has the part (off for a triggered
//! one), so the target's copy, created triggered, has it to switch. Switching writes the whole
//! settings back (an edit replaces every field) with only `continuous` changed; switching it
//! off also stops the update that runs (the service does not promise to stop it by itself).

use brickport_api::ApiResultExt;
use brickport_api::types::pipelines::{EditPipeline, Pipeline};
use serde_json::{Value, json};

use super::Pipelines;
use crate::EngineError;
use crate::kinds::{CutOver, KindFuture, ObjectIn, Part};

const PART: &str = "continuous";

/// The edit that writes `p`'s settings back as they are.
fn edit_of(p: Pipeline) -> EditPipeline {
    EditPipeline {
        spec: p.spec.unwrap_or_default(),
        run_as: p.run_as,
        parameters: p.parameters,
        ..EditPipeline::default()
    }
}

fn shape_error(id: &str, e: serde_json::Error) -> EngineError {
    EngineError::Shape {
        kind: super::NAME,
        key: id.to_string(),
        message: e.to_string(),
    }
}

impl CutOver for Pipelines {
    fn parts<'a>(&'a self, obj: ObjectIn<'a>) -> KindFuture<'a, Option<Vec<Part>>> {
        Box::pin(async move {
            let Some(p) = obj.workspace.pipelines().get(obj.id).await.found()? else {
                return Ok(None);
            };
            if p.state.as_deref() == Some("DELETED") {
                return Ok(None);
            }
            let edit = edit_of(p);
            let on = edit.spec.continuous == Some(true);
            let body = serde_json::to_value(&edit).map_err(|e| shape_error(obj.id, e))?;
            Ok(Some(vec![Part {
                name: PART.into(),
                on,
                body,
            }]))
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
            let mut edit: EditPipeline =
                serde_json::from_value(part.body.clone()).map_err(|e| shape_error(obj.id, e))?;
            // `id` is output only; the rest goes back as read.
            edit.spec.id = None;
            edit.spec.continuous = Some(on);
            let pipelines = obj.workspace.pipelines();
            pipelines.edit(obj.id, &edit).await?;
            if !on {
                pipelines.stop(obj.id).await?;
            }
            Ok(true)
        })
    }

    fn mark_resumed(&self, spec: &mut Value, resumed: &[String]) {
        if resumed.iter().any(|p| p == PART)
            && let Value::Object(m) = spec
        {
            m.insert(PART.into(), json!(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumed_continuous_is_marked_in_a_spec() {
        let mut spec = json!({"name": "etl", "continuous": false});
        Pipelines.mark_resumed(&mut spec, &["schedule".into()]);
        assert_eq!(spec["continuous"], false, "not a part of pipelines");
        Pipelines.mark_resumed(&mut spec, &[PART.into()]);
        assert_eq!(spec["continuous"], true);
    }

    #[test]
    fn the_edit_keeps_the_settings_run_as_and_parameters() {
        let p: Pipeline = serde_json::from_value(json!({
            "pipeline_id": "p", "state": "IDLE",
            "run_as": {"user_name": "a@x.com"}, "parameters": {"k": "v"},
            "spec": {"id": "p", "name": "etl", "continuous": true, "future": 1},
        }))
        .unwrap();
        let v = serde_json::to_value(edit_of(p)).unwrap();
        assert_eq!(
            v,
            json!({"id": "p", "name": "etl", "continuous": true, "future": 1,
                   "run_as": {"user_name": "a@x.com"}, "parameters": {"k": "v"}})
        );
    }
}
