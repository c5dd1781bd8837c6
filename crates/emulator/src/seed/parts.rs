//! The seed's table of parts: kinds whose seeding lives whole in one file of their own
//! (`seed/parts/<kind>.rs`), declared and listed here.
//!
//! A part owns its typical count and how that scales with `scale:N` (with its cap), the plan
//! data it generates and how that data goes into the stores. `seed::build` runs the parts
//! after the core generators (identities, tree, compute, jobs, grants), in this table's order,
//! and installs them after the core objects; no other seed file names a part.

use std::fmt::Debug;

use super::counts::Counts;
use super::plan::Plan;
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::state::State;

mod dashboards;
mod destinations;
mod genie;
mod init_scripts;
mod legacy_dashboards;
mod pipeline_jobs;
mod pipelines;
mod sql_alerts;
mod sql_common;
mod sql_jobs;
mod sql_queries;

/// Every part, in generation order. Append new parts: a part draws its ids after every
/// earlier one, so an appended part leaves everything seeded before it unchanged (ids,
/// order, contents), while one inserted earlier shifts the ids of the parts after it. The
/// core install draws ids too (the `/Repos/<folder>` folders), after every part is planned,
/// and objects created through the API after seeding draw theirs from where the seed left the
/// generator: a part appended after global init scripts draws its ids from a fork of it
/// ([`crate::ids::IdGen::fork`], with a salt of its own), which moves neither
/// (`seed::tests::seeded_states_are_unchanged` checks).
pub const PARTS: &[Part] = &[
    init_scripts::PART,
    destinations::PART,
    pipelines::PART,
    pipeline_jobs::PART,
    sql_queries::PART,
    sql_alerts::PART,
    dashboards::PART,
    genie::PART,
    legacy_dashboards::PART,
    sql_jobs::PART,
];

/// One seeded kind, whole.
#[derive(Debug)]
pub struct Part {
    /// The kind, in words (`global init scripts`), as tests and docs name it.
    pub kind: &'static str,
    /// How many objects of the kind the `typical` workspace holds.
    pub typical: usize,
    /// The most a generated workspace holds, whatever `N` (`usize::MAX`: no cap).
    pub max: usize,
    /// Plans `count` objects, ids drawn from `ids`. It sees everything planned before it (the
    /// core objects and earlier parts) and may add to it: a kind whose ids other objects
    /// reference puts them in its own field of [`Plan`] (see that type).
    pub generate: fn(count: usize, ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned>,
}

/// A part's generated objects, as plain data of the part's own type, waiting to be installed.
pub trait Planned: Debug {
    /// How many objects were planned.
    fn objects(&self) -> usize;

    /// Puts them into the stores of `st`, as if created through the API at the seed's epoch.
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError>;
}

impl Part {
    /// How many objects of the kind a workspace of these counts holds: the typical count,
    /// scaled the way every count is ([`Counts::scale`]), then capped at [`Part::max`].
    pub fn count(&self, c: &Counts) -> usize {
        c.scale(self.typical).min(self.max)
    }

    /// The part of this kind, if the table has one.
    pub fn named(kind: &str) -> Option<&'static Part> {
        PARTS.iter().find(|p| p.kind == kind)
    }
}

/// Plans every part of `parts` (a prefix of [`PARTS`], or all of it), in table order, for a
/// workspace of these counts.
pub fn generate(
    parts: &[Part],
    c: &Counts,
    ids: &mut IdGen,
    plan: &mut Plan,
) -> Vec<Box<dyn Planned>> {
    parts
        .iter()
        .map(|p| (p.generate)(p.count(c), ids, plan))
        .collect()
}

/// Installs every part's planned objects, in table order.
pub fn install(st: &mut State, planned: Vec<Box<dyn Planned>>) -> Result<(), EmulatorError> {
    planned.into_iter().try_for_each(|p| p.install(st))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_plans_its_count_and_kinds_are_unique() {
        for (k, p) in PARTS.iter().enumerate() {
            assert!(
                PARTS[..k].iter().all(|q| q.kind != p.kind),
                "{} twice",
                p.kind
            );
            assert_eq!(Part::named(p.kind).map(|q| q.typical), Some(p.typical));
            for c in [Counts::TYPICAL, Counts::scaled(1), Counts::scaled(5000)] {
                // A part sees what the core and the parts before it planned.
                let mut plan = super::super::build::plan(&c, &mut IdGen::new(1));
                generate(&PARTS[..k], &c, &mut IdGen::new(1), &mut plan);
                let planned = (p.generate)(p.count(&c), &mut IdGen::new(2), &mut plan);
                assert_eq!(planned.objects(), p.count(&c), "{}", p.kind);
            }
            assert_eq!(p.count(&Counts::TYPICAL), p.typical, "{}", p.kind);
        }
    }
}
