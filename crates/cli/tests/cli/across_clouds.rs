//! Issue #14's proof through the binary: a typical AWS workspace migrated into an empty Azure
//! one under `[translate.user_domains] "example.com" = "example.org"`, its account group not
//! assigned beforehand. The run succeeds; every cluster spec in the target (clusters, pools,
//! job clusters, task clusters, pipeline clusters) uses a node type and a Spark version the
//! target offers, of the source's size; no `aws_attributes` is left; users, members, grants,
//! owners and home folders carry the new domain; the account group is assigned; `verify` is
//! clean; the report lists the translations. A re-run writes nothing, and another map on a
//! re-run updates exactly the objects it changes. Bad input — an unknown `[translate]` key, a
//! map to a node type the target lacks, a domain map merging two users — stops `migrate`
//! (exit 2, naming it) before anything is written.
//!
//! The target is read independently: `brickport-testkit`'s walk and the emulator's state.

use std::collections::{BTreeMap, BTreeSet};

use brickport_testkit::{Walk, Workspace, items, str_of};
use serde_json::{Value, json};

pub mod reads;

use reads::{
    add_config, assigned_groups, aws_to_azure, brief, catalogue, last_run_objects, renamed,
    report_objects, specs, walk,
};

use crate::support::{SOURCE_TOKEN, Sandbox, TARGET_TOKEN, api};

const DOMAINS: &str = "[translate.user_domains]\n\"example.com\" = \"example.org\"\n";

/// Asserts every cluster spec of the target uses what the target offers, of the size of the
/// source's node type it stands for.
fn assert_compute_translated(sb: &Sandbox, source: &Workspace, target: &Workspace) {
    let (src_nodes, _) = catalogue(sb, source);
    let (dst_nodes, dst_versions) = catalogue(sb, target);
    let (from, to) = (specs(&walk(sb, source)), specs(&walk(sb, target)));
    assert_eq!(
        from.keys().collect::<Vec<_>>(),
        to.keys().collect::<Vec<_>>(),
        "the same cluster specs on both sides"
    );
    assert!(from.len() >= 15, "{from:?}");
    let mut translated = 0;
    for (at, s) in &from {
        let t = &to[at];
        for field in ["node_type_id", "driver_node_type_id"] {
            let Some(node) = t.get(field).and_then(Value::as_str) else {
                continue;
            };
            let size = dst_nodes.get(node);
            assert!(size.is_some(), "{at}: {field} {node} is not offered: {t}");
            let was = s
                .get(field)
                .or(s.get("node_type_id"))
                .and_then(Value::as_str);
            let Some(was) = was else { continue };
            let ((c0, m0, g0), (c1, m1, g1)) = (src_nodes[was], size.copied().unwrap());
            assert!(
                c0 == c1 && g0 == g1 && m1 <= 2.0 * m0 && m0 <= 2.0 * m1,
                "{at}: {was} {:?} became {node} {:?}",
                src_nodes[was],
                (c1, m1, g1)
            );
            translated += usize::from(was != node);
        }
        let versions = t.get("spark_version").into_iter().chain(
            t.get("preloaded_spark_versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for v in versions {
            let v = v.as_str().unwrap();
            assert!(dst_versions.contains(v), "{at}: Spark {v} is not offered");
        }
    }
    assert!(translated >= 10, "{translated} node types translated");
}

/// Asserts users, group members, job grants and owners, and home folders carry the new
/// domain, and nothing in the target's state names the old one.
fn assert_principals_renamed(sb: &Sandbox, source: &Workspace, target: &Workspace) {
    let (s, t) = (walk(sb, source), walk(sb, target));
    let names =
        |w: &Walk| -> BTreeSet<String> { w.users.iter().map(|u| str_of(u, "userName")).collect() };
    let target_users = names(&t);
    for u in names(&s).iter().filter(|u| u.ends_with("@example.com")) {
        assert!(target_users.contains(&renamed(u)), "{u} not renamed");
    }
    // Each group's user members, by name.
    let members = |w: &Walk| -> BTreeMap<String, BTreeSet<String>> {
        let by_id: BTreeMap<String, String> = w
            .users
            .iter()
            .map(|u| (str_of(u, "id"), str_of(u, "userName")))
            .collect();
        // An account group's members are the account's business, not the migration's.
        w.groups
            .iter()
            .filter(|g| g["meta"]["resourceType"] != "Group")
            .map(|g| {
                let users = (g["members"].as_array().into_iter().flatten())
                    .filter_map(|m| by_id.get(&str_of(m, "value")).cloned())
                    .collect();
                (str_of(g, "displayName"), users)
            })
            .collect()
    };
    let (before, after) = (members(&s), members(&t));
    let mut compared = 0;
    for (group, users) in before
        .iter()
        .filter(|(g, u)| !u.is_empty() && *g != "admins")
    {
        let Some(mut now) = after.get(group).cloned() else {
            continue;
        };
        // The target's own admin is in its built-in groups already.
        now.remove("bob@target.example");
        let expected: BTreeSet<String> = users.iter().map(|u| renamed(u)).collect();
        assert_eq!(now, expected, "members of {group}");
        compared += 1;
    }
    assert!(compared >= 5, "{compared} groups compared");
    // Every job's grants (the owner among them), by name.
    let acl = |ws: &Workspace, w: &Walk| -> BTreeMap<String, Vec<(String, Value)>> {
        let mut out = BTreeMap::new();
        for j in &w.jobs {
            let id = j["job_id"].to_string();
            let p = sb.rt.block_on(ws.permissions("jobs", &id)).unwrap();
            let mut grants: Vec<(String, Value)> = items(&p, "access_control_list")
                .iter()
                .filter(|a| a.get("user_name").is_some())
                .map(|a| (str_of(a, "user_name"), a["all_permissions"].clone()))
                .collect();
            grants.sort_by(|a, b| a.0.cmp(&b.0));
            out.insert(id, grants);
        }
        out
    };
    let (before, after) = (acl(source, &s), acl(target, &t));
    let owners = before
        .values()
        .flatten()
        .filter(|(u, p)| u.ends_with("@example.com") && p.to_string().contains("IS_OWNER"))
        .count();
    assert!(owners >= 1, "{before:?}");
    // Jobs paired by the report's ids (names repeat in the typical seed).
    let pairs: BTreeMap<String, String> = report_objects(sb)
        .iter()
        .filter(|o| o["kind"] == "jobs" && o["target_id"].is_string())
        .map(|o| (str_of(o, "source_id"), str_of(o, "target_id")))
        .collect();
    assert!(pairs.len() >= 30, "{pairs:?}");
    for (job, grants) in before.iter().filter(|(id, _)| pairs.contains_key(*id)) {
        let names = |g: &[(String, Value)]| -> Vec<(String, String)> {
            let direct = |p: &Value| {
                let direct = (p.as_array().into_iter().flatten())
                    .filter(|p| p["inherited"] != true)
                    .map(|p| str_of(p, "permission_level"));
                direct.collect::<Vec<_>>().join(",")
            };
            let mut v: Vec<_> = g.iter().map(|(u, p)| (renamed(u), direct(p))).collect();
            v.retain(|(_, p)| !p.is_empty());
            v.sort();
            v
        };
        let expected = names(grants);
        let mut now = names(&after[&pairs[job]]);
        now.retain(|(u, _)| u != "bob@target.example");
        assert_eq!(now, expected, "grants of job {job}");
    }
    // Home folders follow their user.
    let homes = |w: &Walk| -> BTreeSet<String> {
        let home = |p: &str| {
            p.strip_prefix("/Users/")
                .map(|r| r.split('/').next().unwrap_or(r).to_string())
        };
        w.tree.keys().filter_map(|p| home(p)).collect()
    };
    let (before, after) = (homes(&s), homes(&t));
    assert!(
        before
            .iter()
            .filter(|h| h.ends_with("@example.com"))
            .count()
            >= 3,
        "{before:?}"
    );
    for h in before.iter().filter(|h| h.ends_with("@example.com")) {
        assert!(after.contains(&renamed(h)), "home folder of {h}: {after:?}");
    }
    // Nothing anywhere in the target still names the old domain.
    let state = sb.emulators[1].snapshot().to_string();
    let left: Vec<_> = state
        .match_indices("@example.com")
        .map(|(i, _)| {
            state
                .get(i.saturating_sub(60)..i + 12)
                .unwrap_or("@example.com")
        })
        .take(5)
        .collect();
    assert!(
        left.is_empty(),
        "the old domain left in the target: {left:?}"
    );
}

#[test]
fn an_aws_workspace_moves_into_an_azure_one_under_new_identities() {
    let sb = aws_to_azure(DOMAINS);
    let (source, target) = (
        Workspace::new(sb.emulators[0].url(), SOURCE_TOKEN),
        Workspace::new(sb.emulators[1].url(), TARGET_TOKEN),
    );
    let account_groups: BTreeSet<String> = walk(&sb, &source)
        .groups
        .iter()
        .filter(|g| g["meta"]["resourceType"] == "Group")
        .map(|g| str_of(g, "displayName"))
        .collect();
    assert_eq!(account_groups.len(), 1, "{account_groups:?}");
    assert!(assigned_groups(&sb, &target).is_disjoint(&account_groups));

    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{}", brief(&out));

    assert_compute_translated(&sb, &source, &target);
    let state = sb.emulators[1].snapshot().to_string();
    assert!(
        !state.contains("aws_attributes"),
        "aws_attributes left in the target"
    );
    assert!(state.contains("azure_attributes"));
    assert_principals_renamed(&sb, &source, &target);
    assert!(assigned_groups(&sb, &target).is_superset(&account_groups));

    // The report lists the translations: node types, attributes, names (the seed's Spark
    // versions are all offered on Azure: kept).
    let translated: Vec<Value> = report_objects(&sb)
        .iter()
        .flat_map(|o| o["translated"].as_array().cloned().unwrap_or_default())
        .collect();
    for (field, from) in [
        ("node_type_id", "i3.xlarge"),
        ("aws_attributes.availability", ""),
        ("", "@example.com"),
    ] {
        assert!(
            translated
                .iter()
                .any(|t| str_of(t, "field").ends_with(field)
                    && str_of(t, "from").contains(from)
                    && !str_of(t, "why").is_empty()),
            "no translation of {field} {from} in report.json ({} in all)",
            translated.len()
        );
    }

    let out = sb.run_between(&["verify"]);
    assert_eq!(out.code, 0, "{}", brief(&out));

    // A re-run writes nothing.
    let before = sb.settled_stats(1).writes;
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{}", brief(&out));
    assert_eq!(
        sb.settled_stats(1).writes,
        before,
        "a re-run wrote: {}",
        brief(&out)
    );

    another_map_updates_exactly_what_it_changes(&sb, &source, &target);
}

/// A re-run with one more `[translate.node_types]` entry — r5d.xlarge to another target type
/// of its size — updates exactly the source objects naming r5d.xlarge, and nothing else.
fn another_map_updates_exactly_what_it_changes(
    sb: &Sandbox,
    source: &Workspace,
    target: &Workspace,
) {
    let from = "r5d.xlarge";
    let (src_nodes, _) = catalogue(sb, source);
    let (dst_nodes, _) = catalogue(sb, target);
    let chosen: BTreeSet<String> = specs(&walk(sb, target))
        .values()
        .filter_map(|s| s["node_type_id"].as_str().map(str::to_string))
        .collect();
    let (c0, m0, g0) = src_nodes[from];
    let other = dst_nodes
        .iter()
        .find(|(id, (c, m, g))| {
            *c == c0 && *g == g0 && *m <= 2.0 * m0 && m0 <= 2.0 * m && !chosen.contains(*id)
        })
        .map(|(id, _)| id.clone())
        .expect("another target node type of r5d.xlarge's size");
    let s = walk(sb, source);
    let naming = |v: &[Value]| v.iter().filter(|o| o.to_string().contains(from)).count();
    let using = naming(&s.clusters)
        + naming(&s.pools)
        + naming(&s.jobs)
        + naming(&s.pipelines)
        + naming(&s.policies);
    assert!(using >= 1, "the typical seed names {from}");

    add_config(
        sb,
        &format!("[translate.node_types]\n\"{from}\" = \"{other}\"\n"),
    );
    let before = sb.settled_stats(1).writes;
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{}", brief(&out));
    let updated: Vec<Value> = last_run_objects(sb)
        .into_iter()
        .filter(|o| o["outcome"] != "unchanged" && o["outcome"] != "skipped")
        .collect();
    assert_eq!(updated.len(), using, "{updated:#?}");
    for o in &updated {
        assert_eq!(o["outcome"], "updated", "{o}");
        let ts = o["translated"].as_array().cloned().unwrap_or_default();
        assert!(
            ts.iter()
                .any(|t| t["from"] == from && t["to"] == json!(other)),
            "{o}"
        );
    }
    assert!(sb.settled_stats(1).writes > before);
    let now = specs(&walk(sb, target));
    assert!(now.values().any(|s| s["node_type_id"] == json!(other)));
}

#[test]
fn bad_translate_input_stops_migrate_before_anything_is_written() {
    let sb = aws_to_azure("");
    // Two source users only the domain map makes one.
    let c = api(sb.emulators[0].url(), SOURCE_TOKEN);
    sb.rt.block_on(async {
        for name in ["zoe@example.com", "zoe@example.net"] {
            let u = json!({"userName": name, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
            c.post_json("/api/2.0/preview/scim/v2/Users", &u).await.unwrap();
        }
    });
    let config = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    let cases: [(&str, &[&str]); 3] = [
        (
            "[translate.node_type]\n\"i3.xlarge\" = \"Standard_E4ds_v4\"\n",
            &["brickport.toml", "node_type", "node_types"],
        ),
        (
            "[translate.node_types]\n\"i3.xlarge\" = \"Standard_Nope_v9\"\n",
            &["i3.xlarge", "Standard_Nope_v9"],
        ),
        (
            "[translate.user_domains]\n\"example.com\" = \"example.org\"\n\"example.net\" = \"example.org\"\n",
            &["zoe@example.com", "zoe@example.net", "zoe@example.org"],
        ),
    ];
    for (extra, needles) in cases {
        sb.write("brickport.toml", &format!("{config}{extra}"));
        let out = sb.run_between(&["migrate"]);
        assert_eq!(out.code, 2, "{extra}: {out:?}");
        let last = out.stderr.lines().last().unwrap_or("");
        assert!(last.starts_with("error: "), "{extra}: {out:?}");
        for n in needles {
            assert!(out.stderr.contains(n), "{extra}: {n} not in {out:?}");
        }
        assert_eq!(sb.settled_stats(1).writes, 0, "{extra}: written");
    }
}
