//! `[translate]`: names rewritten on the way to the target. Today one table,
//! `[translate.catalogs]` (source catalog = target catalog), for a target on another
//! metastore; any other key under `[translate]` is refused by name, so a typo never passes
//! for a rename that silently did nothing.
//!
//! ```toml
//! [translate.catalogs]
//! prod = "prod_eu"
//! ```

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

pub mod compute;
mod principals;

/// `[translate]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslateBlock {
    /// Unity Catalog catalogs to rename: source name → target name. Applied where an API has
    /// a field for the catalog, never inside SQL text.
    #[serde(default)]
    pub catalogs: BTreeMap<CatalogName, CatalogName>,
    /// Node types for the target: source id → target id (`compute.rs`).
    #[serde(default)]
    pub node_types: BTreeMap<compute::ComputeId, compute::ComputeId>,
    /// Spark versions for the target: source key → target key.
    #[serde(default)]
    pub spark_versions: BTreeMap<compute::ComputeId, compute::ComputeId>,
    /// Instance profiles for the target (another AWS account): source ARN → target ARN.
    #[serde(default)]
    pub instance_profiles: BTreeMap<compute::ProfileArn, compute::ProfileArn>,
    /// Users to rename, by exact name (see [`principals`]).
    #[serde(default)]
    pub users: BTreeMap<principals::UserName, principals::UserName>,
    /// Users to rename, by the domain of their names.
    #[serde(default)]
    pub user_domains: BTreeMap<principals::Domain, principals::Domain>,
    /// Service principals to map, by application id.
    #[serde(default)]
    pub service_principals: BTreeMap<principals::Name, principals::Name>,
}

impl TranslateBlock {
    /// The catalog map as the engine takes it.
    pub fn catalog_map(&self) -> BTreeMap<String, String> {
        self.catalogs
            .iter()
            .map(|(from, to)| (from.0.clone(), to.0.clone()))
            .collect()
    }
}

/// A catalog name: not empty, one identifier (no `.`, no backtick, no whitespace).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CatalogName(pub String);

impl<'de> Deserialize<'de> for CatalogName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        let bad = v.is_empty() || v.chars().any(|c| c == '.' || c == '`' || c.is_whitespace());
        if bad {
            return Err(de::Error::custom(format!(
                "a catalog name must be one non-empty name without `.`, backticks or spaces, got {v:?}"
            )));
        }
        Ok(CatalogName(v))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::parse;

    fn err(name: &str, text: &str) -> String {
        parse(Path::new(name), text).unwrap_err().to_string()
    }

    #[test]
    fn catalogs_are_read_in_toml_and_json() {
        let f = parse(
            Path::new("b.toml"),
            "[translate.catalogs]\nprod = \"prod_eu\"\ndev = \"dev_eu\"\n",
        )
        .unwrap();
        let map = f.translate.catalog_map();
        assert_eq!(map["prod"], "prod_eu");
        assert_eq!(map["dev"], "dev_eu");
        let f = parse(
            Path::new("c.json"),
            r#"{"translate": {"catalogs": {"main": "main_eu"}}}"#,
        )
        .unwrap();
        assert_eq!(f.translate.catalog_map()["main"], "main_eu");
        assert!(
            parse(Path::new("b.toml"), "")
                .unwrap()
                .translate
                .catalog_map()
                .is_empty()
        );
    }

    #[test]
    fn an_unknown_key_or_a_bad_name_is_refused_by_name() {
        let e = err("b.toml", "[translate]\nschemas = {a = \"b\"}\n");
        assert!(e.contains("b.toml") && e.contains("line 2"), "{e}");
        assert!(e.contains("schemas") && e.contains("catalogs"), "{e}");
        let e = err("b.toml", "[translate.catalogs]\nprod = \"prod.eu\"\n");
        assert!(
            e.contains("translate.catalogs") && e.contains("line 2"),
            "{e}"
        );
        assert!(e.contains("catalog name"), "{e}");
        let e = err("c.json", r#"{"translate": {"catalog": {}}}"#);
        assert!(e.contains("c.json") && e.contains("`catalog`"), "{e}");
    }
}
