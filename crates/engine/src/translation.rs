//! The translation record: one [`Translation`] for every value the migration wrote to the
//! target in place of the source's (a node type the target does not offer, a Spark version,
//! a cloud attribute, a renamed principal). A kind puts them on the object it lists
//! (`SourceObject::translated`); they go to the object's report line, `report.json`, the
//! "Translations" sections of `report.md` and `report.html`, and `plan`'s output.
//!
//! A leaf: it uses nothing of the crate, so the kinds and the report both can. The values
//! are never secret (node types, versions, names, paths, ARNs): a kind must not record a
//! secret here.

use serde::{Deserialize, Serialize};

/// One substitution in one object: `field` had `from` in the source and gets `to` in the
/// target, because of `why`. `to` is empty when the field is left out of the target (an
/// attribute with no meaning there).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Translation {
    /// Where in the object (a JSON path: `node_type_id`, `job_clusters[2].new_cluster.…`).
    pub field: String,
    /// The source's value.
    pub from: String,
    /// The value written to the target (empty: left out).
    pub to: String,
    /// Why this value (the map in `[translate]`, the closest equivalent and what makes it so).
    pub why: String,
}

impl Translation {
    /// A substitution of `from` by `to` in `field`.
    pub fn new(
        field: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        Translation {
            field: field.into(),
            from: from.into(),
            to: to.into(),
            why: why.into(),
        }
    }

    /// One line for text outputs: "`field`: `from` → `to` (why)".
    pub fn line(&self) -> String {
        let to = if self.to.is_empty() {
            "(left out)".to_string()
        } else {
            self.to.clone()
        };
        format!("{}: {} → {} ({})", self.field, self.from, to, self.why)
    }
}

/// Appends `more` to `into`, leaving out those already there (an object's two passes report
/// the same substitutions).
pub fn merge(into: &mut Vec<Translation>, more: impl IntoIterator<Item = Translation>) {
    for t in more {
        if !into.contains(&t) {
            into.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_the_field_both_values_and_why_and_merging_keeps_one_of_each() {
        let t = Translation::new("node_type_id", "i3.xlarge", "Standard_E4ds_v5", "4 cores");
        assert_eq!(
            t.line(),
            "node_type_id: i3.xlarge → Standard_E4ds_v5 (4 cores)"
        );
        let gone = Translation::new("aws_attributes.ebs_volume_type", "GP2", "", "no meaning");
        assert!(gone.line().contains("(left out)"));
        let mut all = vec![t.clone()];
        merge(&mut all, [t, gone]);
        assert_eq!(all.len(), 2);
    }
}
