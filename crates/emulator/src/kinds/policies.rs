//! Cluster policies (`/api/2.0/policies/clusters/*`) and policy families.
//!
//! A fresh workspace already holds one default (Databricks-managed, `is_default: true`)
//! policy per policy family, the way real workspaces do: a migrator must match those by name
//! rather than create them. Definitions are JSON documents carried as strings.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::clusters::now_ms;
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of};
use crate::store::{self, Keyed};

pub mod families;

pub use families::PolicyFamily;

/// The cluster policies store.
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct PoliciesState {
    /// Every policy, by id (16 upper-hex characters).
    pub policies: BTreeMap<String, Policy>,
    /// The read-only policy family catalogue.
    pub families: Vec<PolicyFamily>,
}

impl Default for PoliciesState {
    fn default() -> Self {
        PoliciesState {
            policies: BTreeMap::new(),
            families: families::default_families(),
        }
    }
}

/// Makes a fresh workspace's families and default policies `cloud`'s (see
/// [`families::on_cloud`]).
pub fn use_cloud(st: &mut PoliciesState, cloud: crate::cloud::Cloud) {
    for f in &mut st.families {
        f.definition = families::on_cloud(&f.definition, cloud);
    }
    for p in st.policies.values_mut().filter(|p| p.is_default) {
        p.definition = families::on_cloud(&p.definition, cloud);
    }
}

/// Adds the default (managed) policies every workspace has, one per policy family, when
/// missing. Idempotent; ids come from the state's id generator (deterministic per seed).
/// `State::ensure_builtins` should call it; the policy handlers also do, so it holds even
/// for a state loaded from an older snapshot.
pub fn ensure_builtins(st: &mut crate::state::State) {
    let now = now_ms();
    let families = st.policies.families.clone();
    for f in &families {
        let present =
            st.policies.policies.values().any(|p| {
                p.is_default && p.policy_family_id.as_deref() == Some(&f.policy_family_id)
            });
        if present {
            continue;
        }
        let id = st.ids.policy_id();
        st.policies.policies.insert(
            id.clone(),
            Policy {
                policy_id: id,
                name: f.name.clone(),
                definition: f.definition.clone(),
                description: Some(f.description.clone()),
                policy_family_id: Some(f.policy_family_id.clone()),
                policy_family_definition_overrides: None,
                max_clusters_per_user: None,
                libraries: None,
                created_at_timestamp: now,
                creator_user_name: None,
                is_default: true,
            },
        );
    }
}

/// One cluster policy, as `get` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// 16 upper-hex characters.
    pub policy_id: String,
    /// Unique, 1–100 characters.
    pub name: String,
    /// JSON document as a string (for family policies: the family's, with overrides applied).
    pub definition: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The family it derives from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_family_id: Option<String>,
    /// JSON document as a string, laid over the family definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_family_definition_overrides: Option<String>,
    /// Cap on clusters per user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_clusters_per_user: Option<i64>,
    /// Libraries installed on governed clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libraries: Option<Vec<Value>>,
    /// ms since epoch.
    pub created_at_timestamp: i64,
    /// Absent on default policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_user_name: Option<String>,
    /// Databricks-managed default policy.
    #[serde(default)]
    pub is_default: bool,
}

impl PoliciesState {
    /// Whether a policy with this id exists (used by the permissions module and clusters).
    pub fn contains(&self, id: &str) -> bool {
        self.policies.contains_key(id)
    }

    /// The policy with this name, if any.
    pub fn by_name(&self, name: &str) -> Option<&Policy> {
        self.policies.values().find(|p| p.name == name)
    }

    /// Creates a policy from a create body after validating it, returning its id. Used by the
    /// handler and by seeds.
    pub fn create(
        &mut self,
        id: String,
        body: &Map<String, Value>,
        creator: &str,
    ) -> ApiResult<String> {
        let fields = self.checked_fields(body, None)?;
        let policy = Policy {
            policy_id: id.clone(),
            created_at_timestamp: now_ms(),
            creator_user_name: Some(creator.to_string()),
            is_default: false,
            ..fields
        };
        self.policies.insert(id.clone(), policy);
        Ok(id)
    }

    /// Validates the writable fields of a create/edit body; `editing` is the policy being
    /// edited (its own name does not count as a duplicate).
    fn checked_fields(
        &self,
        body: &Map<String, Value>,
        editing: Option<&Policy>,
    ) -> ApiResult<Policy> {
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let name = text("name").ok_or_else(|| ApiError::invalid("Missing required field: name"))?;
        if name.chars().count() > 100 {
            return Err(ApiError::invalid(
                "Policy name must be at most 100 characters long.",
            ));
        }
        let taken = self
            .policies
            .values()
            .any(|p| p.name == name && editing.is_none_or(|e| e.policy_id != p.policy_id));
        if taken {
            // match cloud behaviour [UNVERIFIED code]: the SDK docs only say names are unique;
            // policies are served by the clusters manager, which answers validation failures
            // with 400 INVALID_PARAMETER_VALUE, so we do too (not RESOURCE_ALREADY_EXISTS).
            return Err(ApiError::invalid(format!(
                "Cluster policy with name '{name}' already exists. Policy names must be unique."
            )));
        }
        let family_id = text("policy_family_id");
        let overrides = text("policy_family_definition_overrides");
        let definition = match (text("definition"), family_id) {
            (Some(_), Some(_)) => {
                // match cloud behaviour: a family policy takes overrides, not a definition.
                return Err(ApiError::invalid(
                    "policy_family_id and definition cannot be used together",
                ));
            }
            (Some(def), None) => {
                families::parse_definition(def, "definition")?;
                def.to_string()
            }
            (None, Some(fid)) => {
                let fam = self
                    .families
                    .iter()
                    .find(|f| f.policy_family_id == fid)
                    .ok_or_else(|| {
                        ApiError::invalid(format!("Policy family {fid} does not exist."))
                    })?;
                families::merged_definition(fam, overrides)?
            }
            (None, None) => "{}".to_string(),
        };
        if let Some(e) = editing.filter(|e| e.is_default) {
            // match cloud behaviour: a default policy keeps its name and family.
            if e.name != name || e.policy_family_id.as_deref() != family_id {
                return Err(ApiError::invalid(format!(
                    "Default policy '{}' can only change policy_family_definition_overrides, max_clusters_per_user and libraries.",
                    e.name
                )));
            }
        }
        let max = match body.get("max_clusters_per_user") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().filter(|n| *n > 0).ok_or_else(|| {
                ApiError::invalid("max_clusters_per_user must be a positive integer.")
            })?),
        };
        let libraries = match body.get("libraries") {
            None | Some(Value::Null) => None,
            Some(Value::Array(libs)) if libs.len() <= 500 => Some(libs.clone()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "libraries must be a list of at most 500 libraries.",
                ));
            }
        };
        Ok(Policy {
            policy_id: String::new(),
            name: name.to_string(),
            definition,
            description: text("description").map(str::to_string),
            policy_family_id: family_id.map(str::to_string),
            policy_family_definition_overrides: overrides.map(str::to_string),
            max_clusters_per_user: max,
            libraries,
            created_at_timestamp: 0,
            creator_user_name: None,
            is_default: false,
        })
    }
}

store::keyed!(PoliciesState, policies, Policy, no_such_policy);

fn no_such_policy(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED exact text]: 404 RESOURCE_DOES_NOT_EXIST.
    ApiError::not_found(format!("Can't find a cluster policy with id: {id}."))
}

fn require_admin(caller: &Caller) -> ApiResult<()> {
    // Documented: only workspace admins create, edit or delete policies.
    if caller.is_admin {
        Ok(())
    } else {
        Err(ApiError::permission_denied(
            "Only workspace admins can create, edit or delete cluster policies.",
        ))
    }
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    require_admin(&caller)?;
    let mut st = emu.lock();
    ensure_builtins(&mut st);
    let id = st.ids.policy_id();
    let id = st.policies.create(id, &body, &caller.user_name)?;
    st.permissions
        .init_object("cluster-policies", &id, Some(&caller.user_name));
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "policy_id": id })))
}

pub(crate) async fn edit(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let id = body
        .get("policy_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: policy_id"))?;
    let mut st = emu.lock();
    ensure_builtins(&mut st);
    let current = st.policies.get_or_404(id)?.clone();
    let fields = st.policies.checked_fields(&body, Some(&current))?;
    // Edit is a full replace of the writable fields; service-owned fields stay.
    let updated = Policy {
        policy_id: current.policy_id.clone(),
        created_at_timestamp: current.created_at_timestamp,
        creator_user_name: current.creator_user_name.clone(),
        is_default: current.is_default,
        description: fields.description.clone().or_else(|| {
            current
                .is_default
                .then(|| current.description.clone())
                .flatten()
        }),
        ..fields
    };
    st.policies.policies.insert(id.to_string(), updated);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn get_policy(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let id = q.required("policy_id")?;
    let mut st = emu.lock();
    ensure_builtins(&mut st);
    let p = st.policies.get_or_404(id)?;
    Ok(Json(json!(p)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let by_name = match q.get("sort_column") {
        None | Some("") | Some("POLICY_CREATION_TIME") => false,
        Some("POLICY_NAME") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid sort_column {other}: use POLICY_CREATION_TIME or POLICY_NAME"
            )));
        }
    };
    let desc = match q.get("sort_order") {
        None | Some("") | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid sort_order {other}: use ASC or DESC"
            )));
        }
    };
    let mut st = emu.lock();
    ensure_builtins(&mut st);
    let mut all: Vec<&Policy> = st.policies.policies.values().collect();
    if by_name {
        all.sort_by_key(|a| a.name.to_lowercase());
    } else {
        all.sort_by(|a, b| {
            (a.created_at_timestamp, !a.is_default, &a.name).cmp(&(
                b.created_at_timestamp,
                !b.is_default,
                &b.name,
            ))
        });
    }
    if desc {
        all.reverse();
    }
    // Not paged: the real list returns every policy at once.
    if all.is_empty() {
        Ok(Json(json!({})))
    } else {
        Ok(Json(json!({ "policies": all })))
    }
}

#[derive(Deserialize)]
pub(crate) struct IdBody {
    #[serde(default)]
    policy_id: String,
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let mut st = emu.lock();
    ensure_builtins(&mut st);
    let p = st.policies.get_or_404(&body.policy_id)?;
    if p.is_default {
        // Documented: default policies cannot be deleted.
        return Err(ApiError::invalid(format!(
            "Default policy '{}' cannot be deleted.",
            p.name
        )));
    }
    st.policies.policies.remove(&body.policy_id);
    st.permissions
        .remove_object("cluster-policies", &body.policy_id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
