//! Instance profiles (`/api/2.0/instance-profiles/*`, AWS only): the IAM instance profiles a
//! workspace admin registered, which clusters name in `aws_attributes.instance_profile_arn`.
//!
//! Keyed by ARN (there is no id and no get-by-ARN: clients scan `list`). Writes are
//! admin-only; `list` is open to every user and shows what the caller may use. The real `add` checks the profile with a dry-run
//! `RunInstances` in the customer's AWS account unless `skip_validation`; the emulator has no
//! AWS account, so only the ARN's shape is checked. On Azure and GCP workspaces the API does
//! not exist.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::body::JsonBody;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of};

/// The instance profiles store, by ARN.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceProfilesState {
    /// Every registered profile, by `instance_profile_arn`.
    pub profiles: BTreeMap<String, InstanceProfile>,
}

/// One registered instance profile, as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceProfile {
    /// `arn:aws:iam::<account>:instance-profile/<name>`.
    pub instance_profile_arn: String,
    /// The role behind it, when its name differs from the profile's (serverless SQL needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<String>,
    /// A meta instance profile (one that assumes other roles).
    #[serde(default)]
    pub is_meta_instance_profile: bool,
}

impl InstanceProfilesState {
    /// Whether nothing is registered (the state JSON then leaves the store out).
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
    /// Whether `arn` is registered.
    pub fn contains(&self, arn: &str) -> bool {
        self.profiles.contains_key(arn)
    }
    /// Registers a profile as a seed or a test wants it (no checks).
    pub fn insert(&mut self, p: InstanceProfile) {
        self.profiles.insert(p.instance_profile_arn.clone(), p);
    }
}

/// Whether `arn` is `arn:<partition>:iam::<12 digits>:<kind>/<name>`.
fn is_iam_arn(arn: &str, kind: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|name| !name.is_empty())
}

/// The body of `add` and `edit`.
#[derive(Debug, Deserialize)]
pub(crate) struct ProfileBody {
    #[serde(default)]
    instance_profile_arn: String,
    #[serde(default)]
    iam_role_arn: Option<String>,
    #[serde(default)]
    is_meta_instance_profile: Option<bool>,
    /// Accepted and ignored: there is no AWS account to validate against.
    #[serde(default)]
    #[allow(dead_code)]
    skip_validation: Option<bool>,
}

/// The checks every call makes: an AWS workspace, an admin for writes.
fn gate(emu: &AppState, caller: Option<&Caller>, op: &str) -> ApiResult<()> {
    if emu.lock().clusters.cloud != Cloud::Aws {
        // match cloud behaviour [UNVERIFIED]: Azure and GCP workspaces have no such API; the
        // router answers as for any unknown path.
        let method = if op == "list" { "GET" } else { "POST" };
        return Err(ApiError::endpoint_not_found(
            method,
            &format!("/api/2.0/instance-profiles/{op}"),
        ));
    }
    if let Some(c) = caller
        && !c.is_admin
    {
        // Documented: only workspace admins add, edit or remove instance profiles.
        return Err(ApiError::permission_denied(
            "Only workspace admins can manage instance profiles.",
        ));
    }
    Ok(())
}

fn check_arns(body: &ProfileBody) -> ApiResult<()> {
    if body.instance_profile_arn.is_empty() {
        return Err(ApiError::invalid(
            "Missing required field: instance_profile_arn",
        ));
    }
    if !is_iam_arn(&body.instance_profile_arn, "instance-profile") {
        // [UNVERIFIED] message: the service refuses what is not an instance-profile ARN.
        return Err(ApiError::invalid(format!(
            "Invalid instance profile ARN: {}. Expected arn:aws:iam::<account-id>:instance-profile/<name>.",
            body.instance_profile_arn
        )));
    }
    if let Some(role) = body.iam_role_arn.as_deref().filter(|r| !r.is_empty())
        && !is_iam_arn(role, "role")
    {
        // [UNVERIFIED] message.
        return Err(ApiError::invalid(format!(
            "Invalid IAM role ARN: {role}. Expected arn:aws:iam::<account-id>:role/<name>."
        )));
    }
    Ok(())
}

/// `POST /api/2.0/instance-profiles/add`.
pub(crate) async fn add(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<ProfileBody>,
) -> ApiResult<Json<Value>> {
    gate(&emu, Some(&caller_of(caller)), "add")?;
    check_arns(&body)?;
    let mut st = emu.lock();
    if st.instance_profiles.contains(&body.instance_profile_arn) {
        // [UNVERIFIED] code and message for a second add of the same ARN.
        return Err(ApiError::already_exists(format!(
            "Instance profile with arn {} already exists.",
            body.instance_profile_arn
        )));
    }
    st.instance_profiles.insert(InstanceProfile {
        instance_profile_arn: body.instance_profile_arn,
        iam_role_arn: body.iam_role_arn.filter(|r| !r.is_empty()),
        is_meta_instance_profile: body.is_meta_instance_profile.unwrap_or(false),
    });
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// `POST /api/2.0/instance-profiles/edit`: the role ARN and the meta flag change.
pub(crate) async fn edit(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<ProfileBody>,
) -> ApiResult<Json<Value>> {
    gate(&emu, Some(&caller_of(caller)), "edit")?;
    check_arns(&body)?;
    let mut st = emu.lock();
    let p = st
        .instance_profiles
        .profiles
        .get_mut(&body.instance_profile_arn)
        .ok_or_else(|| missing(&body.instance_profile_arn))?;
    p.iam_role_arn = body.iam_role_arn.filter(|r| !r.is_empty());
    if let Some(meta) = body.is_meta_instance_profile {
        p.is_meta_instance_profile = meta;
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// The body of `remove`.
#[derive(Debug, Deserialize)]
pub(crate) struct RemoveBody {
    #[serde(default)]
    instance_profile_arn: String,
}

/// `POST /api/2.0/instance-profiles/remove`. Clusters naming the profile keep it in their
/// spec (they fail at their next start on the real platform).
pub(crate) async fn remove(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<RemoveBody>,
) -> ApiResult<Json<Value>> {
    gate(&emu, Some(&caller_of(caller)), "remove")?;
    if body.instance_profile_arn.is_empty() {
        return Err(ApiError::invalid(
            "Missing required field: instance_profile_arn",
        ));
    }
    let mut st = emu.lock();
    if st
        .instance_profiles
        .profiles
        .remove(&body.instance_profile_arn)
        .is_none()
    {
        return Err(missing(&body.instance_profile_arn));
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// The ARNs `caller` was granted: SCIM `roles` of the principal and of every group it is in,
/// directly or through nested groups.
fn granted(st: &crate::state::State, caller: &Caller) -> BTreeSet<String> {
    let scim = &st.scim;
    let (id, mut out): (Option<&str>, BTreeSet<String>) =
        if let Some(u) = scim.user_by_name(&caller.user_name) {
            (Some(&u.id), u.roles.iter().cloned().collect())
        } else if let Some(s) = scim.sp_by_app_id(&caller.user_name) {
            (Some(&s.id), s.roles.iter().cloned().collect())
        } else {
            (None, BTreeSet::new())
        };
    let mut queue: Vec<String> = id.map(str::to_string).into_iter().collect();
    let mut seen = BTreeSet::new();
    while let Some(member) = queue.pop() {
        for g in scim.groups_of(&member) {
            if seen.insert(g.id.clone()) {
                out.extend(g.roles.iter().cloned());
                queue.push(g.id.clone());
            }
        }
    }
    out
}

/// `GET /api/2.0/instance-profiles/list`: documented as "the instance profiles the calling
/// user can use to launch a cluster" — every one for an admin, those granted through SCIM
/// `roles` (own or a group's) for anyone else.
pub(crate) async fn list(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    gate(&emu, None, "list")?;
    let caller = caller_of(caller);
    let st = emu.lock();
    let mine = (!caller.is_admin).then(|| granted(&st, &caller));
    let all: Vec<&InstanceProfile> = (st.instance_profiles.profiles.values())
        .filter(|p| {
            mine.as_ref()
                .is_none_or(|m| m.contains(&p.instance_profile_arn))
        })
        .collect();
    // match cloud behaviour: an empty list is an empty object (the field is left out).
    Ok(Json(if all.is_empty() {
        json!({})
    } else {
        json!({ "instance_profiles": all })
    }))
}

/// [UNVERIFIED] code and message for an ARN that is not registered.
pub fn missing(arn: &str) -> ApiError {
    ApiError::not_found(format!("Instance profile with arn {arn} does not exist."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_shapes() {
        assert!(is_iam_arn(
            "arn:aws:iam::123456789012:instance-profile/etl",
            "instance-profile"
        ));
        assert!(is_iam_arn(
            "arn:aws-us-gov:iam::123456789012:role/r",
            "role"
        ));
        assert!(!is_iam_arn(
            "arn:aws:iam::1234:instance-profile/etl",
            "instance-profile"
        ));
        assert!(!is_iam_arn(
            "arn:aws:iam::123456789012:role/etl",
            "instance-profile"
        ));
        assert!(!is_iam_arn(
            "arn:aws:iam::123456789012:instance-profile/",
            "instance-profile"
        ));
        assert!(!is_iam_arn("etl", "instance-profile"));
    }
}
