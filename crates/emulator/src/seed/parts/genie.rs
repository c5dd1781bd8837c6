//! Genie spaces of a generated workspace, a seed part ([`super`]): `typical` has two — a
//! sales Q&A space over three Unity Catalog tables with sample questions, in the shared
//! reports folder, and an operations assistant with a description, in the team folder
//! ([`SHAPES`]) — each on a seeded warehouse, with a group allowed to run it and a user to
//! edit it. `scale:N` repeats them, numbered.
//!
//! Installed through the Genie kind's own create, ids from a fork of the generator (salt
//! [`SALT`]), times on the seed's clock.

use serde_json::json;

use super::sql_common::{self as c, with_fork};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::genie::{self, NewSpace};
use crate::kinds::permissions::Grant;
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;

/// This part's fork of the id generator.
pub const SALT: u64 = 7;

/// The part: 2 Genie spaces in `typical`.
pub const PART: Part = Part {
    kind: "Genie spaces",
    typical: 2,
    max: usize::MAX,
    generate,
};

/// (title, folder, description, tables).
pub const SHAPES: &[(&str, &str, Option<&str>, &[&str])] = &[
    (
        "Sales Q&A",
        "/Shared/Reports",
        None,
        &[
            "main.sales.orders",
            "main.sales.customers",
            "main.sales.regions",
        ],
    ),
    (
        "Ops assistant",
        "/Shared/Team Space",
        Some("Answers questions about pipelines and job runs."),
        &["main.ops.freshness", "system.lakeflow.job_run_timeline"],
    ),
];

/// A planned space.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSpace {
    /// Title.
    pub title: String,
    /// Folder.
    pub folder: String,
    /// Description.
    pub description: Option<String>,
    /// Warehouse.
    pub warehouse_id: String,
    /// The serialized space, as a client sends it.
    pub serialized: String,
    /// Who creates it.
    pub creator: String,
    /// Direct grants beside the creator's.
    pub grants: Vec<Grant>,
}

/// The planned spaces, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Spaces(pub Vec<PlannedSpace>);

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let (title, dir, description, tables) = SHAPES[shape];
            let tables: Vec<_> = tables.iter().map(|t| json!({"identifier": t})).collect();
            let space = json!({"version": 2,
                "config": {"sample_questions": [
                    {"id": format!("q{k}a"), "question": ["What were the top 5 results last week?"]},
                    {"id": format!("q{k}b"), "question": ["How does this month compare to last?"]}]},
                "data_sources": {"tables": tables}});
            PlannedSpace {
                title: c::numbered(title, round),
                folder: c::folder(plan, dir, 0),
                description: description.map(str::to_string),
                warehouse_id: c::warehouse(plan, k + 1),
                serialized: space.to_string(),
                creator: c::user(plan, 0),
                grants: vec![
                    c::to_group(c::group(plan, k + 5), "CAN_RUN"),
                    c::to_user(c::user(plan, 10 + k), "CAN_EDIT"),
                ],
            }
        })
        .collect();
    Box::new(Spaces(planned))
}

impl Planned for Spaces {
    fn objects(&self) -> usize {
        self.0.len()
    }

    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            for (k, s) in self.0.into_iter().enumerate() {
                let new = NewSpace {
                    title: Some(&s.title),
                    description: s.description.as_deref(),
                    warehouse_id: &s.warehouse_id,
                    serialized_space: &s.serialized,
                    parent_path: Some(&s.folder),
                };
                let id =
                    genie::create_space(st, new, &s.creator).map_err(|e| refused(&s.title, e))?;
                let x = st
                    .genie
                    .spaces
                    .get_mut(&id)
                    .ok_or_else(|| refused(&s.title, "not stored"))?;
                (x.create_time, x.update_time) = (c::text_at(k), c::text_at(k));
                let path = x.path.clone();
                c::stamp_tree(st, &path, c::at(k));
                c::grant(st, "genie", &id, s.grants);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_has_two_spaces_in_the_tree() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        assert_eq!(st.genie.spaces.len(), 2);
        for s in st.genie.spaces.values() {
            assert!(st.warehouses.contains(&s.warehouse_id));
            assert_eq!(
                st.workspace.get(&s.path).map(|o| o.object_type.as_str()),
                Some("GENIE_SPACE")
            );
        }
    }
}
