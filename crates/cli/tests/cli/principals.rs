//! Principal renames through the binary: a `[translate.user_domains]` map that would merge
//! two source users into one target user stops `migrate` at the pre-check (exit 2, both
//! users named) before anything is written; a misspelt key under `[translate]` stops it
//! naming the key; the same map without the merge renames the user in the target.

use serde_json::json;

use crate::support::*;

#[test]
fn a_domain_map_merging_two_users_stops_migrate_before_any_write() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.unthrottled_pair();
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        for name in ["ana@old.com", "ana@older.com"] {
            let u = json!({"userName": name, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
            c.post_json("/api/2.0/preview/scim/v2/Users", &u).await.unwrap();
        }
    });
    let target_users = || {
        let t = api(&dst, TARGET_TOKEN);
        let page = sb
            .rt
            .block_on(t.get_json("/api/2.0/preview/scim/v2/Users", &[]))
            .unwrap();
        page["Resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .len()
    };
    let before = target_users();
    let config = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();

    let typo = format!("{config}[translate.user_domain]\n\"old.com\" = \"new.com\"\n");
    sb.write("brickport.toml", &typo);
    sb.run_between(&["migrate"])
        .fails_with(&["brickport.toml", "user_domain", "user_domains"]);

    let merging =
        "[translate.user_domains]\n\"old.com\" = \"new.com\"\n\"older.com\" = \"new.com\"\n";
    sb.write("brickport.toml", &format!("{config}{merging}"));
    let out = sb.run_between(&["migrate", "--only", "users"]);
    assert_eq!(out.code, 2, "{out:?}");
    for needle in [
        "principal renames",
        "ana@old.com",
        "ana@older.com",
        "ana@new.com",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {out:?}");
    }
    assert_eq!(target_users(), before, "nothing written");

    let renaming = "[translate.user_domains]\n\"old.com\" = \"new.com\"\n";
    sb.write("brickport.toml", &format!("{config}{renaming}"));
    let out = sb.run_between(&["migrate", "--only", "users"]);
    assert_eq!(out.code, 0, "{out:?}");
    let t = api(&dst, TARGET_TOKEN);
    let q = [("filter", "userName eq \"ana@new.com\"")];
    let page = sb
        .rt
        .block_on(t.get_json("/api/2.0/preview/scim/v2/Users", &q))
        .unwrap();
    assert_eq!(page["totalResults"], 1, "{page}");
}
