//! The dependency graph between kinds, built from each kind's declared references (and its
//! `after` list), and the selection of kinds (`only`, `phase`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::EngineError;
use crate::kinds::Kind;

/// The kinds `k` must wait for (other kinds it references or names in `after`).
pub fn dependencies(k: &dyn Kind) -> BTreeSet<&'static str> {
    let mut deps: BTreeSet<&'static str> = k
        .references()
        .iter()
        .flat_map(|r| r.kinds.iter().copied())
        .chain(k.needs().iter().map(|n| n.kind))
        .chain(k.after().kinds().iter().copied())
        .collect();
    deps.remove(k.name());
    deps
}

pub use crate::kinds::select;

/// The selected kinds in waves: every kind of a wave depends only on earlier waves (or on
/// kinds not selected). Refuses a cycle between kinds (a kind table bug).
pub fn waves(selected: &[Arc<dyn Kind>]) -> Result<Vec<Vec<&'static str>>, EngineError> {
    let chosen: BTreeSet<&'static str> = selected.iter().map(|k| k.name()).collect();
    let mut pending: BTreeMap<&'static str, BTreeSet<&'static str>> = selected
        .iter()
        .map(|k| {
            (
                k.name(),
                dependencies(k.as_ref())
                    .intersection(&chosen)
                    .copied()
                    .collect(),
            )
        })
        .collect();
    let order: Vec<&'static str> = selected.iter().map(|k| k.name()).collect();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let ready: Vec<&'static str> = order
            .iter()
            .copied()
            .filter(|n| pending.get(n).is_some_and(|d| d.is_empty()))
            .collect();
        if ready.is_empty() {
            return Err(EngineError::InvalidOption(format!(
                "the kinds {:?} depend on each other in a cycle",
                pending.keys().collect::<Vec<_>>()
            )));
        }
        for r in &ready {
            pending.remove(r);
        }
        for d in pending.values_mut() {
            for r in &ready {
                d.remove(r);
            }
        }
        out.push(ready);
    }
    Ok(out)
}

/// Dependencies of the selected kinds that are not selected: they must come from the ledger.
pub fn outside_dependencies(
    selected: &[Arc<dyn Kind>],
) -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let chosen: BTreeSet<&'static str> = selected.iter().map(|k| k.name()).collect();
    let mut out: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for k in selected {
        for d in dependencies(k.as_ref()) {
            if !chosen.contains(d) {
                out.entry(d).or_default().insert(k.name());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;

    #[test]
    fn phase_one_waves_put_principals_first() {
        let table = kinds::all();
        let sel = select(&table, &[], Some(1)).unwrap();
        let w = waves(&sel).unwrap();
        let pos = |n: &str| w.iter().position(|wave| wave.contains(&n)).unwrap();
        assert!(pos("users") < pos("groups"));
        assert!(pos("service_principals") < pos("groups"));
        assert!(pos("groups") < pos("secret_scopes"));
        assert!(pos("users") < pos("workspace_folders"));
        assert_eq!(
            pos("cluster_policies"),
            0,
            "independent kinds start at once"
        );
    }

    #[test]
    fn selection_refuses_unknown_names_and_reports_outside_dependencies() {
        let table = kinds::all();
        let e = match select(&table, &["nope".into()], None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("an unknown kind was accepted"),
        };
        assert!(e.contains("users"), "{e}");
        let sel = select(&table, &["groups".into()], None).unwrap();
        let outside = outside_dependencies(&sel);
        assert!(outside.contains_key("users"));
        assert!(outside.contains_key("service_principals"));
    }
}
