//! `RunningEmulator::pause`/`resume`: a workspace going down and coming back — connections
//! refused in between, the same address and the same state after.

use serde_json::json;

use crate::common::{self, ADMIN};

#[tokio::test]
async fn a_paused_emulator_refuses_connections_and_resumes_with_its_state() {
    let mut emu = common::start().await;
    let (status, created) = emu
        .post(
            "/api/2.0/instance-pools/create",
            json!({"instance_pool_name": "kept", "node_type_id": "i3.xlarge"}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let url = emu.running.url().to_string();
    emu.running.pause().await;
    // A fresh client: no pooled connection to fall back on.
    let fresh = reqwest::Client::new();
    let err = fresh
        .get(format!("{url}/api/2.0/instance-pools/list"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "refused while paused: {err:?}");
    emu.running.resume().await.unwrap();
    assert_eq!(emu.running.url(), url, "the same address");
    let list = emu.get_ok("/api/2.0/instance-pools/list").await;
    let names: Vec<_> = list["instance_pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instance_pool_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kept"], "the state survives the outage");
}
