//! The catalogue pre-check of clusters: whether the target offers the Spark versions and node
//! types the source's clusters use, so a missing one shows before migrate instead of as a
//! failed create. A missing one is a *warning* (those clusters get that outcome, the others
//! migrate); a catalogue the target cannot list is *unknown*. Each missing value is listed
//! once, with every cluster that uses it (a cluster's workers and driver often share one).

use std::collections::{BTreeMap, BTreeSet};

use crate::Check;
use crate::kinds::Ctx;

/// What a catalogue check compares: the target's offer, and what the source's clusters use
/// as (value, cluster key) pairs.
pub(crate) struct Catalogue<'a> {
    /// The check's name (`cluster node types`).
    pub name: &'a str,
    /// Spark versions (true) or node types.
    pub versions: bool,
    /// (value, the cluster using it).
    pub wanted: &'a [(String, String)],
}

impl Catalogue<'_> {
    fn what(&self) -> &'static str {
        if self.versions {
            "Spark versions"
        } else {
            "node types"
        }
    }

    /// Every missing value once, with the clusters using it: `value (clusters a, b)`.
    pub(crate) fn missing(&self, offered: &BTreeSet<String>) -> Vec<String> {
        let mut by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (v, cluster) in self.wanted.iter().filter(|(v, _)| !offered.contains(v)) {
            by.entry(v).or_default().insert(cluster);
        }
        by.into_iter()
            .map(|(v, clusters)| {
                let word = if clusters.len() == 1 {
                    "cluster"
                } else {
                    "clusters"
                };
                let names: Vec<&str> = clusters.into_iter().collect();
                format!("{v} ({word} {})", names.join(", "))
            })
            .collect()
    }

    /// The finding for what the target offers.
    pub(crate) fn finding(&self, offered: &BTreeSet<String>) -> Check {
        let what = self.what();
        let missing = self.missing(offered);
        if missing.is_empty() {
            return Check::pass(
                self.name,
                "target",
                format!("the target offers all the {what} the source clusters use"),
            );
        }
        Check::warn(
            self.name,
            "target",
            format!(
                "{what} the target lacks: {} — these clusters fail at migrate, the others migrate",
                missing.join(", ")
            ),
            format!(
                "change these clusters in the source to {what} the target offers, or leave them out"
            ),
        )
    }
}

/// Whether the target offers every Spark version (or node type) the source's clusters use.
pub(crate) async fn catalogue_check(
    ctx: &Ctx,
    name: &str,
    wanted: &[(String, String)],
    versions: bool,
) -> Check {
    let c = Catalogue {
        name,
        versions,
        wanted,
    };
    let offered: Result<BTreeSet<String>, _> = if versions {
        ctx.target
            .clusters()
            .spark_versions()
            .await
            .map(|v| v.into_iter().filter_map(|v| v.key).collect())
    } else {
        ctx.target
            .clusters()
            .list_node_types()
            .await
            .map(|v| v.into_iter().filter_map(|v| v.node_type_id).collect())
    };
    match offered {
        Err(e) => Check::not_run(name, "target", c.what(), &e),
        Ok(offered) => c.finding(&offered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_node_type_is_listed_once_with_every_cluster_using_it() {
        let wanted: Vec<(String, String)> = [
            ("i3.xlarge", "etl"),
            ("i3.xlarge", "etl"),
            ("i3.xlarge", "adhoc"),
            ("m5.large", "adhoc"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let c = Catalogue {
            name: "cluster node types",
            versions: false,
            wanted: &wanted,
        };
        let offered: BTreeSet<String> = ["m5.large".to_string()].into();
        assert_eq!(c.missing(&offered), ["i3.xlarge (clusters adhoc, etl)"]);
        let f = c.finding(&offered);
        assert_eq!(f.severity, crate::Severity::Warning);
        assert!(f.ok, "a warning does not stop the run");
        assert_eq!(f.detail.matches("i3.xlarge").count(), 1, "{}", f.detail);
    }
}
