//! The seed's SQL queries, alerts, AI/BI dashboards, Genie spaces, legacy dashboards and the
//! jobs running them, read over HTTP through each API: counts per part, every reference
//! pointing into the seeded workspace, tree entries, schedules left UNPAUSED, grants.

use brickport_emulator::SeedSpec;
use brickport_emulator::seed::counts::Counts;
use brickport_emulator::seed::parts::Part;
use serde_json::Value;

use crate::common::{Emu, start_seeded as start};
use crate::seeds::checks::sql_jobs;

/// Every item of a token-paged list (`results`/`dashboards`/`spaces`/`alerts`).
async fn all(emu: &Emu, path: &str, key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let b = emu
            .get_ok(&format!("{path}{sep}page_size=5&page_token={token}"))
            .await;
        out.extend(b[key].as_array().cloned().unwrap_or_default());
        match b["next_page_token"].as_str() {
            Some(t) => token = t.to_string(),
            None => return out,
        }
    }
}

fn count(kind: &str, c: &Counts) -> usize {
    Part::named(kind).unwrap().count(c)
}

#[tokio::test]
async fn typical_sql_objects_dashboards_and_genie() {
    let emu = start(SeedSpec::Typical).await;
    let t = Counts::TYPICAL;
    let queries = all(&emu, "/api/2.0/sql/queries", "results").await;
    let alerts = all(&emu, "/api/2.0/sql/alerts", "results").await;
    let alerts_v2 = all(&emu, "/api/2.0/alerts", "alerts").await;
    let dashboards = all(&emu, "/api/2.0/lakeview/dashboards", "dashboards").await;
    let spaces = all(&emu, "/api/2.0/genie/spaces", "spaces").await;
    assert_eq!(
        (queries.len(), alerts.len() + alerts_v2.len()),
        (count("SQL queries", &t), count("SQL alerts", &t))
    );
    assert_eq!(
        (dashboards.len(), spaces.len()),
        (count("AI/BI dashboards", &t), count("Genie spaces", &t))
    );
    assert_eq!(
        (
            queries.len(),
            alerts.len(),
            alerts_v2.len(),
            dashboards.len(),
            spaces.len()
        ),
        (12, 3, 1, 6, 2)
    );
    let legacy = emu
        .get_ok("/api/2.0/preview/sql/dashboards?page_size=1")
        .await;
    assert_eq!(legacy["count"], 2, "legacy dashboards");
    let legacy_queries = emu.get_ok("/api/2.0/preview/sql/queries").await;
    assert_eq!(
        legacy_queries["count"], 12,
        "the legacy API shows the same queries"
    );

    // Queries: tree entries, visualizations, grants beside the creator's.
    let mut visualizations = 0;
    for q in &queries {
        let id = q["id"].as_str().unwrap();
        let full = emu.get_ok(&format!("/api/2.0/sql/queries/{id}")).await;
        let parent = full["parent_path"]
            .as_str()
            .unwrap()
            .trim_start_matches("/Workspace");
        let name = full["display_name"].as_str().unwrap();
        let st = emu
            .get_ok(&format!(
                "/api/2.0/workspace/get-status?path={parent}/{}",
                urlencode(name)
            ))
            .await;
        assert_eq!(
            (st["object_type"].as_str(), st["resource_id"].as_str()),
            (Some("QUERY"), Some(id))
        );
        let v = emu
            .get_ok(&format!("/api/2.0/sql/queries/{id}/visualizations"))
            .await;
        visualizations += v["results"].as_array().map_or(0, Vec::len);
        let acl = emu
            .get_ok(&format!("/api/2.0/permissions/queries/{id}"))
            .await;
        assert!(
            acl["access_control_list"].as_array().unwrap().len() >= 3,
            "{name}: {acl}"
        );
    }
    assert_eq!(visualizations, 14);
    for a in &alerts {
        let q = a["query_id"].as_str().unwrap();
        assert!(
            queries.iter().any(|x| x["id"] == q),
            "alert on a seeded query"
        );
    }
    assert_eq!(alerts_v2[0]["schedule"]["pause_status"], "UNPAUSED");

    // Dashboards: three published, schedules UNPAUSED but one, subscriptions of both kinds.
    let (mut published, mut unpaused, mut paused, mut users, mut dests) = (0, 0, 0, 0, 0);
    for d in &dashboards {
        let id = d["dashboard_id"].as_str().unwrap();
        if emu
            .get(&format!("/api/2.0/lakeview/dashboards/{id}/published"))
            .await
            .0
            == 200
        {
            published += 1;
        }
        let s = emu
            .get_ok(&format!("/api/2.0/lakeview/dashboards/{id}/schedules"))
            .await;
        for s in s["schedules"].as_array().unwrap() {
            if s["pause_status"] == "UNPAUSED" {
                unpaused += 1
            } else {
                paused += 1
            }
            let sid = s["schedule_id"].as_str().unwrap();
            let subs = emu
                .get_ok(&format!(
                    "/api/2.0/lakeview/dashboards/{id}/schedules/{sid}/subscriptions"
                ))
                .await;
            for x in subs["subscriptions"].as_array().unwrap() {
                users += usize::from(x["subscriber"]["user_subscriber"].is_object());
                dests += usize::from(x["subscriber"]["destination_subscriber"].is_object());
            }
        }
    }
    assert_eq!((published, unpaused, paused), (3, 3, 1));
    assert!(
        users >= 3 && dests >= 2,
        "{users} users, {dests} destinations"
    );
}

#[tokio::test]
async fn typical_sql_jobs_reference_seeded_objects() {
    let emu = start(SeedSpec::Typical).await;
    let w = emu.walk().await;
    let jobs = sql_jobs(&w);
    assert_eq!(
        jobs.len(),
        count("jobs with SQL and dashboard tasks", &Counts::TYPICAL)
    );
    let mut seen = 0;
    for j in &jobs {
        for t in j["settings"]["tasks"].as_array().unwrap() {
            let refs = [
                (
                    t.pointer("/sql_task/query/query_id"),
                    "/api/2.0/sql/queries/",
                ),
                (
                    t.pointer("/sql_task/alert/alert_id"),
                    "/api/2.0/sql/alerts/",
                ),
                (
                    t.pointer("/sql_task/dashboard/dashboard_id"),
                    "/api/2.0/preview/sql/dashboards/",
                ),
                (
                    t.pointer("/dashboard_task/dashboard_id"),
                    "/api/2.0/lakeview/dashboards/",
                ),
            ];
            for (id, base) in refs {
                if let Some(id) = id.and_then(Value::as_str) {
                    emu.get_ok(&format!("{base}{id}")).await;
                    seen += 1;
                }
            }
        }
    }
    assert_eq!(seen, 6);
}

#[tokio::test]
async fn scale_500_scales_the_sql_parts() {
    let emu = start(SeedSpec::Scale(500)).await;
    let c = Counts::scaled(500);
    let queries = all(&emu, "/api/2.0/sql/queries", "results").await;
    let dashboards = all(&emu, "/api/2.0/lakeview/dashboards", "dashboards").await;
    assert_eq!(
        (queries.len(), dashboards.len()),
        (count("SQL queries", &c), count("AI/BI dashboards", &c))
    );
    assert_eq!((queries.len(), dashboards.len()), (48, 24));
    let w = emu.walk().await;
    assert_eq!(sql_jobs(&w).len(), 12);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
