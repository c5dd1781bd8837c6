//! SQL queries of a generated workspace, with their visualizations and grants, a seed part
//! ([`super`]).
//!
//! `typical` has twelve, one per shape ([`SHAPES`]), in folders of the seeded tree (the shared
//! reports, ETL and ML folders, a folder with a non-ASCII name, user homes): every parameter
//! kind (text, number, list, date, date range, and one query-backed list naming another
//! seeded query), a catalog and schema on most, one running as the viewer, one created by a
//! plain user in their home, one whose owner is not its creator; one to three visualizations
//! each (charts, tables, counters) but one; grants to groups and users. `scale:N` repeats the
//! shapes, numbered. Alerts, legacy dashboards and jobs planned after this part use them, so
//! their names go to [`Plan::queries`].
//!
//! Installed through the queries kind's own create (so the tree entries and the creator's
//! CAN_MANAGE are what the API makes), ids from a fork of the generator (salt [`SALT`]),
//! times on the seed's clock.

use serde_json::{Map, Value, json};

use super::sql_common::{self as c, with_fork};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::permissions::Grant;
use crate::kinds::sql::{objects, queries, visualizations::Visualization};
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 4;

/// The part: 12 queries in `typical`.
pub const PART: Part = Part {
    kind: "SQL queries",
    typical: 12,
    max: usize::MAX,
    generate,
};

/// (name, folder — `~` is the creator's home —, SQL text).
pub const SHAPES: &[(&str, &str, &str)] = &[
    (
        "Revenue by region",
        "/Shared/Reports/Finance",
        "SELECT region, sum(amount) AS revenue FROM orders WHERE region = :region GROUP BY region",
    ),
    (
        "Daily active users",
        "/Shared/Reports/Marketing",
        "SELECT date, count(DISTINCT user_id) AS dau FROM events WHERE date >= :since GROUP BY date",
    ),
    (
        "Top customers",
        "/Shared/Reports",
        "SELECT customer, sum(amount) AS total FROM orders GROUP BY customer ORDER BY total DESC LIMIT :limit",
    ),
    (
        "Orders by status",
        "/Shared/Reports",
        "SELECT status, count(*) AS n FROM orders WHERE status IN ({{ status }}) GROUP BY status",
    ),
    (
        "Regions list",
        "/Shared/Reports/Finance",
        "SELECT DISTINCT region FROM orders",
    ),
    (
        "Revenue for region",
        "/Shared/Reports/Finance",
        "SELECT sum(amount) AS revenue FROM orders WHERE region = :region",
    ),
    (
        "Pipeline freshness",
        "/Shared/ETL",
        "SELECT table_name, hours_since_update FROM ops.freshness",
    ),
    (
        "Failed jobs last 24h",
        "/Shared/ETL",
        "SELECT count(*) AS failed FROM system.lakeflow.job_run_timeline WHERE result_state = 'FAILED'",
    ),
    (
        "Churn cohort",
        "/Shared/ML/features",
        "SELECT cohort, churn_rate FROM ml.churn WHERE week BETWEEN :weeks.start AND :weeks.end",
    ),
    (
        "Ventes par région",
        "/Shared/Données partagées",
        "SELECT région, sum(montant) AS ventes FROM ventes GROUP BY région",
    ),
    (
        "Scratch query",
        "~",
        "SELECT * FROM samples.nyctaxi.trips LIMIT 10",
    ),
    (
        "Inventory levels",
        "/Shared/Team Space",
        "SELECT sku, on_hand FROM inventory WHERE on_hand < 100",
    ),
];

/// A planned query: its create body (a query-backed parameter naming its source query by
/// name), creator, owner, visualizations (type, name, options) and grants.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedQuery {
    /// The create body's `query`.
    pub query: Map<String, Value>,
    /// Who creates it.
    pub creator: String,
    /// Its owner when not the creator.
    pub owner: Option<String>,
    /// (type, display name, serialized options).
    pub visualizations: Vec<(String, String, String)>,
    /// Direct grants beside the creator's.
    pub grants: Vec<Grant>,
}

/// The planned queries, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Queries(pub Vec<PlannedQuery>);

fn param(shape: usize, source: &str) -> Option<Value> {
    let p = match shape {
        0 => json!({"name": "region", "title": "Region", "text_value": {"value": "EMEA"}}),
        1 => json!({"name": "since", "title": "Since",
                    "date_value": {"dynamic_date_value": "NOW", "precision": "DAY_PRECISION"}}),
        2 => json!({"name": "limit", "title": "Limit", "numeric_value": {"value": 10}}),
        3 => json!({"name": "status", "title": "Status", "enum_value": {
                    "enum_options": "OPEN\nSHIPPED\nCANCELLED", "values": ["OPEN", "SHIPPED"],
                    "multi_values_options": {"prefix": "'", "separator": ",", "suffix": "'"}}}),
        5 => json!({"name": "region", "title": "Region",
                    "query_backed_value": {"query_id": source, "values": ["EMEA"]}}),
        8 => json!({"name": "weeks", "title": "Weeks", "date_range_value": {
                    "dynamic_date_range_value": "LAST_12_WEEKS", "precision": "DAY_PRECISION",
                    "start_day_of_week": 1}}),
        _ => return None,
    };
    Some(p)
}

fn visualizations(shape: usize) -> Vec<(String, String, String)> {
    let chart = |series: &str| {
        json!({"version": 2, "globalSeriesType": series, "columnMapping": {"x": "x", "y": "y"}})
            .to_string()
    };
    let table = json!({"version": 2, "itemsPerPage": 25}).to_string();
    let counter = json!({"counterLabel": "", "targetRowNumber": 1}).to_string();
    let v = |t: &str, n: &str, o: &str| (t.to_string(), n.to_string(), o.to_string());
    match shape {
        0 => vec![
            v("CHART", "Revenue bars", &chart("column")),
            v("TABLE", "Results", &table),
        ],
        1 | 8 => vec![v("CHART", "Trend", &chart("line"))],
        3 => vec![
            v("CHART", "Status split", &chart("pie")),
            v("TABLE", "Results", &table),
            v("COUNTER", "Open", &counter),
        ],
        5 | 7 => vec![v("COUNTER", "Total", &counter)],
        10 => Vec::new(),
        _ => vec![v("TABLE", "Results", &table)],
    }
}

fn plan_one(k: usize, plan: &Plan) -> PlannedQuery {
    let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
    let (base, dir, text) = SHAPES[shape];
    let creator_index = match shape {
        10 => 3,
        11 => 4,
        _ => 0,
    };
    let mut q = Map::new();
    q.insert("display_name".into(), json!(c::numbered(base, round)));
    q.insert("query_text".into(), json!(text));
    q.insert("warehouse_id".into(), json!(c::warehouse(plan, k)));
    q.insert(
        "parent_path".into(),
        json!(c::folder(plan, dir, creator_index)),
    );
    if shape != 10 {
        q.insert("catalog".into(), json!("main"));
        q.insert(
            "schema".into(),
            json!(if shape < 6 { "sales" } else { "ops" }),
        );
    }
    let source = c::numbered(SHAPES[4].0, round);
    if let Some(p) = param(shape, &source) {
        q.insert("parameters".into(), json!([p]));
    }
    if shape == 2 {
        q.insert("run_as_mode".into(), json!("VIEWER"));
        q.insert("tags".into(), json!(["finance", "top"]));
    }
    if shape == 7 {
        q.insert("description".into(), json!("Feeds the failed-jobs alert."));
    }
    let grants = vec![
        c::to_group(
            c::group(plan, k),
            if shape % 2 == 0 {
                "CAN_RUN"
            } else {
                "CAN_READ"
            },
        ),
        c::to_user(c::user(plan, 5 + k), "CAN_EDIT"),
    ];
    PlannedQuery {
        query: q,
        creator: c::user(plan, creator_index),
        owner: (shape == 11).then(|| c::user(plan, 5)),
        visualizations: visualizations(shape),
        grants,
    }
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned: Vec<PlannedQuery> = (0..count).map(|k| plan_one(k, plan)).collect();
    plan.queries = planned
        .iter()
        .map(|q| q.query["display_name"].as_str().unwrap_or("").to_string())
        .collect();
    Box::new(Queries(planned))
}

/// The id of the active query named `name`.
pub fn query_named(st: &State, name: &str) -> Option<String> {
    (st.sql.queries.values())
        .find(|q| !q.trashed && q.display_name() == name)
        .map(|q| q.id.clone())
}

fn install_one(st: &mut State, k: usize, mut q: PlannedQuery) -> Result<(), EmulatorError> {
    let name = q.query["display_name"].as_str().unwrap_or("").to_string();
    // A query-backed parameter names its source query; swap the name for its id.
    if let Some(src) = (q.query.get_mut("parameters"))
        .and_then(|p| p.pointer_mut("/0/query_backed_value/query_id"))
    {
        let id = query_named(st, src.as_str().unwrap_or(""))
            .ok_or_else(|| refused(&name, "no source query"))?;
        *src = json!(id);
    }
    let body = json!({ "query": q.query });
    let body = body.as_object().cloned().unwrap_or_default();
    let view =
        objects::create(st, &queries::SPEC, &body, &q.creator).map_err(|e| refused(&name, e))?;
    let id = c::id_of(&view, "id");
    let when = c::text_at(k);
    let o = st
        .sql
        .queries
        .get_mut(&id)
        .ok_or_else(|| refused(&name, "not stored"))?;
    o.create_time = when.clone();
    o.update_time = when.clone();
    if let Some(owner) = q.owner {
        o.owner_user_name = owner;
    }
    let path = o.path.clone();
    c::stamp_tree(st, &path, c::at(k));
    for (t, vname, options) in q.visualizations {
        let vid = st.ids.uuid();
        let seq = st.sql.seq();
        let mut fields = Map::new();
        fields.insert("type".into(), json!(t));
        fields.insert("display_name".into(), json!(vname));
        fields.insert("serialized_options".into(), json!(options));
        let v = Visualization {
            id: vid.clone(),
            query_id: id.clone(),
            fields,
            create_time: when.clone(),
            update_time: when.clone(),
            seq,
        };
        st.sql.visualizations.insert(vid, v);
    }
    c::grant(st, "queries", &id, q.grants);
    Ok(())
}

impl Planned for Queries {
    fn objects(&self) -> usize {
        self.0.len()
    }

    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            self.0
                .into_iter()
                .enumerate()
                .try_for_each(|(k, q)| install_one(st, k, q))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_queries_have_every_parameter_kind_and_visualizations() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        assert_eq!(st.sql.queries.len(), 12);
        let params: Vec<String> = (st.sql.queries.values())
            .filter_map(|q| q.fields.get("parameters"))
            .flat_map(|p| {
                p[0].as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        for kind in [
            "text_value",
            "numeric_value",
            "enum_value",
            "query_backed_value",
            "date_value",
            "date_range_value",
        ] {
            assert!(params.iter().any(|p| p == kind), "{kind}");
        }
        let backed = (st.sql.queries.values())
            .find_map(|q| {
                q.fields.get("parameters")?[0]
                    .pointer("/query_backed_value/query_id")
                    .cloned()
            })
            .unwrap();
        assert!(st.sql.queries.contains_key(backed.as_str().unwrap()));
        assert_eq!(st.sql.visualizations.len(), 14);
        for q in st.sql.queries.values() {
            assert_eq!(
                st.workspace.get(&q.path).map(|o| o.object_type.as_str()),
                Some("QUERY")
            );
        }
    }
}
