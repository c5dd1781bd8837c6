//! Notification destinations and the jobs naming them: a destination the target refuses
//! fails alone, the job notifying it waits (skipped, with the reason) while the job notifying
//! another is migrated with the target's id; a later run completes both.

use brickport_api::types::jobs::JobSettings;
use brickport_emulator::{FaultRule, RuleAction};
use brickport_engine::{NoProgress, ObjectReport, Outcome, RunReport, migrate};
use serde_json::{Value, json};

use crate::support::pair;

/// One source destination per (name, config); returns their ids in that order.
async fn destinations(c: &brickport_api::WorkspaceClient, list: &[(&str, Value)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, config) in list {
        let body = json!({"display_name": name, "config": config});
        let request = serde_json::from_value(body).unwrap();
        let d = c
            .notification_destinations()
            .create(&request)
            .await
            .unwrap();
        ids.push(d.id.unwrap());
    }
    ids
}

/// A job with no task that notifies `destination` when it fails.
fn job(name: &str, destination: &str) -> JobSettings {
    serde_json::from_value(json!({"name": name,
        "webhook_notifications": {"on_failure": [{"id": destination}]}}))
    .unwrap()
}

/// The object of `kind` named `key` (a job's key is its name and its source id).
fn of<'r>(r: &'r [ObjectReport], kind: &str, key: &str) -> &'r ObjectReport {
    let job = format!("{key} (");
    let named = |o: &&ObjectReport| o.key == key || o.key.starts_with(&job);
    let found = r.iter().filter(|o| o.kind == kind).find(named);
    found.unwrap_or_else(|| panic!("no {kind} `{key}` in {r:#?}"))
}

fn objects(r: &RunReport) -> Vec<ObjectReport> {
    r.objects().unwrap()
}

#[tokio::test]
async fn a_refused_destination_fails_alone_and_its_job_waits_for_it() {
    let p = pair().await;
    let ids = destinations(
        &p.source,
        &[
            (
                "teams",
                json!({"microsoft_teams": {"url": "https://teams.example.com/h"}}),
            ),
            ("mail", json!({"email": {"addresses": ["ops@example.com"]}})),
        ],
    )
    .await;
    for (name, id) in [("to-teams", &ids[0]), ("to-mail", &ids[1])] {
        p.source.jobs().create(&job(name, id)).await.unwrap();
    }
    // The target refuses the first destination created (a type it does not offer).
    let refused = RuleAction::Error {
        status: 400,
        error_code: "INVALID_PARAMETER_VALUE".into(),
        message: Some("This destination type is not enabled in this workspace.".into()),
    };
    let path = "/api/2.0/notification-destinations";
    p.dst
        .set_fault_rules(vec![FaultRule::nth("POST", path, 1, refused)]);

    let opts = p.options(4);
    let first = objects(
        &migrate(&p.source, &p.target, &opts, &NoProgress)
            .await
            .unwrap(),
    );
    let kind = "notification_destinations";
    let (teams, mail) = (of(&first, kind, "teams"), of(&first, kind, "mail"));
    let mut outcomes = [teams.outcome, mail.outcome];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes, [Outcome::Created, Outcome::Failed], "{first:#?}");
    let (failed, created) = if teams.outcome == Outcome::Failed {
        ("teams", mail)
    } else {
        ("mail", teams)
    };
    let waiting = of(&first, "jobs", &format!("to-{failed}"));
    assert_eq!(waiting.outcome, Outcome::Skipped, "{waiting:#?}");
    let other = if failed == "teams" {
        "to-mail"
    } else {
        "to-teams"
    };
    let done = of(&first, "jobs", other);
    assert_eq!(done.outcome, Outcome::Created, "{done:#?}");
    let job_id: i64 = done.target_id.as_ref().unwrap().parse().unwrap();
    let target_job = p.target.jobs().get(job_id).await.unwrap();
    let settings = target_job.settings.unwrap();
    let named = serde_json::to_value(&settings).unwrap()["webhook_notifications"]["on_failure"][0]
        ["id"]
        .clone();
    assert_eq!(
        named,
        json!(created.target_id),
        "the target's destination id"
    );

    // The refusal was once: the next run creates the destination, then its job.
    let again = objects(
        &migrate(&p.source, &p.target, &opts, &NoProgress)
            .await
            .unwrap(),
    );
    assert_eq!(
        of(&again, kind, failed).outcome,
        Outcome::Created,
        "{again:#?}"
    );
    let job = of(&again, "jobs", &format!("to-{failed}"));
    assert_eq!(job.outcome, Outcome::Created, "{job:#?}");
}
