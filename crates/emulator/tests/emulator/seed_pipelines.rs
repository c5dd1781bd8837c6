//! The seed's pipelines, notification destinations and the jobs running them: counts, every
//! reference pointing into the seeded workspace, one owner per pipeline, secrets never
//! answered.

use std::collections::BTreeSet;

use brickport_emulator::SeedSpec;
use brickport_emulator::seed::counts::Counts;
use brickport_emulator::seed::parts::Part;
use brickport_testkit::Walk;
use serde_json::Value;

use crate::common::start_seeded as start;
use crate::seeds::checks::{check_cluster_spec, check_jobs, ids, pipeline_jobs, secret_refs};

/// Whether `path` (a workspace path, with or without `/Workspace`) is an object of `kind`.
fn is(w: &Walk, path: &str, kind: &str) -> bool {
    let p = path.strip_prefix("/Workspace").unwrap_or(path);
    w.tree.get(p).is_some_and(|o| o["object_type"] == kind)
}

/// Checks one pipeline's references; returns how many it has.
fn check_pipeline(w: &Walk, p: &Value) -> usize {
    let spec = &p["spec"];
    let name = p["name"].as_str().unwrap();
    let mut checked = 0;
    for lib in spec["libraries"].as_array().unwrap() {
        if let Some(path) = lib["notebook"]["path"].as_str() {
            assert!(is(w, path, "NOTEBOOK"), "{name}: notebook {path}");
        } else if let Some(path) = lib["file"]["path"].as_str() {
            assert!(is(w, path, "FILE"), "{name}: file {path}");
        } else {
            let glob = lib["glob"]["include"].as_str().unwrap();
            let dir = glob.strip_suffix("/**").unwrap();
            assert!(is(w, dir, "DIRECTORY"), "{name}: glob {glob}");
        }
        checked += 1;
    }
    for c in spec["clusters"].as_array().unwrap() {
        checked += check_cluster_spec(w, c, name);
    }
    let mut refs = Vec::new();
    secret_refs(&spec["configuration"], &mut refs);
    for (scope, key) in refs {
        assert!(
            w.scopes[&scope].keys.contains(&key),
            "{name}: secret {scope}/{key}"
        );
        checked += 1;
    }
    let users = ids(&w.users, "userName");
    for n in spec["notifications"].as_array().into_iter().flatten() {
        for to in n["email_recipients"].as_array().unwrap() {
            assert!(users.contains(to.as_str().unwrap()), "{name}: {to}");
            checked += 1;
        }
    }
    checked
}

#[tokio::test]
async fn typical_pipelines_destinations_and_their_jobs() {
    let emu = start(SeedSpec::Typical).await;
    let w = emu.walk().await;
    let count = |kind: &str| Part::named(kind).unwrap().count(&Counts::TYPICAL);
    assert_eq!(w.pipelines.len(), count("pipelines"));
    assert_eq!(w.destinations.len(), count("notification destinations"));
    assert_eq!(pipeline_jobs(&w).len(), count("jobs with pipeline tasks"));
    assert_eq!(
        (w.pipelines.len(), w.destinations.len(), w.jobs.len()),
        (6, 4, 34),
        "the jobs: 28 core, 3 running pipelines, 3 running SQL objects"
    );

    // Pipelines: every kind of reference resolves; two run; catalog and legacy target.
    let checked: usize = w.pipelines.iter().map(|p| check_pipeline(&w, p)).sum();
    assert!(checked > 25, "{checked} references");
    let running: Vec<&Value> = w
        .pipelines
        .iter()
        .filter(|p| p["state"] == "RUNNING")
        .collect();
    assert_eq!(running.len(), 2);
    assert!(running.iter().all(|p| p["spec"]["continuous"] == true));
    assert!(
        running
            .iter()
            .all(|p| p["latest_updates"][0]["state"] == "RUNNING")
    );
    let with = |k: &str| {
        w.pipelines
            .iter()
            .filter(|p| p["spec"][k].is_string())
            .count()
    };
    assert_eq!((with("catalog"), with("target")), (3, 3));
    assert!(w.pipelines.iter().any(|p| p["spec"]["development"] == true));
    let run_as: Vec<&Value> = w
        .pipelines
        .iter()
        .filter(|p| p["run_as"].is_object())
        .collect();
    let sp = run_as[0]["run_as"]["service_principal_name"]
        .as_str()
        .unwrap();
    assert!(ids(&w.service_principals, "applicationId").contains(sp));
    assert_eq!(
        run_as[0]["run_as_user_name"], sp,
        "the run-as principal owns it"
    );
    assert_eq!(
        stats_updates(&emu).await,
        0,
        "seeding starts nothing through the API"
    );

    // Grants: exactly one owner each, besides groups and users.
    for p in &w.pipelines {
        let id = p["pipeline_id"].as_str().unwrap();
        let perms = emu
            .get_ok(&format!("/api/2.0/permissions/pipelines/{id}"))
            .await;
        let levels: Vec<&str> = perms["access_control_list"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["all_permissions"].as_array().unwrap())
            .filter(|g| g["inherited"] == false)
            .map(|g| g["permission_level"].as_str().unwrap())
            .collect();
        assert_eq!(
            levels.iter().filter(|l| **l == "IS_OWNER").count(),
            1,
            "{id}"
        );
        assert!(levels.len() >= 4, "{id}: {levels:?}");
    }

    // Destinations: one of each type; the webhook's password set but never answered. The
    // walk has them as listed (no config), so each is read whole here, as the admin.
    let mut destinations = Vec::new();
    for d in &w.destinations {
        let id = d["id"].as_str().unwrap();
        let path = format!("/api/2.0/notification-destinations/{id}");
        destinations.push(emu.get_ok(&path).await);
    }
    let types: BTreeSet<&str> = destinations
        .iter()
        .map(|d| d["destination_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["EMAIL", "PAGERDUTY", "SLACK", "WEBHOOK"])
    );
    let hook = destinations
        .iter()
        .find(|d| d["destination_type"] == "WEBHOOK");
    assert_eq!(
        hook.unwrap()["config"]["generic_webhook"]["password_set"],
        true
    );
    let everything = emu
        .get_ok("/api/2.0/notification-destinations")
        .await
        .to_string()
        + &destinations
            .iter()
            .map(Value::to_string)
            .collect::<String>()
        + &w.jobs.iter().map(Value::to_string).collect::<String>();
    assert!(!everything.contains("hunter2-webhook-Pa55"));

    // The jobs running pipelines: every pipeline task and webhook resolves.
    let seen = check_jobs(&w);
    assert_eq!(seen["pipeline_task"], 4);
    assert!(seen["webhook"] >= 10, "{seen:?}");
}

async fn stats_updates(emu: &crate::common::Emu) -> u64 {
    emu.stats().await["pipeline_updates_started"]
        .as_u64()
        .unwrap()
}
