//! Legacy (Redash) dashboards of a generated workspace, a seed part ([`super`]): what an older
//! workspace still has before its migration to AI/BI. `typical` has two ([`SHAPES`]), each with
//! widgets showing visualizations of the seeded queries (the legacy API shows those same
//! queries as its legacy queries) and a text widget, tags, and a group allowed to run it.
//! `scale:N` repeats them, numbered. Jobs planned after this part refresh them in SQL
//! dashboard tasks, so their names go to [`Plan::legacy_dashboards`].
//!
//! Installed through the legacy kind's own functions, ids from a fork of the generator (salt
//! [`SALT`]), times on the seed's clock.

use serde_json::json;

use super::sql_common::{self as c, with_fork};
use super::sql_queries::{self, query_named};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::sql::legacy::{Widget, dashboards};
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 8;

/// The part: 2 legacy dashboards in `typical`.
pub const PART: Part = Part {
    kind: "legacy dashboards",
    typical: 2,
    max: usize::MAX,
    generate,
};

/// (name, folder, tags, indices into the queries' shapes whose first visualization it shows).
pub const SHAPES: &[(&str, &str, &[&str], &[usize])] = &[
    (
        "Sales (legacy)",
        "/Shared/Reports",
        &["legacy", "sales"],
        &[0, 2, 3],
    ),
    ("Ops board (legacy)", "/Shared/ETL", &["legacy"], &[6, 7]),
];

/// A planned legacy dashboard: its widgets name their queries by name.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLegacy {
    /// Name.
    pub name: String,
    /// Folder.
    pub folder: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The queries whose first visualization a widget shows, by name.
    pub queries: Vec<String>,
    /// Who creates it.
    pub creator: String,
    /// A group allowed to run it.
    pub group: String,
}

/// The planned legacy dashboards, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyDashboards(pub Vec<PlannedLegacy>);

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned: Vec<PlannedLegacy> = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let (name, dir, tags, queries) = SHAPES[shape];
            PlannedLegacy {
                name: c::numbered(name, round),
                folder: c::folder(plan, dir, 0),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                queries: (queries.iter())
                    .map(|q| c::numbered(sql_queries::SHAPES[*q].0, round))
                    .collect(),
                creator: c::user(plan, 0),
                group: c::group(plan, k + 7),
            }
        })
        .collect();
    plan.legacy_dashboards = planned.iter().map(|d| d.name.clone()).collect();
    Box::new(LegacyDashboards(planned))
}

fn install_one(st: &mut State, k: usize, d: PlannedLegacy) -> Result<(), EmulatorError> {
    let id = dashboards::insert_dashboard(st, &d.name, d.folder, &d.creator, d.tags);
    for (i, q) in d.queries.iter().enumerate() {
        let qid = query_named(st, q).ok_or_else(|| refused(&d.name, "no query"))?;
        let vis = (st.sql.visualizations.values())
            .filter(|v| v.query_id == qid)
            .min_by_key(|v| v.seq)
            .map(|v| v.id.clone());
        let w = Widget {
            id: st.ids.uuid(),
            visualization_id: vis,
            text: None,
            width: 1,
            options: json!({"position": {"col": (i % 2) * 3, "row": (i / 2) * 8, "sizeX": 3, "sizeY": 8}}),
        };
        dashboards::add_widget(st, &id, w).map_err(|e| refused(&d.name, e))?;
    }
    let text = Widget {
        id: st.ids.uuid(),
        visualization_id: None,
        text: Some(format!("## {}\nMigrated reports live in AI/BI.", d.name)),
        width: 2,
        options: json!({"position": {"col": 0, "row": 16, "sizeX": 6, "sizeY": 2}}),
    };
    dashboards::add_widget(st, &id, text).map_err(|e| refused(&d.name, e))?;
    if let Some(x) = st.sql.legacy_dashboards.get_mut(&id) {
        (x.created_at, x.updated_at) = (c::text_at(k), c::text_at(k));
        x.dashboard_filters_enabled = k.is_multiple_of(2);
    }
    c::grant(
        st,
        "dbsql-dashboards",
        &id,
        vec![c::to_group(d.group, "CAN_RUN")],
    );
    Ok(())
}

impl Planned for LegacyDashboards {
    fn objects(&self) -> usize {
        self.0.len()
    }

    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            (self.0.into_iter().enumerate()).try_for_each(|(k, d)| install_one(st, k, d))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_legacy_dashboards_show_seeded_visualizations() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        assert_eq!(st.sql.legacy_dashboards.len(), 2);
        let widgets: usize = st
            .sql
            .legacy_dashboards
            .values()
            .map(|d| d.widgets.len())
            .sum();
        assert_eq!(widgets, 7);
        for d in st.sql.legacy_dashboards.values() {
            for w in d.widgets.iter().filter_map(|w| w.visualization_id.as_ref()) {
                assert!(st.sql.visualizations.contains_key(w));
            }
        }
    }
}
