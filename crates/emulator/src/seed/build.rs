//! Generation of a whole workspace from [`Counts`]: the core plan, in dependency order, then
//! the parts ([`parts::PARTS`]), then their installation into a state. `typical` and `scale:N`
//! are this with different counts.

use super::counts::Counts;
use super::plan::Plan;
use super::{acls, clouds, compute, identities, install, jobs, parts, tree};
use crate::cloud::Cloud;
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::policies;
use crate::state::State;

/// The core plan of an AWS workspace with these counts (the tests' plan).
#[cfg(test)]
pub fn plan(c: &Counts, ids: &mut IdGen) -> Plan {
    plan_on(c, ids, Cloud::Aws)
}

/// The core plan of a workspace on `cloud` with these counts (the parts come after it); ids
/// come from `ids`, so the same generator state gives the same plan, whatever the cloud (only
/// node types and cloud attributes differ).
pub fn plan_on(c: &Counts, ids: &mut IdGen, cloud: Cloud) -> Plan {
    let mut plan = Plan {
        cloud,
        ..Plan::default()
    };
    identities::generate(c, ids, &mut plan);
    tree::generate(c, ids, &mut plan);
    compute::generate(c, ids, &mut plan);
    jobs::generate(c, ids, &mut plan);
    acls::generate(&mut plan);
    plan
}

/// Fills `st` with a workspace of these counts. The default (managed) cluster policies are
/// created first, so their ids do not depend on when a client first lists policies.
pub fn seed(st: &mut State, c: &Counts) -> Result<(), EmulatorError> {
    seed_with(st, c, parts::PARTS)
}

/// [`seed`] with only the first parts of the table: the workspace as it was seeded before the
/// later parts were appended (their tests prove that appending changed nothing earlier).
pub fn seed_with(st: &mut State, c: &Counts, parts: &[parts::Part]) -> Result<(), EmulatorError> {
    st.ensure_builtins();
    policies::ensure_builtins(st);
    let mut plan = plan_on(c, &mut st.ids, st.clusters.cloud);
    let planned = parts::generate(parts, c, &mut st.ids, &mut plan);
    // Before anything that names them (pipelines are checked as they are installed).
    clouds::register_profiles(st);
    install::install(st, plan)?;
    parts::install(st, planned)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn typical_plan_counts_and_tree() {
        let c = Counts::TYPICAL;
        let p = plan(&c, &mut IdGen::new(3));
        assert_eq!(p.users.len(), 45);
        assert_eq!(p.groups.iter().filter(|g| !g.account).count(), 12);
        assert_eq!(p.folders.len(), 87);
        assert_eq!(p.notebooks.len(), 123);
        assert_eq!(p.clusters.iter().filter(|c| c.source != "JOB").count(), 8);
        assert_eq!(p.scopes.iter().map(|s| s.secrets.len()).sum::<usize>(), 15);
        assert_eq!(p.jobs.len(), 28);
        let mut paths = BTreeSet::from(["/Users".to_string(), "/Shared".to_string()]);
        for o in p.folders.iter().chain(&p.notebooks).chain(&p.files) {
            let parent = o.path.rsplit_once('/').map(|(a, _)| a.to_string()).unwrap();
            assert!(paths.contains(&parent), "{} has no parent folder", o.path);
            assert!(paths.insert(o.path.clone()), "duplicate path {}", o.path);
        }
        assert_eq!(plan(&c, &mut IdGen::new(3)), p, "deterministic");
    }

    #[test]
    fn tiny_scales_stay_wired() {
        for n in [1, 5, 18, 200] {
            let p = plan(&Counts::scaled(n), &mut IdGen::new(9));
            assert_eq!(p.notebooks.len(), n as usize);
            let notebooks: BTreeSet<&str> = p.notebooks.iter().map(|o| o.path.as_str()).collect();
            for j in &p.jobs {
                let tasks = j.settings["tasks"].as_array().unwrap();
                for t in tasks {
                    let nt = &t["notebook_task"];
                    if let (Some(path), true) =
                        (nt["notebook_path"].as_str(), nt["source"] == "WORKSPACE")
                    {
                        assert!(notebooks.contains(path), "scale:{n}: {path}");
                    }
                }
            }
            let mut st = State::fresh(0);
            seed(&mut st, &Counts::scaled(n)).unwrap();
        }
    }

    #[test]
    fn a_seeded_state_round_trips_as_a_state_file() {
        let mut st = State::fresh(0);
        seed(&mut st, &Counts::TYPICAL).unwrap();
        let text = serde_json::to_string(&st).unwrap();
        let back: State = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    /// The jobs the parts add beside the core ones.
    fn part_jobs(c: &Counts) -> usize {
        [
            "jobs with pipeline tasks",
            "jobs with SQL and dashboard tasks",
        ]
        .iter()
        .filter_map(|k| parts::Part::named(k))
        .map(|p| p.count(c))
        .sum()
    }

    #[test]
    fn scale_fills_every_store() {
        let c = Counts::scaled(3000);
        let mut st = State::fresh(0);
        seed(&mut st, &c).unwrap();
        assert_eq!(st.jobs.jobs.len(), c.jobs + part_jobs(&c));
        assert_eq!(st.scim.users.len(), c.users);
        assert_eq!(st.clusters.clusters.len(), c.clusters + c.job_clusters);
        let secrets: usize = st.secrets.scopes.values().map(|s| s.secrets.len()).sum();
        assert_eq!((st.secrets.scopes.len(), secrets), (c.scopes, c.secrets));
        let notebooks = st
            .workspace
            .objects
            .values()
            .filter(|o| o.object_type == "NOTEBOOK")
            .count();
        assert_eq!(notebooks, 3000);
    }

    /// The largest documented size. Slow in debug builds; run it with
    /// `cargo test --release -p brickport-emulator --lib scale_100000 -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn scale_100000() {
        let c = Counts::scaled(100_000);
        let mut st = State::fresh(0);
        let t = std::time::Instant::now();
        seed(&mut st, &c).unwrap();
        eprintln!("scale:100000 seeded in {:?}", t.elapsed());
        // Peak memory, for the record (Linux only).
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            status
                .lines()
                .filter(|l| l.starts_with("VmHWM"))
                .for_each(|l| eprintln!("{l}"));
        }
        assert_eq!(st.jobs.jobs.len(), c.jobs + part_jobs(&c));
        assert_eq!(st.scim.users.len(), c.users);
    }
}
