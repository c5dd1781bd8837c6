//! The shared walk of the source tree keeps memory flat: it drops what every consumer has
//! read, pauses while too far ahead of the slowest one, and refuses a consumer that opens
//! after it dropped entries (rather than hand it a partial tree).

use std::sync::Arc;
use std::time::Duration;

use brickport_engine::kinds::source_walk::{Pacing, SourceWalk};
use futures::StreamExt;

/// 3 folders of 20 notebooks each under `/Shared`.
async fn seeded() -> crate::support::Pair {
    let p = crate::support::pair().await;
    for d in 0..3 {
        let dir = format!("/Shared/d{d}");
        p.source.workspace().mkdirs(&dir).await.unwrap();
        for n in 0..20 {
            p.source
                .workspace()
                .import(&brickport_api::types::workspace::Import {
                    path: format!("{dir}/nb{n}"),
                    format: brickport_api::types::workspace::ExportFormat::Source,
                    language: Some("PYTHON".into()),
                    content: b"# Databricks notebook source\nprint(1)\n".to_vec(),
                    overwrite: false,
                })
                .await
                .unwrap();
        }
    }
    p
}

fn everything() -> brickport_engine::kinds::source_walk::Filter {
    Arc::new(|_: &str| true)
}

async fn read_all(
    s: impl futures::Stream<
        Item = Result<
            Arc<brickport_api::types::workspace::ObjectInfo>,
            brickport_engine::EngineError,
        >,
    >,
) -> Vec<String> {
    let mut s = std::pin::pin!(s);
    let mut out = Vec::new();
    while let Some(o) = s.next().await {
        out.push(o.unwrap().path.clone().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_dropped_once_every_consumer_read_them_and_a_late_consumer_is_refused() {
    let p = seeded().await;
    let pacing = Pacing {
        consumers: 2,
        ahead: 1_000,
        stall: Duration::from_secs(30),
    };
    let walk = SourceWalk::start(p.source.clone(), 4, everything(), pacing);
    let first = walk.stream();
    let second = walk.stream();
    let a = read_all(first).await;
    // `/Shared` itself, 3 folders, 60 notebooks (plus whatever the workspace starts with).
    assert!(a.len() >= 64, "{a:?}");
    assert!(a.contains(&"/Shared/d2/nb19".to_string()));
    assert_eq!(
        walk.held(),
        a.len(),
        "the second consumer has read nothing yet"
    );
    let b = read_all(second).await;
    assert_eq!(
        a, b,
        "every consumer sees the whole tree, in the same order"
    );
    assert_eq!(walk.held(), 0, "read by both: dropped");

    let mut late = std::pin::pin!(walk.stream());
    let e = late.next().await.unwrap().unwrap_err().to_string();
    assert!(e.contains("internal error"), "{e}");
    assert!(late.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_waits_for_the_slowest_consumer_and_a_closed_one_holds_nothing_back() {
    let p = seeded().await;
    let pacing = Pacing {
        consumers: 2,
        ahead: 5,
        stall: Duration::from_secs(60),
    };
    let walk = SourceWalk::start(p.source.clone(), 1, everything(), pacing);
    let slow = walk.stream();
    let fast = walk.stream();
    let mut fast = std::pin::pin!(fast);
    // The fast consumer gets what the walk listed; the walk then waits for the slow one.
    let mut got = 0;
    while tokio::time::timeout(Duration::from_millis(500), fast.next())
        .await
        .is_ok_and(|o| o.is_some())
    {
        got += 1;
    }
    // One folder's page (20 notebooks) may land at once past the window, no more.
    let listed = walk.listed();
    assert!(
        listed < 64,
        "the walk went on without the slow consumer: {listed} listed"
    );
    assert_eq!(got, listed, "the fast consumer read all that was listed");
    // Closing the slow consumer releases the walk.
    drop(slow);
    let rest = read_all(fast).await;
    assert!(got + rest.len() >= 64, "{got} + {}", rest.len());
    assert_eq!(walk.held(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_consumer_delays_the_walk_only_as_long_as_the_stall_limit() {
    let p = seeded().await;
    let pacing = Pacing {
        consumers: 2,
        ahead: 5,
        stall: Duration::from_millis(200),
    };
    let walk = SourceWalk::start(p.source.clone(), 1, everything(), pacing);
    let _stuck = walk.stream();
    let all = read_all(walk.stream()).await;
    assert!(all.len() >= 64, "{}", all.len());
    assert_eq!(
        walk.held(),
        all.len(),
        "the stuck consumer still holds them"
    );
}

/// The requests the walk sent before it paused are polled on while it waits for a slow
/// reader: left unpolled, they ran out their own timeout (here the client's 1 s, with no retry
/// budget to hide it; in `brickport export` at scale:100000, every retry too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_answered_while_the_walk_waits() {
    let p = seeded().await;
    let mut options = brickport_api::ClientOptions::fast(Duration::from_millis(1));
    options.timeout = Duration::from_secs(1);
    let config = brickport_api::WorkspaceConfig::with_token(p.src.url(), "test-token").unwrap();
    let client = brickport_api::WorkspaceClient::new(config, options).unwrap();
    let pacing = Pacing {
        consumers: 2,
        ahead: 5,
        stall: Duration::from_secs(60),
    };
    // 4 folders listed at a time: the three of `/Shared` are in flight together.
    let walk = SourceWalk::start(client, 4, everything(), pacing);
    let slow = walk.stream();
    let fast = walk.stream();
    let slow = async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        read_all(slow).await
    };
    let (a, b) = tokio::join!(slow, read_all(fast));
    assert!(a.len() >= 64, "{a:?}");
    assert_eq!(a, b);
}
