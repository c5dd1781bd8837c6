//! Compute across clouds, the other ways: AWS to AWS in another account (an instance profile
//! map), AWS to GCP and Azure to AWS.

use brickport_api::types::clusters::Cluster;
use brickport_emulator::{Cloud, EmulatorOptions, SeedSpec};
use brickport_engine::{NoProgress, Outcome, migrate};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::{PROFILE, opts, target_specs, translations};
use crate::support::{Pair, options};

/// AWS → AWS in another account: `[translate.instance_profiles]` registers the profile under
/// the mapped ARN (its role following), the clusters name it, and a re-run writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_profile_map_moves_profiles_and_clusters_to_another_aws_account() {
    use brickport_api::types::instance_profiles::InstanceProfile;
    let p = Pair::of(options(43), options(44)).await;
    let to = "arn:aws:iam::222222222222:instance-profile/databricks-etl";
    let profile = InstanceProfile {
        instance_profile_arn: Some(PROFILE.into()),
        iam_role_arn: Some("arn:aws:iam::123456789012:role/etl-role".into()),
        ..Default::default()
    };
    p.source.instance_profiles().add(&profile).await.unwrap();
    let cluster: Cluster = serde_json::from_value(json!({
        "cluster_name": "etl", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
        "num_workers": 1, "aws_attributes": {"availability": "SPOT", "instance_profile_arn": PROFILE}
    }))
    .unwrap();
    p.source.clusters().create(&cluster).await.unwrap();
    let mut o = opts(&p);
    o.instance_profiles.insert(PROFILE.into(), to.into());

    let r = migrate(&p.source, &p.target, &o, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    let listed = p.target.instance_profiles().list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].instance_profile_arn.as_deref(), Some(to));
    assert_eq!(
        listed[0].iam_role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/etl-role")
    );
    let clusters: Vec<_> = p.target.clusters().list().try_collect().await.unwrap();
    let c = serde_json::to_value(&clusters[0]).unwrap();
    assert_eq!(c["aws_attributes"]["instance_profile_arn"], to);
    assert_eq!(c["aws_attributes"]["availability"], "SPOT");
    let t = translations(&r);
    assert!(
        t.values()
            .flatten()
            .any(|t| t.field == "aws_attributes.instance_profile_arn" && t.to == to)
    );
    assert!(t.values().flatten().any(|t| t.field == "iam_role_arn"));
    let before = p.target_writes();
    migrate(&p.source, &p.target, &o, &NoProgress)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before);
}

/// The other directions: AWS → GCP and Azure → AWS (the emulator's typical seed carries its
/// cloud's attributes): nothing fails, no source cloud's block is left, the availability is
/// the target's word for it, and a re-run writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_to_gcp_and_azure_to_aws_carry_the_attributes_across() {
    for (from, to, id_seed) in [(Cloud::Aws, Cloud::Gcp, 45), (Cloud::Azure, Cloud::Aws, 47)] {
        let at = |seed, cloud, id_seed| EmulatorOptions {
            seed,
            cloud,
            ..options(id_seed)
        };
        let p = Pair::of(
            at(SeedSpec::Typical, from, id_seed),
            at(SeedSpec::None, to, id_seed + 1),
        )
        .await;
        // The built-in families name no node type (a real workspace's name its own cloud's).
        for f in &mut p.dst.emulator().lock().policies.families {
            let mut d: serde_json::Map<String, Value> =
                serde_json::from_str(&f.definition).unwrap();
            d.retain(|k, _| !k.ends_with("node_type_id"));
            f.definition = Value::Object(d).to_string();
        }
        for policy in p.dst.emulator().lock().policies.policies.values_mut() {
            let mut d: serde_json::Map<String, Value> =
                serde_json::from_str(&policy.definition).unwrap();
            d.retain(|k, _| !k.ends_with("node_type_id"));
            policy.definition = Value::Object(d).to_string();
        }
        let r = migrate(&p.source, &p.target, &opts(&p), &NoProgress)
            .await
            .unwrap();
        let failed: Vec<_> = (r.objects().unwrap().into_iter())
            .filter(|o| matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
            .collect();
        assert!(failed.is_empty(), "{from:?} → {to:?}: {}", r.to_markdown());
        let blocks = ["aws_attributes", "azure_attributes", "gcp_attributes"];
        let (source_block, target_block) = match (from, to) {
            (Cloud::Aws, Cloud::Gcp) => (blocks[0], blocks[2]),
            _ => (blocks[1], blocks[0]),
        };
        let specs = target_specs(&p).await;
        assert!(
            specs.iter().all(|(_, s)| s.get(source_block).is_none()),
            "{specs:?}"
        );
        let carried: Vec<_> = specs
            .iter()
            .filter_map(|(_, s)| s.get(target_block))
            .collect();
        assert!(!carried.is_empty(), "{from:?} → {to:?}: {specs:?}");
        let translated = translations(&r);
        assert!(
            translated
                .values()
                .flatten()
                .any(|t| t.field.ends_with(&format!("{source_block}.availability"))),
            "{translated:?}"
        );
        let before = p.target_writes();
        migrate(&p.source, &p.target, &opts(&p), &NoProgress)
            .await
            .unwrap();
        assert_eq!(p.target_writes(), before, "{from:?} → {to:?}");
    }
}
