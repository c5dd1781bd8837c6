//! SQL warehouses: start and stop, validation, the creator as owner.

use std::time::Duration;

use serde_json::{Value, json};

use super::{assert_error, start};
use crate::common::ADMIN;

#[tokio::test]
async fn warehouse_starts_stops_validates_and_creator_is_owner() {
    let emu = start(40).await;
    let body = json!({"name": "wh", "cluster_size": "Small", "auto_stop_mins": 10});
    let id = emu.ok("/api/2.0/sql/warehouses", body.clone()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        id.len() == 16
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{id}"
    );
    let mut w = emu.warehouse(&id).await;
    for _ in 0..200 {
        if w["state"] == "RUNNING" {
            break;
        }
        assert_eq!(w["state"], "STARTING");
        tokio::time::sleep(Duration::from_millis(20)).await;
        w = emu.warehouse(&id).await;
    }
    assert_eq!(w["state"], "RUNNING");
    assert_eq!(w["num_clusters"], 1);
    assert_eq!(w["health"]["status"], "HEALTHY");
    assert!(w["jdbc_url"].as_str().unwrap().contains(&id));
    assert_eq!(
        w["odbc_params"]["path"],
        format!("/sql/1.0/warehouses/{id}")
    );
    assert_eq!(w["creator_name"], "admin@example.com");

    emu.ok(&format!("/api/2.0/sql/warehouses/{id}/stop"), json!({}))
        .await;
    for _ in 0..200 {
        if emu.warehouse(&id).await["state"] == "STOPPED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emu.warehouse(&id).await["state"], "STOPPED");
    emu.ok(&format!("/api/2.0/sql/warehouses/{id}/start"), json!({}))
        .await;
    assert!(["STARTING", "RUNNING"].contains(&emu.warehouse(&id).await["state"].as_str().unwrap()));

    let owner = emu
        .running
        .emulator()
        .lock()
        .permissions
        .owner("warehouses", &id)
        .cloned();
    assert_eq!(
        serde_json::to_value(owner).unwrap(),
        json!({"user_name": "admin@example.com"})
    );

    let bad = |over: Value| {
        let mut b = json!({"name": "other", "cluster_size": "Small"});
        for (k, v) in over.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for b in [
        bad(json!({"auto_stop_mins": 5})),
        bad(json!({"cluster_size": "Huge"})),
        bad(json!({"min_num_clusters": 3, "max_num_clusters": 2})),
        bad(json!({"enable_serverless_compute": true, "warehouse_type": "CLASSIC"})),
    ] {
        assert_error(
            &emu.post("/api/2.0/sql/warehouses", b).await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
    }
    assert_error(
        &emu.post("/api/2.0/sql/warehouses", body).await,
        400,
        "RESOURCE_ALREADY_EXISTS",
    );
    emu.ok(
        &format!("/api/2.0/sql/warehouses/{id}/edit"),
        json!({"name": "wh", "cluster_size": "Medium"}),
    )
    .await;
    assert_eq!(emu.warehouse(&id).await["cluster_size"], "Medium");
    let (_, l) = emu.get("/api/2.0/sql/warehouses?page_size=1").await;
    assert_eq!(l["warehouses"].as_array().unwrap().len(), 1);
    let r = emu
        .call_as(
            ADMIN,
            "DELETE",
            &format!("/api/2.0/sql/warehouses/{id}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200);
    assert_error(
        &emu.get(&format!("/api/2.0/sql/warehouses/{id}")).await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
    let (s, c) = emu.get("/api/2.0/sql/config/warehouses").await;
    assert_eq!((s, c["security_policy"].as_str()), (200, Some("NONE")));
}
