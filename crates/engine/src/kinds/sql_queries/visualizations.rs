//! A query's visualizations, part of the query object: created after it, and on an update
//! made equal to the source's with the fewest writes — a visualization the target already has
//! equal is left alone, one of the same name that differs is changed (`PATCH` with the
//! fields that differ), the rest created, and what the source no longer has deleted.
//! Visualizations have no key of their own (two may share a name), so they are matched by
//! content first, then by name.

use brickport_api::types::sql_queries::{CreateVisualization, UpdateVisualization, Visualization};
use serde_json::Value;

use super::spec::{VISUALIZATION_FIELDS, comparable_visualization};
use super::{Ctx, NAME, from_json};
use crate::EngineError;

/// What to write for one query's visualizations.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Plan {
    /// Desired visualizations to create.
    pub create: Vec<Value>,
    /// Target visualizations to change: (id, update mask, desired).
    pub change: Vec<(String, String, Value)>,
    /// Target visualizations to delete, by id.
    pub delete: Vec<String>,
}

fn equal(desired: &Value, target: &Value) -> bool {
    let (d, t) = (
        comparable_visualization(desired),
        comparable_visualization(target),
    );
    crate::json::subset_diff(&d, &t).is_empty()
}

/// The writes that make `target` (with ids) equal to `desired`.
pub(super) fn plan(desired: &[Value], target: &[Value]) -> Plan {
    let mut used = vec![false; target.len()];
    let mut pending = Vec::new();
    for d in desired {
        match (0..target.len()).find(|i| !used[*i] && equal(d, &target[*i])) {
            Some(i) => used[i] = true,
            None => pending.push(d),
        }
    }
    let mut out = Plan::default();
    for d in pending {
        let same_name = (0..target.len())
            .find(|i| !used[*i] && target[*i]["display_name"] == d["display_name"]);
        match same_name {
            Some(i) => {
                used[i] = true;
                let (cd, ct) = (
                    comparable_visualization(d),
                    comparable_visualization(&target[i]),
                );
                let mask = super::super::sql_objects::update_mask(&cd, &ct, VISUALIZATION_FIELDS);
                let id = target[i]["id"].as_str().unwrap_or_default().to_string();
                out.change.push((id, mask, d.clone()));
            }
            None => out.create.push(d.clone()),
        }
    }
    out.delete = (0..target.len())
        .filter(|i| !used[*i])
        .filter_map(|i| target[i]["id"].as_str().map(str::to_string))
        .collect();
    out
}

/// The visualizations of a body (a spec or a target's).
pub(super) fn of(body: &Value) -> Vec<Value> {
    body["visualizations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Writes `plan` to the target query `query_id` (`key`: the query's, for messages).
pub(super) async fn apply(
    ctx: &Ctx,
    key: &str,
    query_id: &str,
    plan: Plan,
) -> Result<(), EngineError> {
    let api = ctx.target.sql_queries();
    for id in &plan.delete {
        api.delete_visualization(id).await?;
    }
    for (id, mask, d) in plan.change {
        let visualization: Visualization = from_json(NAME, key, &d)?;
        let request = UpdateVisualization {
            update_mask: Some(mask),
            visualization: Some(visualization),
            ..Default::default()
        };
        api.update_visualization(&id, &request).await?;
    }
    for d in plan.create {
        let mut visualization: Visualization = from_json(NAME, key, &d)?;
        visualization.query_id = Some(query_id.to_string());
        let request = CreateVisualization {
            visualization: Some(visualization),
            ..Default::default()
        };
        api.create_visualization(&request).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_ones_stay_same_names_change_others_come_and_go() {
        let desired = vec![
            json!({"display_name": "Table", "type": "table", "serialized_options": "{\"a\":1}"}),
            json!({"display_name": "Chart", "type": "chart", "serialized_options": "{\"b\":2}"}),
            json!({"display_name": "New", "type": "counter"}),
        ];
        let target = vec![
            json!({"id": "t1", "display_name": "Chart", "type": "chart", "serialized_options": "{\"b\": 1}"}),
            json!({"id": "t2", "display_name": "Table", "type": "table", "serialized_options": "{ \"a\" : 1 }"}),
            json!({"id": "t3", "display_name": "Old", "type": "table"}),
        ];
        let p = plan(&desired, &target);
        assert_eq!(p.create, vec![desired[2].clone()]);
        assert_eq!(
            p.change,
            vec![(
                "t1".to_string(),
                "serialized_options".to_string(),
                desired[1].clone()
            )]
        );
        assert_eq!(p.delete, vec!["t3".to_string()]);
        assert_eq!(plan(&desired[..1], &target[1..2]), Plan::default());
    }
}
