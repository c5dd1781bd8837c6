//! Phase 1 end to end: everything arrives equal; a re-run writes nothing; changes propagate.

use brickport_engine::{NoProgress, Outcome, migrate};

use crate::support::pair;
use crate::{seed, verify};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase1_migrates_everything_then_is_idempotent() {
    let p = pair().await;
    seed::phase1(&p.source, crate::support::FULL).await;
    let opts = p.opts();

    let report = migrate(&p.source, &p.target, &opts, &NoProgress).await.unwrap();
    let failed: Vec<_> = report.objects.iter().filter(|o| o.outcome == Outcome::Failed || o.outcome == Outcome::Conflict).collect();
    assert!(failed.is_empty(), "failures: {failed:#?}");
    verify::assert_same(&p.source, &p.target).await;
    if std::env::var_os("SHOW_REPORT").is_some() {
        eprintln!("{}", report.to_markdown());
    }

    // Second run: nothing to do, nothing written.
    let before = p.target_writes();
    let again = migrate(&p.source, &p.target, &opts, &NoProgress).await.unwrap();
    assert_eq!(p.target_writes(), before, "a re-run wrote to the target");
    let t = again.totals();
    assert_eq!(t.created + t.updated + t.failed + t.conflicts, 0, "{:#?}", again.kinds);
}
