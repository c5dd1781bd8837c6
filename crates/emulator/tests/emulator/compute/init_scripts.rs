//! Global init scripts: positions shift, content hidden from the list.

use base64::Engine;
use serde_json::{Value, json};

use super::{assert_error, start};
use crate::common::{ADMIN, USER};

#[tokio::test]
async fn init_scripts_shift_positions_and_hide_content_in_list() {
    let emu = start(0).await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut ids = Vec::new();
    for (name, pos) in [("a", None), ("b", None), ("c", Some(0))] {
        let mut body = json!({"name": name, "script": b64("#!/bin/bash\necho hi")});
        if let Some(p) = pos {
            body["position"] = json!(p);
        }
        ids.push(
            emu.ok("/api/2.0/global-init-scripts", body).await["script_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let order = |l: &Value| -> Vec<(String, i64)> {
        l["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["position"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(
        order(&l),
        [("c".into(), 0), ("a".into(), 1), ("b".into(), 2)]
    );
    assert!(
        l["scripts"][0].get("script").is_none(),
        "list never carries content"
    );
    let (_, g) = emu
        .get(&format!("/api/2.0/global-init-scripts/{}", ids[1]))
        .await;
    assert_eq!(g["script"], b64("#!/bin/bash\necho hi"));
    assert_eq!(g["enabled"], false);

    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/global-init-scripts/{}", ids[1]),
            Some(json!({"name": "b", "script": b64("x"), "position": 0})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(
        order(&l),
        [("b".into(), 0), ("c".into(), 1), ("a".into(), 2)]
    );
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/global-init-scripts/{}", ids[1]),
            Some(json!({"name": "b"})),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    emu.call_as(
        ADMIN,
        "DELETE",
        &format!("/api/2.0/global-init-scripts/{}", ids[2]),
        None,
    )
    .await;
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(order(&l), [("b".into(), 0), ("a".into(), 1)]);

    let big = b64(&"x".repeat(64 * 1024 + 1));
    let r = emu
        .post(
            "/api/2.0/global-init-scripts",
            json!({"name": "big", "script": big}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/global-init-scripts",
            json!({"name": "nb64", "script": "%%%"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .call_as(USER, "GET", "/api/2.0/global-init-scripts", None)
        .await;
    assert_error(&r, 403, "PERMISSION_DENIED");
    assert_error(
        &emu.get("/api/2.0/global-init-scripts/NOPE").await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
}
