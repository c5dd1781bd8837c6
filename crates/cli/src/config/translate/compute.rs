//! The compute part of `[translate]`: node types, Spark versions and instance profiles the
//! operator names for the target, each a table of source value = target value.
//!
//! ```toml
//! [translate.node_types]        # source node type = target node type
//! "i3.xlarge" = "Standard_E8ds_v5"
//!
//! [translate.spark_versions]    # source version key = target version key
//! "12.2.x-scala2.12" = "15.4.x-scala2.12"
//!
//! [translate.instance_profiles] # source ARN = target ARN (another AWS account)
//! "arn:aws:iam::111111111111:instance-profile/etl" = "arn:aws:iam::222222222222:instance-profile/etl"
//! ```
//!
//! What is checked here is the shape (one non-empty id, an instance-profile ARN); whether the
//! target offers a node type or a version is the engine's pre-check, against the target.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// A node type or Spark version id: one non-empty word (no whitespace).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ComputeId(pub String);

impl<'de> Deserialize<'de> for ComputeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if v.is_empty() || v.chars().any(char::is_whitespace) {
            return Err(de::Error::custom(format!(
                "a node type or Spark version must be one non-empty id without spaces, got {v:?}"
            )));
        }
        Ok(ComputeId(v))
    }
}

/// An AWS instance-profile ARN (`arn:aws…:iam::<account>:instance-profile/<name>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProfileArn(pub String);

impl<'de> Deserialize<'de> for ProfileArn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        let ok = v.starts_with("arn:aws")
            && v.contains(":iam::")
            && v.contains(":instance-profile/")
            && !v.chars().any(char::is_whitespace);
        if !ok {
            return Err(de::Error::custom(format!(
                "an instance profile must be an ARN like arn:aws:iam::<account>:instance-profile/<name>, got {v:?}"
            )));
        }
        Ok(ProfileArn(v))
    }
}

/// A source → target table as the engine takes it.
pub fn plain<K: AsRef<str>>(m: &BTreeMap<K, K>) -> BTreeMap<String, String> {
    m.iter()
        .map(|(a, b)| (a.as_ref().to_string(), b.as_ref().to_string()))
        .collect()
}

impl AsRef<str> for ComputeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ProfileArn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::super::parse;

    fn err(text: &str) -> String {
        parse(Path::new("b.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn the_compute_maps_are_read_and_a_bad_value_or_key_is_refused_by_name() {
        let f = parse(
            Path::new("b.toml"),
            "[translate.node_types]\n\"i3.xlarge\" = \"Standard_E8ds_v5\"\n\
             [translate.spark_versions]\n\"12.2.x-scala2.12\" = \"15.4.x-scala2.12\"\n\
             [translate.instance_profiles]\n\
             \"arn:aws:iam::1:instance-profile/a\" = \"arn:aws:iam::2:instance-profile/a\"\n",
        )
        .unwrap();
        let t = &f.translate;
        assert_eq!(super::plain(&t.node_types)["i3.xlarge"], "Standard_E8ds_v5");
        assert_eq!(
            super::plain(&t.spark_versions)["12.2.x-scala2.12"],
            "15.4.x-scala2.12"
        );
        assert_eq!(
            super::plain(&t.instance_profiles)["arn:aws:iam::1:instance-profile/a"],
            "arn:aws:iam::2:instance-profile/a"
        );
        let e = err("[translate.node_types]\n\"i3.xlarge\" = \"\"\n");
        assert!(
            e.contains("translate.node_types") && e.contains("line 2"),
            "{e}"
        );
        let e = err("[translate.instance_profiles]\n\"a\" = \"b\"\n");
        assert!(e.contains("instance-profile/<name>"), "{e}");
        let e = err("[translate]\nnode_type = {a = \"b\"}\n");
        assert!(e.contains("node_type") && e.contains("node_types"), "{e}");
    }
}
