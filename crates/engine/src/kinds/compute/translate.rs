//! The choice of a node type and a Spark version for the target: the operator's map first
//! (`[translate.node_types]`, `[translate.spark_versions]`), then the value itself when the
//! target offers it, then the closest equivalent the target offers:
//!
//! - a node type: same cores and GPUs, memory within a factor of 2, never deprecated, hidden
//!   or unavailable, Photon-capable (worker and driver) when the source type was; among those
//!   the same category first, then the memory closest (by ratio), then the id (so a run
//!   always picks the same one);
//! - a Spark version: the same version and flavour (`cpu-ml`, `gpu-ml`, `photon`, plain…) in
//!   another Scala build, else the nearest newer LTS of the same flavour.
//!
//! No equivalent is a reason the object cannot be written (its side-car's problems), never a
//! silent pick of something else.

use super::catalogue::{Catalogue, Node};
use crate::EngineOptions;

/// What to write in place of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// The value as it is.
    Keep,
    /// This value instead, and why.
    Use { to: String, why: String },
    /// Nothing the target offers will do: why.
    Nothing(String),
}

/// The run's choices, over its catalogue and the operator's maps.
pub(crate) struct Translator<'a> {
    pub cat: &'a Catalogue,
    pub opts: &'a EngineOptions,
}

/// Same cores and GPUs, memory within a factor of 2, usable, Photon where the source had it.
fn fits(src: &Node, t: &Node) -> bool {
    let mem = t.memory_mb as f64 / src.memory_mb.max(1) as f64;
    !t.unusable
        && (t.cores - src.cores).abs() < 0.01
        && t.gpus == src.gpus
        && (0.5..=2.0).contains(&mem)
        && (!src.photon_worker || t.photon_worker)
        && (!src.photon_driver || t.photon_driver)
}

/// The target's node type closest to `src` (see the module doc), if any fits.
pub(crate) fn closest<'n>(src: &Node, offered: impl Iterator<Item = &'n Node>) -> Option<&'n Node> {
    let distance = |t: &Node| {
        (t.memory_mb.max(1) as f64 / src.memory_mb.max(1) as f64)
            .ln()
            .abs()
    };
    offered.filter(|t| fits(src, t)).min_by(|a, b| {
        (a.category != src.category)
            .cmp(&(b.category != src.category))
            .then(distance(a).total_cmp(&distance(b)))
            .then(a.id.cmp(&b.id))
    })
}

/// A Spark version key: its number, its flavour (the words between the number and the Scala
/// build), its Scala build.
#[derive(Debug, PartialEq, Eq)]
struct Key<'a> {
    number: (u32, u32),
    flavour: &'a str,
    scala: &'a str,
}

fn parse(key: &str) -> Option<Key<'_>> {
    let (head, rest) = key.split_once('-')?;
    let mut nums = head.split('.');
    let major = nums.next()?.parse().ok()?;
    let minor = nums.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let (flavour, scala) = rest.rsplit_once('-').unwrap_or(("", rest));
    scala.starts_with("scala").then_some(Key {
        number: (major, minor),
        flavour,
        scala,
    })
}

impl Translator<'_> {
    /// The node type to write for `id`.
    pub(crate) fn node(&self, id: &str) -> Choice {
        if let Some(to) = self.opts.node_types.get(id) {
            return mapped("node_types", id, to, self.cat.offers_node(to));
        }
        let Some(offered) = self.cat.target_nodes.as_ref() else {
            return Choice::Keep;
        };
        if offered.contains_key(id) {
            return Choice::Keep;
        }
        let Some(src) = self.cat.source_nodes.as_ref().and_then(|n| n.get(id)) else {
            return Choice::Nothing(format!(
                "the target does not offer node type {id}, and the source's list of node types does not describe it: name its replacement in [translate.node_types]"
            ));
        };
        match closest(src, offered.values()) {
            Some(t) => Choice::Use {
                to: t.id.clone(),
                why: format!(
                    "the target does not offer {id} ({}); closest equivalent ({})",
                    src.size(),
                    t.size()
                ),
            },
            None => Choice::Nothing(format!(
                "the target offers no equivalent of node type {id} ({}; same cores and GPUs, memory within a factor of 2{}): name one in [translate.node_types]",
                src.size(),
                if src.photon_worker { ", Photon" } else { "" }
            )),
        }
    }

    /// The Spark version to write for `key`.
    pub(crate) fn version(&self, key: &str) -> Choice {
        if let Some(to) = self.opts.spark_versions.get(key) {
            return mapped("spark_versions", key, to, self.cat.offers_version(to));
        }
        let Some(offered) = self.cat.target_versions.as_ref() else {
            return Choice::Keep;
        };
        if offered.iter().any(|v| v.key == key) {
            return Choice::Keep;
        }
        let Some(src) = parse(key) else {
            return Choice::Nothing(format!(
                "the target does not offer Spark version {key}: name its replacement in [translate.spark_versions]"
            ));
        };
        let flavour = if src.flavour.is_empty() {
            "standard"
        } else {
            src.flavour
        };
        let best = offered
            .iter()
            .filter_map(|v| parse(&v.key).map(|k| (v, k)))
            .filter(|(v, k)| {
                k.flavour == src.flavour
                    && k.number >= src.number
                    && (v.lts || k.number == src.number)
            })
            .min_by(|(a, ka), (b, kb)| {
                ka.number
                    .cmp(&kb.number)
                    .then((ka.scala != src.scala).cmp(&(kb.scala != src.scala)))
                    .then(a.key.cmp(&b.key))
            });
        match best {
            Some((v, k)) if k.number == src.number => Choice::Use {
                to: v.key.clone(),
                why: format!(
                    "the target does not offer {key}; the same version and flavour ({flavour}) in another build"
                ),
            },
            Some((v, _)) => Choice::Use {
                to: v.key.clone(),
                why: format!(
                    "the target does not offer {key}; the nearest newer LTS of the same flavour ({flavour})"
                ),
            },
            None => Choice::Nothing(format!(
                "the target offers neither Spark version {key} nor a newer LTS of the same flavour ({flavour}): name one in [translate.spark_versions]"
            )),
        }
    }
}

/// The operator's map from `from` to `to` (`table` of `[translate]`), refused when the target
/// does not offer `to`.
fn mapped(table: &str, from: &str, to: &str, offered: bool) -> Choice {
    if !offered {
        return Choice::Nothing(format!(
            "[translate.{table}] maps {from} to {to}, which the target does not offer"
        ));
    }
    if from == to {
        return Choice::Keep;
    }
    Choice::Use {
        to: to.to_string(),
        why: format!("[translate.{table}]"),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;

    use super::super::catalogue::Version;
    use super::*;

    fn node(id: &str, cores: f64, mem: i64, category: &str) -> Node {
        Node {
            id: id.into(),
            cores,
            memory_mb: mem,
            gpus: 0,
            category: category.into(),
            unusable: false,
            photon_worker: true,
            photon_driver: true,
        }
    }

    pub(in crate::kinds::compute) fn catalogue() -> Catalogue {
        let src = [
            node("i3.xlarge", 4.0, 31232, "Storage Optimized"),
            node("m5d.large", 2.0, 8192, "General Purpose"),
        ];
        let mut deprecated = node("Standard_L4s", 4.0, 32768, "Storage Optimized");
        deprecated.unusable = true;
        let target = [
            deprecated,
            node("Standard_E4ds_v4", 4.0, 32768, "Memory Optimized"),
            node("Standard_DS3_v2", 4.0, 14336, "General Purpose"),
            node("Standard_E8ds_v4", 8.0, 65536, "Memory Optimized"),
        ];
        let by_id = |n: &[Node]| {
            n.iter()
                .map(|n| (n.id.clone(), n.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        let versions = [
            ("16.4.x-scala2.12", true),
            ("16.4.x-cpu-ml-scala2.12", true),
            ("16.2.x-scala2.12", false),
            ("15.4.x-scala2.13", true),
            ("15.4.x-photon-scala2.12", true),
        ];
        Catalogue {
            target_nodes: Some(by_id(&target)),
            source_nodes: Some(by_id(&src)),
            target_versions: Some(
                versions
                    .iter()
                    .map(|(k, lts)| Version {
                        key: k.to_string(),
                        lts: *lts,
                    })
                    .collect(),
            ),
            target_cloud: None,
            target_zones: None,
        }
    }

    #[test]
    fn a_node_type_becomes_the_closest_usable_one_and_the_operators_map_wins() {
        let cat = catalogue();
        let mut opts = EngineOptions::new("/tmp");
        let t = Translator {
            cat: &cat,
            opts: &opts,
        };
        // Same cores; the deprecated storage type is passed over; memory closest wins.
        assert!(matches!(t.node("i3.xlarge"), Choice::Use { to, .. } if to == "Standard_E4ds_v4"));
        // 2 cores: nothing fits.
        assert!(matches!(t.node("m5d.large"), Choice::Nothing(w) if w.contains("no equivalent")));
        assert!(
            matches!(t.node("unknown.type"), Choice::Nothing(w) if w.contains("does not describe"))
        );
        assert_eq!(t.node("Standard_DS3_v2"), Choice::Keep);
        opts.node_types
            .insert("i3.xlarge".into(), "Standard_E8ds_v4".into());
        opts.node_types
            .insert("m5d.large".into(), "Standard_Nope".into());
        let t = Translator {
            cat: &cat,
            opts: &opts,
        };
        assert!(
            matches!(t.node("i3.xlarge"), Choice::Use { to, why } if to == "Standard_E8ds_v4" && why.contains("translate.node_types"))
        );
        assert!(matches!(t.node("m5d.large"), Choice::Nothing(w) if w.contains("does not offer")));
    }

    #[test]
    fn a_spark_version_becomes_the_same_in_another_build_or_the_nearest_newer_lts_of_its_flavour() {
        let cat = catalogue();
        let opts = EngineOptions::new("/tmp");
        let t = Translator {
            cat: &cat,
            opts: &opts,
        };
        assert_eq!(t.version("16.4.x-scala2.12"), Choice::Keep);
        // 15.4 is offered in Scala 2.13 only.
        assert!(
            matches!(t.version("15.4.x-scala2.12"), Choice::Use { to, .. } if to == "15.4.x-scala2.13")
        );
        // 12.2 → the nearest newer LTS (15.4, not the non-LTS 16.2).
        assert!(
            matches!(t.version("12.2.x-scala2.12"), Choice::Use { to, .. } if to == "15.4.x-scala2.13")
        );
        assert!(
            matches!(t.version("14.3.x-cpu-ml-scala2.12"), Choice::Use { to, .. } if to == "16.4.x-cpu-ml-scala2.12")
        );
        assert!(
            matches!(t.version("13.3.x-photon-scala2.12"), Choice::Use { to, .. } if to == "15.4.x-photon-scala2.12")
        );
        assert!(matches!(
            t.version("14.3.x-gpu-ml-scala2.12"),
            Choice::Nothing(_)
        ));
    }
}
