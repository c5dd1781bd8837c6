//! What the pipelines service checks in a create/edit body, the defaults it fills in, and the
//! list's `filter` (`name LIKE '…'` or `notebook='…'`, nothing else).
//!
//! The body carries the PipelineSpec at its top level plus input-only fields
//! (`allow_duplicate_names`, `dry_run`, `expected_last_modified`) and two fields kept beside
//! the spec (`run_as`, `parameters`). Only checks the real service is known to make, or that
//! keep the emulator's state coherent, are made; each says which.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::kinds::permissions::Principal;
use crate::state::State;

/// Most tags on a pipeline (documented: forwarded as cluster tags).
pub const MAX_TAGS: usize = 25;

/// The library kinds a `libraries[]` entry may be (one key each).
const LIBRARY_KINDS: &[&str] = &["notebook", "file", "glob", "jar", "whl", "maven"];

/// The alerts `notifications[].alerts` may name.
const ALERTS: &[&str] = &[
    "on-update-success",
    "on-update-failure",
    "on-update-fatal-failure",
    "on-flow-failure",
];

/// A create or edit body, checked.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The PipelineSpec (input-only fields and `run_as`/`parameters` taken out).
    pub spec: Map<String, Value>,
    /// Skip the name-uniqueness check.
    pub allow_duplicate_names: bool,
    /// Validate only: answer the effective settings, create nothing.
    pub dry_run: bool,
    /// `run_as` as sent.
    pub run_as: Option<Value>,
    /// The principal `run_as` names.
    pub run_as_principal: Option<Principal>,
    /// `parameters` as sent.
    pub parameters: Option<Value>,
    /// Edit only: optimistic concurrency on `last_modified`.
    pub expected_last_modified: Option<i64>,
}

fn bool_field(body: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(ApiError::invalid(format!(
            "Invalid value for {key}: {v} is not a boolean."
        ))),
    }
}

/// Takes a create/edit body apart and checks it against the workspace.
pub fn parse(st: &State, mut body: Map<String, Value>) -> ApiResult<Request> {
    let allow_duplicate_names = bool_field(&body, "allow_duplicate_names")?.unwrap_or(false);
    let dry_run = bool_field(&body, "dry_run")?.unwrap_or(false);
    let expected_last_modified = body.get("expected_last_modified").and_then(Value::as_i64);
    let run_as = body.remove("run_as").filter(|v| !v.is_null());
    let parameters = body.remove("parameters").filter(|v| !v.is_null());
    // Input-only (never stored) and the path's id, which some clients repeat in the body.
    for k in [
        "allow_duplicate_names",
        "dry_run",
        "expected_last_modified",
        "pipeline_id",
    ] {
        body.remove(k);
    }
    let run_as_principal = run_as.as_ref().map(|r| check_run_as(st, r)).transpose()?;
    if parameters.as_ref().is_some_and(|p| !p.is_object()) {
        return Err(ApiError::invalid(
            "parameters must be a map of strings to strings.",
        ));
    }
    check_spec(&mut body)?;
    crate::kinds::clusters::attributes::check_all(
        crate::kinds::clusters::attributes::pipeline_cluster_specs(&body),
        st,
    )?;
    Ok(Request {
        spec: body,
        allow_duplicate_names,
        dry_run,
        run_as,
        run_as_principal,
        parameters,
        expected_last_modified,
    })
}

/// `run_as` names exactly one existing user or service principal.
fn check_run_as(st: &State, r: &Value) -> ApiResult<Principal> {
    let s = |k: &str| r.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let p = match (s("user_name"), s("service_principal_name")) {
        (Some(u), None) => Principal::UserName(u.into()),
        (None, Some(a)) => Principal::ServicePrincipalName(a.into()),
        _ => {
            return Err(ApiError::invalid(
                "run_as must set exactly one of user_name and service_principal_name.",
            ));
        }
    };
    let exists = match &p {
        Principal::UserName(u) => st.scim.user_by_name(u).is_some(),
        Principal::ServicePrincipalName(a) => st.scim.sp_by_app_id(a).is_some(),
        Principal::GroupName(_) => false,
    };
    if !exists {
        // [UNVERIFIED] message; the service refuses a run-as identity it does not know.
        return Err(ApiError::invalid(format!(
            "The run_as identity {} does not exist in this workspace.",
            super::principal_name(&p)
        )));
    }
    Ok(p)
}

/// Checks the PipelineSpec and drops its input-only cluster field.
fn check_spec(spec: &mut Map<String, Value>) -> ApiResult<()> {
    // [UNVERIFIED] a pipeline needs a name here (every client sends one; uniqueness needs it).
    if spec
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(ApiError::invalid("Missing required field: name"));
    }
    for k in ["continuous", "development", "photon", "serverless"] {
        bool_field(spec, k)?;
    }
    let s = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if s("schema").is_some() && s("target").is_some() {
        // [UNVERIFIED] message: `target` is the legacy name of `schema`; one or the other.
        return Err(ApiError::invalid(
            "Only one of schema and target can be set; target is the deprecated name of schema.",
        ));
    }
    if let Some(t) = s("target").filter(|t| t.contains('.')) {
        // match cloud behaviour: the backend's message (a dotted catalog.schema is refused).
        return Err(ApiError::invalid(format!(
            "CreatePipeline target_schema_name \"{t}\" is not a valid name. Valid names must contain only alphanumeric characters and underscores, and cannot contain spaces, periods, forward slashes, or control characters."
        )));
    }
    if spec
        .get("tags")
        .and_then(Value::as_object)
        .is_some_and(|t| t.len() > MAX_TAGS)
    {
        return Err(ApiError::invalid(format!(
            "A pipeline can have at most {MAX_TAGS} tags."
        )));
    }
    check_libraries(spec)?;
    check_notifications(spec)?;
    check_clusters(spec)
}

fn items<'a>(spec: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    spec.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Each library names exactly one kind, and notebook/file/glob name a path.
fn check_libraries(spec: &Map<String, Value>) -> ApiResult<()> {
    for lib in items(spec, "libraries") {
        let kinds: Vec<&str> = lib
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .map(String::as_str)
            .filter(|k| LIBRARY_KINDS.contains(k))
            .collect();
        if kinds.len() != 1 {
            return Err(ApiError::invalid(format!(
                "Each library must set exactly one of {}; got {lib}.",
                LIBRARY_KINDS.join(", ")
            )));
        }
        let field = match kinds[0] {
            "notebook" | "file" => Some("path"),
            "glob" => Some("include"),
            _ => None,
        };
        if let Some(f) = field
            && lib[kinds[0]]
                .get(f)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            return Err(ApiError::invalid(format!(
                "Missing required field: libraries.{}.{f}",
                kinds[0]
            )));
        }
    }
    Ok(())
}

fn check_notifications(spec: &Map<String, Value>) -> ApiResult<()> {
    for n in items(spec, "notifications") {
        for a in n
            .get("alerts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !a.as_str().is_some_and(|a| ALERTS.contains(&a)) {
                return Err(ApiError::invalid(format!(
                    "Invalid notification alert {a}; valid alerts: {}.",
                    ALERTS.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Cluster labels are `default` or `maintenance`, each at most once;
/// `apply_policy_default_values` is input-only.
fn check_clusters(spec: &mut Map<String, Value>) -> ApiResult<()> {
    let mut seen = Vec::new();
    for c in items(spec, "clusters") {
        let label = c.get("label").and_then(Value::as_str).unwrap_or("default");
        if !["default", "maintenance"].contains(&label) || seen.contains(&label) {
            return Err(ApiError::invalid(format!(
                "Invalid cluster label '{label}': each of default and maintenance may be used once."
            )));
        }
        seen.push(label);
    }
    if let Some(cs) = spec.get_mut("clusters").and_then(Value::as_array_mut) {
        for c in cs.iter_mut().filter_map(Value::as_object_mut) {
            c.remove("apply_policy_default_values");
        }
    }
    Ok(())
}

/// What the service fills in: `id` (the pipeline's), and a default `storage` for a pipeline
/// without a catalog (Hive metastore) that names none.
pub fn fill_defaults(spec: &mut Map<String, Value>, id: &str) {
    spec.insert("id".into(), Value::String(id.into()));
    let has = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !has("catalog") && !has("storage") {
        // match cloud behaviour: HMS pipelines get `dbfs:/pipelines/<id>`.
        spec.insert(
            "storage".into(),
            Value::String(format!("dbfs:/pipelines/{id}")),
        );
    }
}

/// A list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `name LIKE '<pattern>'` (`%` any run, `_` one character; case-sensitive).
    NameLike(String),
    /// `notebook='<path>'`: pipelines with that notebook among their libraries.
    Notebook(String),
}

/// The text between single quotes that makes up all of `s`.
fn quoted(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    // A quote inside is written twice; a lone one ends the string early (a composite).
    (!inner.replace("''", "").contains('\'')).then(|| inner.replace("''", "'"))
}

/// Parses `filter`; anything but the two documented forms is refused.
pub fn parse_filter(f: &str) -> ApiResult<Filter> {
    let t = f.trim();
    let bad = || {
        // Documented: only `notebook='<path>'` and `name LIKE '<pattern>'`, no composites.
        ApiError::invalid(format!(
            "Invalid filter: {f}. Supported filters are notebook='<path>' and name LIKE '<pattern>'."
        ))
    };
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("name") {
        let rest = rest.trim_start();
        if rest.starts_with("like") {
            let at = t.len() - rest.len() + 4;
            return quoted(&t[at..]).map(Filter::NameLike).ok_or_else(bad);
        }
    } else if let Some(rest) = lower.strip_prefix("notebook") {
        let at = t.len() - rest.len();
        if let Some(v) = t[at..].trim_start().strip_prefix('=') {
            return quoted(v).map(Filter::Notebook).ok_or_else(bad);
        }
    }
    Err(bad())
}

/// SQL LIKE on characters: `%` matches any run, `_` any one character.
pub fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

impl Filter {
    /// Whether a pipeline's spec passes the filter.
    pub fn matches(&self, spec: &Map<String, Value>) -> bool {
        match self {
            Filter::NameLike(p) => spec
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| like(p, n)),
            Filter::Notebook(path) => items(spec, "libraries").iter().any(|l| {
                l.get("notebook")
                    .and_then(|n| n.get("path"))
                    .and_then(Value::as_str)
                    == Some(path.as_str())
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_and_filters() {
        assert!(like("nightly%", "nightly-etl"));
        assert!(like("%etl", "nightly-etl"));
        assert!(like("n_ght%l", "nightly-etl"));
        assert!(!like("Nightly%", "nightly-etl"));
        assert!(like("%", ""));
        assert!(!like("a%b", "acbd"));
        assert_eq!(
            parse_filter("name LIKE '%etl%'").unwrap(),
            Filter::NameLike("%etl%".into())
        );
        assert_eq!(
            parse_filter("notebook = '/Shared/it''s'").unwrap(),
            Filter::Notebook("/Shared/it's".into())
        );
        assert!(parse_filter("name = 'x'").is_err());
        assert!(parse_filter("name LIKE 'a' AND notebook='b'").is_err());
    }
}
