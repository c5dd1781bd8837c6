//! Unknown objects of the jobs, Git folder and global init script stores: every handler that
//! looks one up answers that kind's own not-found error (status, `error_code` and message),
//! whatever the operation — the answers the stores' shared `Keyed` helper must keep.

use serde_json::{Value, json};

use super::assert_error;
use crate::common;

/// The status, code and message of an answer.
fn answer(r: &(u16, Value)) -> (u16, String, String) {
    let text = |k: &str| r.1[k].as_str().unwrap_or_default().to_string();
    (r.0, text("error_code"), text("message"))
}

#[tokio::test]
async fn unknown_jobs_are_404_in_2_2_and_400_before() {
    let emu = common::start().await;
    let id = 123_456_789;
    let gone = |status: u16, code: &str| {
        (
            status,
            code.to_string(),
            format!("Job {id} does not exist."),
        )
    };
    for (v, status, code) in [
        ("2.2", 404, "RESOURCE_DOES_NOT_EXIST"),
        ("2.1", 400, "INVALID_PARAMETER_VALUE"),
        ("2.0", 400, "INVALID_PARAMETER_VALUE"),
    ] {
        let get = emu.get(&format!("/api/{v}/jobs/get?job_id={id}")).await;
        assert_eq!(answer(&get), gone(status, code), "{v} get");
        let settings = json!({"name": "x"});
        for (op, body) in [
            ("reset", json!({"job_id": id, "new_settings": settings})),
            ("update", json!({"job_id": id, "new_settings": settings})),
            ("delete", json!({"job_id": id})),
            ("run-now", json!({"job_id": id})),
        ] {
            let r = emu.post(&format!("/api/{v}/jobs/{op}"), body).await;
            assert_eq!(answer(&r), gone(status, code), "{v} {op}");
        }
    }
}

#[tokio::test]
async fn unknown_git_folders_and_init_scripts_are_404_naming_the_id_as_sent() {
    let emu = common::start().await;
    for id in ["123456789", "00042"] {
        let want = (
            404,
            "RESOURCE_DOES_NOT_EXIST".to_string(),
            format!("Repo {id} does not exist."),
        );
        let path = format!("/api/2.0/repos/{id}");
        assert_eq!(answer(&emu.get(&path).await), want, "get {id}");
        let r = emu
            .call("PATCH", &path, Some(json!({"branch": "main"})))
            .await;
        assert_eq!(answer(&r), want, "update {id}");
        assert_eq!(answer(&emu.call("DELETE", &path, None).await), want);
    }
    assert_error(
        &emu.get("/api/2.0/repos/abc").await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let want = (
        404,
        "RESOURCE_DOES_NOT_EXIST".to_string(),
        "The global init script with id NOPE does not exist.".to_string(),
    );
    let path = "/api/2.0/global-init-scripts/NOPE";
    assert_eq!(answer(&emu.get(path).await), want);
    let body = json!({"name": "n", "script": "ZWNobw=="});
    let r = emu.call("PATCH", path, Some(body)).await;
    assert_eq!(answer(&r), want);
    assert_eq!(answer(&emu.call("DELETE", path, None).await), want);
}
