//! The bundle against real HTTP servers on 127.0.0.1: a source emulator exported, the bundle
//! served by a replay, and what the replay answers, refuses, and to whom. (The whole offline
//! migration, export → import → verify, is the cli's test: `crates/cli/tests/cli/bundle.rs`.)

use std::path::Path;
use std::time::Duration;

use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_bundle::{Bundle, BundleError, ExportRequest, Replay};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, SeedSpec, TokenSpec};
use brickport_engine::EngineOptions;
use futures::TryStreamExt;

const TOKEN: &str = "dapi-bundle-test-source";

async fn source() -> RunningEmulator {
    brickport_emulator::start(EmulatorOptions {
        seed: SeedSpec::Typical,
        rate_limits: RateLimitSpec::Off,
        tokens: vec![TokenSpec::parse(&format!("{TOKEN}:alice@source.example")).unwrap()],
        id_seed: 7,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

fn client(url: &str, token: &str) -> WorkspaceClient {
    let config = WorkspaceConfig::with_token(url, token).unwrap();
    WorkspaceClient::new(config, ClientOptions::fast(Duration::from_secs(10))).unwrap()
}

fn request(url: &str, token: &str, dir: &Path) -> ExportRequest {
    ExportRequest {
        source: WorkspaceConfig::with_token(url, token).unwrap(),
        client_options: ClientOptions::fast(Duration::from_secs(10)),
        opts: EngineOptions::new(dir),
        dir: dir.to_path_buf(),
    }
}

#[tokio::test]
async fn the_replay_answers_what_was_recorded_and_names_what_was_not() {
    let src = source().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    let summary = brickport_bundle::export(request(src.url(), TOKEN, &dir))
        .await
        .unwrap();
    assert!(summary.manifest.answers > 100, "{summary:?}");
    let replay = Replay::start(&Bundle::open(&dir).unwrap()).await.unwrap();
    let (live, bundled) = (client(src.url(), TOKEN), replay.client());

    let me = |c: &WorkspaceClient| {
        let c = c.clone();
        async move { c.scim().me().await.unwrap().user_name }
    };
    assert_eq!(me(bundled).await, me(&live).await);
    let ids = |c: &WorkspaceClient| {
        let c = c.clone();
        async move {
            let all: Vec<_> = c.clusters().list().try_collect().await.unwrap();
            all.into_iter().map(|c| c.cluster_id).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(bundled).await, ids(&live).await);
    assert!(replay.failure().is_none());

    // Never read by a migration, so never recorded: an error naming the request, and the
    // replay's failure from then on (a guarded command stops at once).
    assert!(bundled.secrets().get_secret("app", "db").await.is_err());
    let failure = replay.failure().unwrap().to_string();
    assert!(
        failure.contains("has no answer to `GET /api/2.0/secrets/get?key=db&scope=app`"),
        "{failure}"
    );
    let guarded = replay.guard(std::future::pending::<()>()).await;
    assert!(
        matches!(guarded, Err(BundleError::NotRecorded { .. })),
        "{guarded:?}"
    );
}

#[tokio::test]
async fn the_replay_serves_no_one_else_and_refuses_writes() {
    let src = source().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    brickport_bundle::export(request(src.url(), TOKEN, &dir))
        .await
        .unwrap();
    let replay = Replay::start(&Bundle::open(&dir).unwrap()).await.unwrap();
    let url = replay.client().host().to_string();

    // Another process on the machine, even with the source's own token: nothing.
    let stranger = reqwest::Client::new()
        .get(format!("{url}/api/2.0/preview/scim/v2/Me"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status().as_u16(), 401);
    assert!(
        replay.failure().is_none(),
        "a stranger's request is not the command's failure"
    );

    let writes_before = src.stats().writes;
    assert!(
        replay
            .client()
            .clusters()
            .start("0108-103000-1z5dcvgx")
            .await
            .is_err()
    );
    let failure = replay.failure().unwrap();
    assert!(matches!(failure, BundleError::ReadOnly { .. }), "{failure}");
    assert!(
        failure.to_string().contains("POST /api/2.1/clusters/start"),
        "{failure}"
    );
    assert_eq!(src.stats().writes, writes_before);
}

#[tokio::test]
async fn an_export_that_cannot_read_the_source_says_so_and_names_the_source() {
    let src = source().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    let err = brickport_bundle::export(request(src.url(), "dapi-wrong", &dir))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("source workspace: connect: "), "{err}");
    assert!(
        err.contains(src.url()),
        "names the source, not the recorder: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "a failed export left files: {left:?}");
    // A bundle directory that already holds files is refused.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let err = brickport_bundle::export(request(src.url(), TOKEN, &dir))
        .await
        .unwrap_err();
    assert!(matches!(err, BundleError::NotEmpty(_)), "{err}");
    assert_eq!(src.stats().writes, 0, "export wrote to the source");
}
