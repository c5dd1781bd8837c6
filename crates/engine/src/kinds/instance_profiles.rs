//! Instance profiles (AWS): the IAM instance profiles registered in the source, registered in
//! the target before the clusters, pools' clusters, job clusters and pipeline clusters that
//! name them (`aws_attributes.instance_profile_arn`: a need of those kinds, so each waits for
//! its profile and is skipped when its profile is not in the target).
//!
//! Natural key: the ARN (there is no id). `[translate.instance_profiles]` maps a source ARN
//! to the target's (another AWS account): the profile is registered under the mapped ARN, its
//! role ARN follows into the same account, and the cluster specs name the mapped ARN
//! (`kinds/compute`). The platform validates a profile on `add` with a dry run in the AWS
//! account (`skip_validation` is not sent): a profile the target's account cannot use fails
//! here, with the platform's reason, instead of every cluster that names it failing at start.
//!
//! On an Azure or GCP target an instance profile has no meaning: each is skipped with a manual
//! action (the cluster specs drop theirs, and say so). A source without the API (Azure, GCP)
//! has no instance profiles.

use brickport_api::ApiResultExt;
use brickport_api::types::instance_profiles::InstanceProfile;
use serde_json::{Value, json};

use super::snapshot::find_listed;
use super::{Created, Ctx, Detail, Kind, KindFuture, Mode, ObjectStream, SourceObject};
use super::{Deleted, InTarget, TargetObject, from_json};
use crate::EngineError;
use crate::ledger::{Action, Category, SkipReason};
use crate::translation::Translation;

/// The kind's name.
pub const NAME: &str = "instance_profiles";

/// Instance profiles.
pub struct InstanceProfiles;

/// A profile as the engine compares and writes it.
fn spec(p: &InstanceProfile) -> Value {
    let mut v = json!({
        "instance_profile_arn": p.instance_profile_arn,
        "is_meta_instance_profile": p.is_meta_instance_profile.unwrap_or(false),
    });
    if let Some(role) = &p.iam_role_arn {
        v["iam_role_arn"] = json!(role);
    }
    v
}

fn target(p: InstanceProfile) -> Option<TargetObject> {
    let body = spec(&p);
    let arn = p.instance_profile_arn?;
    TargetObject::from_parts(Some(arn.clone()), Some(arn), body)
}

/// The AWS account of an IAM ARN (`arn:aws:iam::<account>:…`).
fn account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Every profile of one side; none where the API does not exist (Azure, GCP: the path is
/// unknown there, `ENDPOINT_NOT_FOUND`, or not implemented).
async fn all(ctx: &Ctx, source: bool) -> Result<Vec<InstanceProfile>, EngineError> {
    let (client, side) = ctx.side(source);
    match client.instance_profiles().list().await {
        Ok(listed) => Ok(listed),
        Err(e)
            if e.is_not_found()
                || e.status() == Some(404)
                || e.error_code() == Some("NOT_IMPLEMENTED") =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(EngineError::api(
            format!("listing instance profiles in the {side}"),
            e,
        )),
    }
}

/// One source profile as the engine migrates it (see the module doc).
fn source_object(
    ctx: &Ctx,
    p: &InstanceProfile,
    target_cloud: Option<&str>,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(arn) = p.instance_profile_arn.clone() else {
        return Ok(None);
    };
    let raw = super::to_json(NAME, &arn, p)?;
    let mut mapped = p.clone();
    let mut translated = Vec::new();
    if let Some(to) = ctx
        .opts
        .instance_profiles
        .get(&arn)
        .filter(|to| **to != arn)
    {
        mapped.instance_profile_arn = Some(to.clone());
        translated.push(Translation::new(
            "instance_profile_arn",
            &arn,
            to,
            "[translate.instance_profiles]",
        ));
        let role = p.iam_role_arn.as_deref();
        if let (Some(role), Some(from), Some(into)) = (role, account(&arn), account(to)) {
            let moved = role.replacen(&format!(":{from}:"), &format!(":{into}:"), 1);
            if moved != role {
                translated.push(Translation::new(
                    "iam_role_arn",
                    role,
                    &moved,
                    "the role follows its instance profile into the target's AWS account",
                ));
                mapped.iam_role_arn = Some(moved);
            }
        }
    }
    let mut obj = SourceObject::new(arn.clone(), arn.clone(), raw, spec(&mapped));
    obj.translated = translated;
    if let Some(cloud) = target_cloud {
        obj.mode = Mode::Skip(SkipReason::OnPurpose(format!(
            "an instance profile has no meaning on {cloud}"
        )));
        obj.manual.push(Action::new(Category::Other, format!(
            "instance profile {arn} was not carried over (the target runs on {cloud}): give the compute that used it access to the same data there (a Unity Catalog storage credential or external location, or the cloud's identity for the compute)"
        )));
    }
    Ok(Some(obj))
}

/// The ARN a source object registers in the target.
fn target_arn(obj: &SourceObject) -> String {
    obj.spec()["instance_profile_arn"]
        .as_str()
        .unwrap_or(&obj.key)
        .to_string()
}

impl Kind for InstanceProfiles {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let profiles = all(ctx, true).await?;
            if profiles.is_empty() {
                return Ok(Vec::new());
            }
            let cloud = super::compute::catalogue(ctx).await.target_cloud_off_aws();
            let mut out = Vec::new();
            for p in &profiles {
                out.extend(source_object(ctx, p, cloud)?);
            }
            Ok(out)
        }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let arn = target_arn(obj);
            find_listed(
                ctx,
                self,
                &arn,
                || all(ctx, false),
                |p| {
                    let arn = p.instance_profile_arn.clone()?;
                    Some((arn.clone(), arn))
                },
                |p| Ok(target(p)),
            )
            .await
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let p: InstanceProfile = from_json(NAME, &obj.key, desired)?;
            ctx.target.instance_profiles().add(&p).await?;
            let arn = target_arn(obj);
            Ok(Created {
                id: arn.clone(),
                key: Some(arn),
            })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            let p: InstanceProfile = from_json(NAME, &obj.key, desired)?;
            Ok(ctx.target.instance_profiles().edit(&p).await?)
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move {
            ctx.target
                .instance_profiles()
                .remove(target.key)
                .await
                .found()
                .map(|_| ())
        })
    }
}
