//! A kind that does not write [`Kind::get`] against a real (emulated) workspace: the engine's
//! `locate` — by a known target id, as after a write whose outcome is unknown — and the
//! listing-backed `find` ([`find_listed`]) both fall back to the natural key, so the object is
//! found, never taken for absent (which would create it twice).

use std::sync::Arc;
use std::time::Duration;

use brickport_api::types::policies::Policy;
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use serde_json::{Value, json};

use super::locate;
use crate::kinds::snapshot::{RunCache, find_listed};
use crate::kinds::{
    Created, Ctx, Detail, Kind, KindFuture, ObjectStream, SourceObject, TargetObject,
};
use crate::ledger::{Access, Ledger};
use crate::{EngineError, EngineOptions, IdMap};

/// Cluster policies by name, without `get`: the contract's default.
struct NoGet;

fn not_here<'a, T: Send + 'a>() -> KindFuture<'a, T> {
    Box::pin(async {
        Err(EngineError::InvalidOption(
            "not written in this test".into(),
        ))
    })
}

impl Kind for NoGet {
    fn name(&self) -> &'static str {
        "policies_without_get"
    }
    fn phase(&self) -> u8 {
        1
    }
    fn list<'a>(&'a self, _: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        crate::kinds::batch_stream(Box::pin(async { Ok(Vec::new()) }))
    }
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find_listed(
            ctx,
            self,
            &obj.key,
            || async { Ok(ctx.target.policies().list().await?) },
            |p: &Policy| Some((p.name.clone()?, p.policy_id.clone()?)),
            |p| Ok(TargetObject::from_parts(p.policy_id, p.name, json!({}))),
        ))
    }
    fn create<'a>(
        &'a self,
        _: &'a Ctx,
        _: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Created> {
        not_here()
    }
    fn update<'a>(
        &'a self,
        _: &'a Ctx,
        _: &'a SourceObject,
        _: &'a TargetObject,
        _: &'a Value,
    ) -> KindFuture<'a, ()> {
        not_here()
    }
}

#[tokio::test]
async fn a_kind_without_get_is_located_by_key_never_taken_for_absent() {
    let emu = brickport_emulator::start(brickport_emulator::EmulatorOptions {
        rate_limits: brickport_emulator::RateLimitSpec::Off,
        ..brickport_emulator::EmulatorOptions::default()
    })
    .await
    .unwrap();
    let cfg = WorkspaceConfig::with_token(emu.url(), "test-token").unwrap();
    let client = WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap();
    let policy: Policy = serde_json::from_value(json!({"name": "p1", "definition": "{}"})).unwrap();
    let id = client.policies().create(&policy).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = Ctx {
        source: client.clone(),
        target: client,
        opts: Arc::new(EngineOptions::new(dir.path())),
        ids: IdMap::new(Arc::new(Ledger::open(dir.path(), Access::Create).unwrap())),
        run_dir: dir.path().to_path_buf(),
        cache: Arc::new(RunCache::default()),
    };
    assert!(
        NoGet.get(&ctx, &id).is_none(),
        "the default reads nothing by id"
    );
    let obj = |key: &str| SourceObject::new("s-1", key, Value::Null, json!({}));
    // The run's first lookup of the key (the snapshot's hit, by id), from the ledger's target
    // id (an earlier write whose outcome was unknown): found by key all the same.
    let found = locate(&ctx, &NoGet, &obj("p1"), Some(&id), &json!({}))
        .await
        .unwrap()
        .expect("found by key");
    assert_eq!((found.id.as_str(), found.key.as_str()), (id.as_str(), "p1"));
    // A later lookup (a fresh listing), without a target id: found again.
    let again = locate(&ctx, &NoGet, &obj("p1"), None, &json!({}))
        .await
        .unwrap();
    assert_eq!(again.map(|t| t.id), Some(id));
    // What is not there is absent.
    let absent = locate(&ctx, &NoGet, &obj("p2"), Some("0"), &json!({}))
        .await
        .unwrap();
    assert!(absent.is_none());
}
