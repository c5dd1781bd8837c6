//! The catalogue pre-check of clusters: whether the target offers the Spark versions and node
//! types the source's clusters use, so a missing one shows before migrate instead of as a
//! failed create.

use std::collections::BTreeSet;

use crate::Check;
use crate::kinds::Ctx;

/// Whether the target offers every Spark version (or node type) the source's clusters use.
pub(crate) async fn catalogue_check(
    ctx: &Ctx,
    name: &str,
    wanted: &[(String, String)],
    versions: bool,
) -> Check {
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
    let what = if versions {
        "Spark versions"
    } else {
        "node types"
    };
    match offered {
        Err(e) => Check::fail(
            name,
            "target",
            format!("cannot list the target's {what}: {e}"),
            "check the target credentials",
        ),
        Ok(offered) => {
            let missing: Vec<String> = wanted
                .iter()
                .filter(|(v, _)| !offered.contains(v))
                .map(|(v, by)| format!("{v} (cluster {by})"))
                .collect();
            if missing.is_empty() {
                Check::pass(
                    name,
                    "target",
                    format!("the target offers all the {what} the source clusters use"),
                )
            } else {
                Check::fail(
                    name,
                    "target",
                    format!(
                        "{what} the target lacks: {} — these clusters fail at migrate",
                        missing.join(", ")
                    ),
                    format!(
                        "change these clusters in the source to {what} the target offers, or leave them out"
                    ),
                )
            }
        }
    }
}
