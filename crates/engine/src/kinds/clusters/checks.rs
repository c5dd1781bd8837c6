//! The catalogue pre-check of compute: whether the target offers the Spark versions and node
//! types the source's clusters (or pools) use — and, for those it lacks, what each becomes in
//! the target (`crate::kinds::compute`) or that nothing will do, so what is translated and what
//! will fail shows before migrate. Each value is listed once, with the objects using it.
//! Severities: a value with no equivalent is a *warning* (those objects fail, the others
//! migrate); a catalogue the target does not serve (NOT_IMPLEMENTED, 404, 403) is *unknown*.

use std::collections::BTreeMap;

use crate::Check;
use crate::kinds::Ctx;
use crate::kinds::compute::{self, Choice, Translator};

/// What the target makes of every Spark version (or node type) in `wanted`: (value, the
/// object using it, as the check names it: "cluster `etl (0101-…)`").
pub(crate) async fn catalogue_check(
    ctx: &Ctx,
    name: &str,
    wanted: &[(String, String)],
    versions: bool,
) -> Check {
    let cat = compute::catalogue(ctx).await;
    let what = if versions {
        "Spark versions"
    } else {
        "node types"
    };
    let listed = if versions {
        cat.target_versions.is_some()
    } else {
        cat.target_nodes.is_some()
    };
    if !listed {
        return not_listed(ctx, name, what, versions).await;
    }
    let t = Translator {
        cat: &cat,
        opts: &ctx.opts,
    };
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (v, by) in wanted {
        let by_v = users.entry(v).or_default();
        // A cluster whose driver and workers share a type names it twice.
        if !by_v.contains(&by.as_str()) {
            by_v.push(by);
        }
    }
    let (mut translated, mut missing) = (Vec::new(), Vec::new());
    for (v, by) in users {
        let by = by.join(", ");
        match if versions { t.version(v) } else { t.node(v) } {
            Choice::Keep => {}
            Choice::Use { to, .. } => translated.push(format!("{v} → {to} ({by})")),
            Choice::Nothing(why) => missing.push(format!("{why} ({by})")),
        }
    }
    let translated = if translated.is_empty() {
        String::new()
    } else {
        format!(
            "; translated to what the target offers: {}",
            translated.join(", ")
        )
    };
    if missing.is_empty() {
        return Check::pass(
            name,
            "target",
            format!("the target offers the {what} the source uses, or an equivalent{translated}"),
        );
    }
    // A warning: those objects fail with this reason, the others migrate.
    Check::warn(
        name,
        "target",
        format!(
            "{what} with no equivalent in the target: {} — these objects fail at migrate, the others go on{translated}",
            missing.join("; ")
        ),
        format!(
            "name a replacement the target offers in [translate.{}], change these objects in the source, or leave them out",
            if versions {
                "spark_versions"
            } else {
                "node_types"
            }
        ),
    )
}

/// The finding when the catalogue could not be read (it keeps no error): asked once more for
/// the answer, *unknown* when the endpoint is not there or not for this caller
/// (NOT_IMPLEMENTED, 404, 403), an error when the target could not be asked at all.
async fn not_listed(ctx: &Ctx, name: &str, what: &str, versions: bool) -> Check {
    let clusters = ctx.target.clusters();
    let asked = if versions {
        clusters.spark_versions().await.map(|_| ())
    } else {
        clusters.list_node_types().await.map(|_| ())
    };
    match asked {
        Err(e) => Check::not_run(name, "target", what, &e),
        Ok(()) => Check::unknown(
            name,
            "target",
            format!(
                "the target's {what} could not be read for the check (they can now) — not checked"
            ),
            "run validate again to check them",
        ),
    }
}
