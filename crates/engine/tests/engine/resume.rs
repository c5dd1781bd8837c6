//! `resume`: a re-run that does not read permissions, job settings or cluster libraries again
//! for what the ledger has done, and what it does not carry (an ACL changed since) — which a plain run does.

use std::time::Duration;

use brickport_api::types::permissions::AccessControlRequest;
use brickport_engine::{EngineOptions, NoProgress, Outcome, RunReport, migrate};

use crate::typical::typical_pair;

fn outcome(r: &RunReport, kind: &str, sid: &str) -> (Outcome, String) {
    let o = r
        .objects()
        .unwrap()
        .into_iter()
        .find(|o| o.kind == kind && o.source_id == sid)
        .unwrap_or_else(|| panic!("{kind} {sid} not in the report"));
    (o.outcome, o.detail.clone().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_reads_no_acl_or_job_again_and_a_plain_run_carries_what_it_skipped() {
    let p = typical_pair(Duration::ZERO).await;
    let mut opts = EngineOptions::new(p.dir.path().join("run"));
    opts.max_concurrency = 16;
    let first = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();

    // A notebook whose grants were written, and a user to grant it to.
    let (nb, nb_target) = first
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| {
            o.kind == "notebook_permissions"
                && matches!(o.outcome, Outcome::Created | Outcome::Updated)
        })
        .filter_map(|o| Some((o.source_id.clone(), o.target_id.clone()?)))
        .next()
        .expect("a notebook's grants were written");
    let user = first
        .objects()
        .unwrap()
        .into_iter()
        .find(|o| o.kind == "users" && o.outcome == Outcome::Created)
        .expect("a user was created")
        .key
        .clone();
    let grant = AccessControlRequest::new("user_name", &user, "CAN_MANAGE");
    p.source
        .permissions()
        .update("notebooks", &nb, &[grant])
        .await
        .unwrap();

    p.src.emulator().stats.reset();
    opts.resume = true;
    let resumed = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let reads = p.src.stats().by_path;
    let acl_reads: Vec<_> = reads
        .keys()
        .filter(|k| k.starts_with("/api/permissions/") && !k.ends_with("/directories/0"))
        .collect();
    assert!(acl_reads.is_empty(), "ACLs read again: {acl_reads:?}");
    assert!(
        !reads.keys().any(|k| k == "/api/jobs/get"),
        "job settings read again: {reads:?}"
    );
    assert!(
        !reads.keys().any(|k| k == "/api/libraries/cluster-status"),
        "cluster libraries read again: {reads:?}"
    );
    let (o, detail) = outcome(&resumed, "notebook_permissions", &nb);
    assert_eq!(o, Outcome::Unchanged);
    assert!(detail.contains("--resume"), "{detail}");
    let jobs: Vec<_> = resumed
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == "jobs")
        .collect();
    assert!(
        jobs.iter()
            .filter(|j| first
                .objects()
                .unwrap()
                .into_iter()
                .any(|f| f.kind == "jobs"
                    && f.source_id == j.source_id
                    && matches!(f.outcome, Outcome::Created | Outcome::Updated)))
            .all(|j| j.outcome == Outcome::Unchanged),
        "jobs done before stay unchanged"
    );
    let has_grant = |acl: &brickport_api::types::permissions::ObjectPermissions| {
        serde_json::to_string(acl).unwrap().contains(&user)
    };
    let target_acl = p
        .target
        .permissions()
        .get("notebooks", &nb_target)
        .await
        .unwrap();
    assert!(!has_grant(&target_acl), "resume does not carry the change");

    // A plain run reads the ACLs again and carries the change.
    opts.resume = false;
    let plain = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(
        outcome(&plain, "notebook_permissions", &nb).0,
        Outcome::Updated
    );
    let target_acl = p
        .target
        .permissions()
        .get("notebooks", &nb_target)
        .await
        .unwrap();
    assert!(has_grant(&target_acl), "{target_acl:?}");
}
