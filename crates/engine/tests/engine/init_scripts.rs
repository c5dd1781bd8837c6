//! Global init scripts keep their order. The platform's `position` is relative to the scripts
//! already there, so order is what a concurrent migration would lose: four scripts, created in
//! the source in an order unlike their positions, land in the target in the source's order,
//! before a script the target had already; a re-run writes nothing, and a reorder in the
//! source is carried over.

use std::time::Duration;

use brickport_api::WorkspaceClient;
use brickport_api::types::init_scripts::GlobalInitScript;
use brickport_emulator::Latency;
use brickport_engine::{NoProgress, migrate};

use crate::support::{Pair, options};

async fn add(c: &WorkspaceClient, name: &str, position: i64, enabled: bool) -> String {
    let mut s = GlobalInitScript {
        name: Some(name.into()),
        enabled: Some(enabled),
        position: Some(position),
        ..GlobalInitScript::default()
    };
    s.set_script_bytes(format!("#!/bin/bash\n# {name}\n").as_bytes());
    c.init_scripts().create(&s).await.unwrap()
}

/// (name, enabled, content) in position order.
async fn order(c: &WorkspaceClient) -> Vec<(String, bool, Vec<u8>)> {
    let mut listed = c.init_scripts().list().await.unwrap();
    listed.sort_by_key(|s| s.position);
    let mut out = Vec::new();
    for (i, s) in listed.into_iter().enumerate() {
        assert_eq!(s.position, Some(i as i64), "positions are contiguous");
        let full = c
            .init_scripts()
            .get(s.script_id.as_deref().unwrap())
            .await
            .unwrap();
        out.push((
            s.name.unwrap(),
            s.enabled == Some(true),
            full.script_bytes().unwrap(),
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_land_in_the_source_order_and_stay_there() {
    // Requests to the target take 0-40 ms, so writes sent at once would land in any order.
    let mut jittery = options(2);
    jittery.latency = Latency {
        fixed: Duration::ZERO,
        jitter: Duration::from_millis(40),
    };
    let p = Pair::of(options(1), jittery).await;
    // Each create shifts what is at its position: the final order is d, a, c, b.
    add(&p.source, "b", 0, true).await;
    add(&p.source, "a", 0, true).await;
    add(&p.source, "c", 1, false).await;
    let d = add(&p.source, "d", 0, true).await;
    add(&p.target, "already-there", 0, true).await;
    let source = order(&p.source).await;
    let names: Vec<&str> = source.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["d", "a", "c", "b"]);

    let mut opts = p.options(8);
    opts.only = vec!["global_init_scripts".into()];
    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(report.is_success(), "{}", report.to_markdown());
    let mut want = source.clone();
    want.push(order(&p.target).await.pop().unwrap());
    assert_eq!(want.last().unwrap().0, "already-there");
    assert_eq!(
        order(&p.target).await,
        want,
        "same names, flags, bytes and order"
    );

    let writes = p.target_writes();
    let again = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(again.is_success(), "{}", again.to_markdown());
    assert_eq!(p.target_writes(), writes, "a re-run writes nothing");

    // `d` moves from first to last in the source: every script's place changes.
    let mut moved = p.source.init_scripts().get(&d).await.unwrap();
    moved.position = Some(3);
    p.source.init_scripts().update(&d, &moved).await.unwrap();
    let report = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(report.is_success(), "{}", report.to_markdown());
    let names: Vec<String> = order(&p.target).await.into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["a", "c", "b", "d", "already-there"]);
}
