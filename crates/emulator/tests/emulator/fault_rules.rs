//! Fault rules per route: a rule hits exactly the matching requests of its window, set
//! through the options or at runtime over `/_emulator/fault-rules`.

use brickport_emulator::{FaultRule, RuleAction};
use serde_json::{Value, json};

use crate::common::{self, ADMIN};

/// POSTs `body`; the status and answer, or `None` when the connection was dropped.
async fn post_raw(emu: &common::Emu, path: &str, body: &Value) -> Option<(u16, Value)> {
    let resp = emu
        .http
        .post(emu.url(path))
        .bearer_auth(ADMIN)
        .json(body)
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    let json = resp.json().await.ok()?;
    Some((status, json))
}

async fn job_names(emu: &common::Emu) -> Vec<String> {
    let (_, list) = emu.get("/api/2.2/jobs/list?limit=100").await;
    let jobs = list["jobs"].as_array().cloned().unwrap_or_default();
    jobs.iter()
        .map(|j| {
            j["settings"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_answer_of_the_2nd_jobs_create_is_lost_and_the_job_exists() {
    let rule = FaultRule::nth("POST", "/api/2.1/jobs/create", 2, RuleAction::Lost);
    let emu = common::start_with(brickport_emulator::EmulatorOptions {
        fault_rules: vec![rule],
        ..common::options()
    })
    .await;
    let mut answers = Vec::new();
    for name in ["first", "second", "third"] {
        answers.push(post_raw(&emu, "/api/2.1/jobs/create", &json!({"name": name})).await);
    }
    let answered = |i: usize| answers[i].as_ref().map(|(s, b)| (*s, b["job_id"].is_i64()));
    assert_eq!(answered(0), Some((200, true)), "the 1st is untouched");
    assert_eq!(answers[1], None, "the client saw no answer to the 2nd");
    assert_eq!(answered(2), Some((200, true)), "the 3rd is untouched");
    assert_eq!(job_names(&emu).await, ["first", "second", "third"]);
    // All three matched the rule; only the 2nd was in its window.
    let (_, rules) = emu.get("/_emulator/fault-rules").await;
    assert_eq!(rules["rules"][0]["matched"], 3);
    assert_eq!(emu.stats().await["faults"]["rule:lost"], 1);
}

#[tokio::test]
async fn rules_set_at_runtime_answer_errors_for_a_window_of_a_prefix() {
    let emu = common::start().await;
    let rules = json!({"rules": [{
        "method": "GET", "path": "/api/2.0/clusters/", "prefix": true, "offset": 2, "count": 2,
        "action": {"kind": "error", "status": 503, "error_code": "TEMPORARILY_UNAVAILABLE"}
    }]});
    let (s, set) = emu.post("/_emulator/fault-rules", rules).await;
    assert_eq!((s, set["rules"][0]["matched"].clone()), (200, json!(0)));
    let mut statuses = Vec::new();
    for path in [
        "/api/2.0/clusters/list",
        "/api/2.1/clusters/list",
        "/api/2.0/clusters/spark-versions",
        "/api/2.0/clusters/list",
        "/api/2.0/clusters/list",
    ] {
        statuses.push(emu.get(path).await.0);
    }
    // The 2.1 request does not match the 2.0 prefix: the 2nd and 3rd *matching* ones fail.
    assert_eq!(statuses, [200, 200, 503, 503, 200]);
    let (_, b) =
        {
            emu.post("/_emulator/fault-rules", json!({"rules": [{
            "method": "GET", "path": "/api/2.0/clusters/list",
            "action": {"kind": "error", "status": 429, "error_code": "REQUEST_LIMIT_EXCEEDED",
                       "message": "slow down"}
        }]}))
        .await
        };
    assert_eq!(b["rules"][0]["offset"], 1);
    let (s, e) = emu.get("/api/2.0/clusters/list").await;
    assert_eq!(
        (s, e["error_code"].as_str(), e["message"].as_str()),
        (429, Some("REQUEST_LIMIT_EXCEEDED"), Some("slow down"))
    );
    // A rule that cannot work is refused; no rules at all clears them.
    let bad = json!({"rules": [{"method": "GET", "path": "/x", "offset": 0,
                                "action": {"kind": "reset"}}]});
    assert_eq!(emu.post("/_emulator/fault-rules", bad).await.0, 400);
    emu.post("/_emulator/fault-rules", json!({"rules": []}))
        .await;
    assert_eq!(emu.get("/api/2.0/clusters/list").await.0, 200);
}
