//! What a workspace holds when it starts: nothing, a typical workspace, a scaled one, or a
//! state JSON file (the `/_emulator/snapshot` format). [`apply`] is the entry point.
//!
//! `typical` and `scale:N` are one generator run with different [`counts::Counts`]
//! (`build`): the core kinds (`identities`, `tree`, `compute`, `jobs`, `acls`) are planned
//! into a [`plan::Plan`], then each seed part of [`parts::PARTS`], then everything is
//! installed into the stores (`install`, then each part's own install).
//!
//! **Seeding a new kind** is a part: one file `seed/parts/<kind>.rs` holding its `PART` (kind
//! name, typical count, cap; the count scales with `N` like every other, through
//! [`counts::Counts::scale`]), its plan data type, its generator and that type's
//! [`parts::Planned`] install, plus its `mod` line and one entry at the end of
//! [`parts::PARTS`]. Nothing else in `seed/` changes. Appended, a part draws its ids after
//! every earlier object, so none of those moves (the engine's recorded job and cluster hashes,
//! `crates/engine/src/kinds/facts/old_hashes.json`, check that); its own objects change the
//! hash `tests::seeded_states_are_unchanged` pins, which is then re-recorded.
//!
//! A kind whose ids other generated objects reference (a pipeline a job task runs, a
//! notification destination a job notifies) also gets a field in [`plan::Plan`], documented
//! as referenced: its part stores its planned ids there for later parts to read. Objects
//! planned before the parts (jobs) are wired by the part itself, through the `&mut Plan` it
//! gets (say, a task added to some of `plan.jobs`); that changes those jobs, and so the
//! engine's recorded hashes, on purpose. The seed's tests
//! (`crates/emulator/tests/emulator/seeds.rs`) and `conformance/test_typical_seed.py` count
//! the kind.

use std::path::{Path, PathBuf};

use crate::error::EmulatorError;
use crate::state::State;

mod acls;
mod build;
pub mod clouds;
mod compute;
pub mod counts;
mod identities;
mod install;
mod jobs;
pub mod parts;
pub mod plan;
pub mod scale;
mod secrets;
mod tree;
pub mod typical;

/// A seed, as `--seed none|typical|scale:N|FILE.json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SeedSpec {
    /// An empty workspace (built-ins only).
    #[default]
    None,
    /// A typical workspace: a few of every kind.
    Typical,
    /// A workspace scaled to about N objects per kind.
    Scale(u32),
    /// A state JSON file (the snapshot format).
    File(PathBuf),
}

impl SeedSpec {
    /// Parses `none`, `typical`, `scale:N` or a path to a JSON file.
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let t = s.trim();
        let bad = |reason: &str| EmulatorError::Option {
            option: "--seed",
            value: s.to_string(),
            reason: reason.into(),
        };
        match t {
            "" => Err(bad("empty; use none, typical, scale:N or a JSON file")),
            "none" => Ok(SeedSpec::None),
            "typical" => Ok(SeedSpec::Typical),
            _ => {
                if let Some(n) = t.strip_prefix("scale:") {
                    let n: u32 = n
                        .trim()
                        .parse()
                        .map_err(|_| bad("scale:N needs a positive integer N"))?;
                    if n == 0 {
                        return Err(bad("scale:N needs a positive integer N"));
                    }
                    Ok(SeedSpec::Scale(n))
                } else {
                    Ok(SeedSpec::File(PathBuf::from(t)))
                }
            }
        }
    }
}

/// Reads a state JSON file (the snapshot / `--state` format).
pub fn load_state_file(path: &Path) -> Result<State, EmulatorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::File {
        what: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    let mut st: State = serde_json::from_str(&text).map_err(|e| EmulatorError::Format {
        path: path.to_path_buf(),
        what: "emulator state JSON file",
        reason: e.to_string(),
    })?;
    st.ensure_builtins();
    Ok(st)
}

/// Fills `st` according to `spec`.
pub fn apply(st: &mut State, spec: &SeedSpec) -> Result<(), EmulatorError> {
    match spec {
        SeedSpec::None => Ok(()),
        SeedSpec::File(path) => {
            *st = load_state_file(path)?;
            Ok(())
        }
        SeedSpec::Typical => typical::typical(st),
        SeedSpec::Scale(n) => scale::scale(st, *n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use counts::Counts;

    #[test]
    fn parses() {
        assert_eq!(SeedSpec::parse("none").unwrap(), SeedSpec::None);
        assert_eq!(SeedSpec::parse("scale:50").unwrap(), SeedSpec::Scale(50));
        assert!(SeedSpec::parse("scale:x").is_err());
        assert_eq!(
            SeedSpec::parse("w.json").unwrap(),
            SeedSpec::File("w.json".into())
        );
        assert!(apply(&mut State::fresh(0), &SeedSpec::Typical).is_ok());
    }

    /// FNV-1a, 64 bits: a hash whose value no Rust release changes (unlike `DefaultHasher`).
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// The seeded workspaces are pinned byte for byte: the engine's tests compare content
    /// hashes recorded from them, and the conformance tests count them. A change to a
    /// generator that moves an id, an order or a byte fails here; re-record the constants only
    /// for a change meant to alter the seeds (and the engine's recorded hashes with them).
    ///
    /// Parts appended to the table add objects only: the state seeded with the parts pinned
    /// before them ([`PINNED_PARTS`]) still has its pinned hash, and the whole state less
    /// what the later parts added (their stores, the jobs and grants they made) is that state,
    /// byte for byte — the id generator's position included, so objects created afterwards get
    /// the ids they got before.
    #[test]
    fn seeded_states_are_unchanged() {
        for (counts, before, now) in [
            (
                Counts::TYPICAL,
                0xb71c_8d32_364f_51d1,
                0xef76_8796_da9d_96ec,
            ),
            (
                Counts::scaled(50),
                0xe5b1_1c07_f990_19f9,
                0x432a_5ec0_c1fb_2992,
            ),
        ] {
            let mut st = State::fresh(0);
            build::seed(&mut st, &counts).unwrap();
            let text = serde_json::to_string(&st).unwrap();
            assert_eq!(fnv1a(text.as_bytes()), now, "{:#x}", fnv1a(text.as_bytes()));
            let mut earlier = State::fresh(0);
            build::seed_with(&mut earlier, &counts, &parts::PARTS[..PINNED_PARTS]).unwrap();
            let old = serde_json::to_string(&earlier).unwrap();
            // The pinning predates the two stores (the last fields of `State`), then empty.
            let stores = format!(
                r#","pipelines":{},"destinations":{}}}"#,
                serde_json::to_string(&earlier.pipelines).unwrap(),
                serde_json::to_string(&earlier.destinations).unwrap()
            );
            let pinned = old.strip_suffix(&stores).map(|s| format!("{s}}}"));
            let pinned = pinned.expect("the new stores are the last fields, empty");
            assert_eq!(
                fnv1a(pinned.as_bytes()),
                before,
                "{:#x}",
                fnv1a(pinned.as_bytes())
            );
            st.pipelines = Default::default();
            st.destinations = Default::default();
            st.sql = Default::default();
            st.lakeview = Default::default();
            st.genie = Default::default();
            // The SQL, AI/BI and Genie objects' tree entries.
            (st.workspace.objects).retain(|k, _| earlier.workspace.objects.contains_key(k));
            st.workspace.resource_ids.clear();
            st.jobs
                .jobs
                .retain(|id, _| earlier.jobs.jobs.contains_key(id));
            (st.permissions.objects).retain(|k, _| earlier.permissions.objects.contains_key(k));
            assert!(
                serde_json::to_string(&st).unwrap() == old,
                "an earlier object changed"
            );
        }
    }

    /// How many parts the table had when the seeds were pinned (global init scripts).
    const PINNED_PARTS: usize = 1;
}
