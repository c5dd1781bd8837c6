//! SQL alerts of a generated workspace, a seed part ([`super`]): three alerts of the current
//! API on seeded queries (revenue dropping below a threshold with its own subject and
//! notify-on-ok, stale pipelines re-triggering hourly, failed jobs owned by a plain user) and
//! one alert v2 carrying its own SQL, an UNPAUSED schedule and subscriptions to a user and a
//! notification destination ([`SHAPES`]). `scale:N` repeats them, numbered. Jobs planned after
//! this part run the current-API alerts, so their names go to [`Plan::alerts`].
//!
//! Installed through the alerts kinds' own create, ids from a fork of the generator (salt
//! [`SALT`]), times on the seed's clock; each has a group allowed to run it.

use serde_json::{Map, Value, json};

use super::sql_common::{self as c, with_fork};
use super::sql_queries::{self, query_named};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::sql::{alerts, alerts_v2, objects};
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 5;

/// The part: 4 alerts in `typical` (3 current, 1 v2).
pub const PART: Part = Part {
    kind: "SQL alerts",
    typical: 4,
    max: usize::MAX,
    generate,
};

/// The shapes' names, in order; the last is an alert v2.
pub const SHAPES: &[&str] = &[
    "Revenue drop",
    "Stale pipelines",
    "Failed jobs",
    "Late orders",
];

/// Index of the v2 shape.
pub const V2: usize = 3;

/// A planned alert: which API, its create body (queries named by name), creator and owner.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAlert {
    /// An alert v2 (else the current API).
    pub v2: bool,
    /// The body: `alert` of the current API (its `query_id` a query name), or the AlertV2
    /// (its destination subscription a destination name).
    pub body: Map<String, Value>,
    /// Who creates it.
    pub creator: String,
    /// Its owner when not the creator.
    pub owner: Option<String>,
    /// A group allowed to run it.
    pub group: String,
}

/// The planned alerts, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Alerts(pub Vec<PlannedAlert>);

fn condition(op: &str, column: &str, value: f64) -> Value {
    json!({"op": op, "operand": {"column": {"name": column}},
           "threshold": {"value": {"double_value": value}}})
}

fn current(shape: usize, round: usize, plan: &Plan) -> Map<String, Value> {
    let q = |i: usize| c::numbered(sql_queries::SHAPES[i].0, round);
    let mut a = match shape {
        0 => json!({"query_id": q(0), "condition": condition("LESS_THAN", "revenue", 1000.0),
                    "custom_subject": "Revenue dropped in {{QUERY_RESULT_VALUE}}",
                    "notify_on_ok": true,
                    "parent_path": c::folder(plan, "/Shared/Reports/Finance", 0)}),
        1 => {
            json!({"query_id": q(6), "condition": condition("GREATER_THAN", "hours_since_update", 24.0),
                    "seconds_to_retrigger": 3600, "parent_path": c::folder(plan, "/Shared/ETL", 0)})
        }
        _ => json!({"query_id": q(7), "condition": condition("GREATER_THAN", "failed", 0.0),
                    "custom_body": "Some jobs failed.", "parent_path": c::folder(plan, "/Shared/ETL", 0)}),
    };
    a["display_name"] = json!(c::numbered(SHAPES[shape], round));
    a.as_object().cloned().unwrap_or_default()
}

fn v2(round: usize, plan: &Plan) -> Map<String, Value> {
    let dest = plan.destinations.first().cloned().unwrap_or_default();
    let a = json!({
        "display_name": c::numbered(SHAPES[V2], round),
        "query_text": "SELECT count(*) AS late FROM orders WHERE shipped_at IS NULL AND due < now()",
        "warehouse_id": c::warehouse(plan, round),
        "parent_path": c::folder(plan, "/Shared/Reports", 0),
        "custom_summary": "Late orders",
        "schedule": {"quartz_cron_schedule": "0 0/30 * * * ?", "timezone_id": "Europe/Paris",
                     "pause_status": "UNPAUSED"},
        "evaluation": {"source": {"name": "late", "aggregation": "MAX"},
                       "comparison_operator": "GREATER_THAN",
                       "threshold": {"value": {"double_value": 10.0}},
                       "empty_result_state": "OK",
                       "notification": {"notify_on_ok": false, "retrigger_seconds": 7200,
                                        "subscriptions": [{"user_email": c::user(plan, 2)},
                                                          {"destination_id": dest}]}}
    });
    a.as_object().cloned().unwrap_or_default()
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned: Vec<PlannedAlert> = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            PlannedAlert {
                v2: shape == V2,
                body: if shape == V2 {
                    v2(round, plan)
                } else {
                    current(shape, round, plan)
                },
                creator: c::user(plan, 0),
                owner: (shape == 2).then(|| c::user(plan, 6)),
                group: c::group(plan, k + 1),
            }
        })
        .collect();
    plan.alerts = (planned.iter())
        .filter(|a| !a.v2)
        .map(|a| a.body["display_name"].as_str().unwrap_or("").to_string())
        .collect();
    Box::new(Alerts(planned))
}

fn install_one(st: &mut State, k: usize, mut a: PlannedAlert) -> Result<(), EmulatorError> {
    let name = a.body["display_name"].as_str().unwrap_or("").to_string();
    let when = c::text_at(k);
    let group = vec![c::to_group(a.group, "CAN_RUN")];
    if a.v2 {
        if let Some(d) = (a.body.get_mut("evaluation"))
            .and_then(|e| e.pointer_mut("/notification/subscriptions/1/destination_id"))
        {
            let wanted = d.as_str().unwrap_or("").to_string();
            let found = (st.destinations.destinations.values()).find(|x| x.display_name == wanted);
            *d = json!(
                found
                    .map(|x| x.id.clone())
                    .ok_or_else(|| refused(&name, "no destination"))?
            );
        }
        let id = alerts_v2::create_alert(st, &a.body, &a.creator).map_err(|e| refused(&name, e))?;
        let x = st
            .sql
            .alerts_v2
            .get_mut(&id)
            .ok_or_else(|| refused(&name, "not stored"))?;
        (x.create_time, x.update_time) = (when.clone(), when);
        let path = x.path.clone();
        c::stamp_tree(st, &path, c::at(k));
        c::grant(st, "alertsv2", &id, group);
        return Ok(());
    }
    let q = a.body["query_id"].as_str().unwrap_or("").to_string();
    a.body.insert(
        "query_id".into(),
        json!(query_named(st, &q).ok_or_else(|| refused(&name, "no query"))?),
    );
    let body = json!({ "alert": a.body })
        .as_object()
        .cloned()
        .unwrap_or_default();
    let view =
        objects::create(st, &alerts::SPEC, &body, &a.creator).map_err(|e| refused(&name, e))?;
    let id = c::id_of(&view, "id");
    let x = st
        .sql
        .alerts
        .get_mut(&id)
        .ok_or_else(|| refused(&name, "not stored"))?;
    (x.create_time, x.update_time) = (when.clone(), when);
    if let Some(o) = a.owner {
        x.owner_user_name = o;
    }
    let path = x.path.clone();
    c::stamp_tree(st, &path, c::at(k));
    c::grant(st, "alerts", &id, group);
    Ok(())
}

impl Planned for Alerts {
    fn objects(&self) -> usize {
        self.0.len()
    }

    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            (self.0.into_iter().enumerate()).try_for_each(|(k, a)| install_one(st, k, a))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_alerts_watch_seeded_queries() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        assert_eq!((st.sql.alerts.len(), st.sql.alerts_v2.len()), (3, 1));
        for a in st.sql.alerts.values() {
            let q = a.fields["query_id"].as_str().unwrap();
            assert!(st.sql.has_active_query(q));
        }
        let v2 = st.sql.alerts_v2.values().next().unwrap();
        assert_eq!(v2.spec["schedule"]["pause_status"], "UNPAUSED");
        let dest = v2.spec["evaluation"].pointer("/notification/subscriptions/1/destination_id");
        assert!(
            st.destinations
                .contains(dest.and_then(Value::as_str).unwrap())
        );
    }
}
