//! Git folders (`/api/2.0/repos`) and Git credentials (`/api/2.0/git-credentials`).
//!
//! A Git folder is also a workspace object of type `REPO` at its path, with `object_id` equal
//! to the repo id: the workspace kind lists them through [`ReposState::iter`]. Listing pages
//! are small (20) and the list's page-token query parameter is itself named
//! `next_page_token`, as in the real API.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::indexed::{IndexKeys, Indexed};
use crate::state::{AppState, Caller, caller_of};
use crate::store::{self, Keyed};

pub mod credentials;

pub use credentials::GitCredential;

/// Repos per `list` page.
pub const PAGE_SIZE: usize = 20;

/// The Git folders and Git credentials store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReposState {
    /// Every Git folder, by id, indexed by path and by parent folder.
    pub repos: Indexed<Repo, i64>,
    /// Every Git credential, by id (tokens are never stored).
    pub credentials: BTreeMap<i64, GitCredential>,
}

/// The index of Git folders by path.
const BY_PATH: usize = 0;
/// The index of Git folders by parent folder (`/` for a top-level one).
const BY_PARENT: usize = 1;

impl IndexKeys for Repo {
    const INDEXES: usize = 2;
    fn index_keys(&self, out: &mut Vec<(usize, String)>) {
        out.push((BY_PATH, self.path.clone()));
        if let Some((parent, _)) = self.path.rsplit_once('/') {
            let parent = if parent.is_empty() { "/" } else { parent };
            out.push((BY_PARENT, parent.to_string()));
        }
    }
}

/// One Git folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repo {
    /// int64 id; also the workspace `object_id` of the REPO object.
    pub id: i64,
    /// Workspace path, e.g. `/Repos/someone@example.com/project`.
    pub path: String,
    /// Remote URL.
    pub url: String,
    /// Canonical provider name, e.g. `gitHub`.
    pub provider: String,
    /// Checked-out branch (absent when a tag is checked out: detached HEAD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// 40 hex characters.
    pub head_commit_id: String,
    /// `{"patterns": [...]}` when created with sparse checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse_checkout: Option<Value>,
    /// Who created it.
    #[serde(default)]
    pub creator: String,
}

/// The canonical provider names; requests may use any letter case.
pub const PROVIDERS: &[&str] = &[
    "gitHub",
    "bitbucketCloud",
    "gitLab",
    "azureDevOpsServices",
    "gitHubEnterprise",
    "bitbucketServer",
    "gitLabEnterpriseEdition",
    "awsCodeCommit",
];

/// The canonical spelling of a provider name (case-insensitive), if it is one.
pub fn canonical_provider(p: &str) -> Option<&'static str> {
    PROVIDERS
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(p))
}

/// `/Workspace/Repos/x` and `/Repos/x` name the same place; duplicate slashes collapse.
pub fn normalize_path(p: &str) -> String {
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    let parts = match parts.first() {
        Some(&"Workspace") => &parts[1..],
        _ => &parts[..],
    };
    format!("/{}", parts.join("/"))
}

/// Git folders are found by the id as the request spells it (an int64 in the path), so the
/// not-found message repeats the request's spelling.
impl Keyed for ReposState {
    type Key = str;
    type Item = Repo;
    fn find(&self, id: &str) -> Option<&Repo> {
        id.parse::<i64>().ok().and_then(|n| self.repos.get(&n))
    }
    fn find_mut(&mut self, id: &str) -> Option<&mut Repo> {
        id.parse::<i64>().ok().and_then(|n| self.repos.get_mut(&n))
    }
    fn take(&mut self, id: &str) -> Option<Repo> {
        id.parse::<i64>().ok().and_then(|n| self.repos.remove(&n))
    }
    fn missing(id: &str) -> ApiError {
        no_such_repo(id)
    }
}

impl ReposState {
    /// Whether a repo with this id exists (used by the permissions module).
    pub fn contains(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    /// Every Git folder, for the workspace tree (`object_type: REPO`, `object_id` = `id`).
    pub fn iter(&self) -> impl Iterator<Item = &Repo> {
        self.repos.values()
    }

    /// The Git folders directly inside workspace folder `dir` (for a workspace `list`), in id
    /// order.
    pub fn children_of(&self, dir: &str) -> impl Iterator<Item = &Repo> {
        let dir = normalize_path(dir);
        self.repos
            .lookup(BY_PARENT, &dir)
            .into_iter()
            .filter_map(|id| self.repos.get(&id))
    }

    /// The repo at exactly this path (normalised), if any.
    pub fn at_path(&self, path: &str) -> Option<&Repo> {
        let path = normalize_path(path);
        self.repos
            .lookup(BY_PATH, &path)
            .first()
            .and_then(|id| self.repos.get(id))
    }

    /// Creates a Git folder from a create body after validation (handler and seeds), returning
    /// its JSON. The caller records permissions.
    pub fn create(
        &mut self,
        id: i64,
        head_commit_id: String,
        body: &Map<String, Value>,
        creator: &str,
    ) -> ApiResult<Value> {
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let url = text("url").ok_or_else(|| ApiError::invalid("Missing required field: url"))?;
        let provider = text("provider")
            .ok_or_else(|| ApiError::invalid("Missing required field: provider"))?;
        // match cloud behaviour: the provider name is case-insensitive.
        let provider = canonical_provider(provider).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid Git provider '{provider}'. Use one of: {}",
                PROVIDERS.join(", ")
            ))
        })?;
        let name = url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("repo")
            .trim_end_matches(".git")
            .to_string();
        let path = match text("path") {
            Some(p) => normalize_path(p),
            None => format!("/Repos/{creator}/{name}"),
        };
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // match cloud behaviour: inside /Repos a Git folder sits exactly at
        // /Repos/{folder}/{name}; elsewhere it must be under a user or shared folder.
        let valid = match segments.first() {
            Some(&"Repos") => segments.len() == 3,
            Some(&"Users") | Some(&"Shared") => segments.len() >= 2,
            _ => false,
        };
        if !valid {
            return Err(ApiError::invalid(format!(
                "Invalid repo path {path}: a Git folder in /Repos must be at /Repos/{{folder}}/{{repo_name}} (or under /Users/... or /Shared/...)."
            )));
        }
        if self.at_path(&path).is_some() {
            return Err(ApiError::already_exists(format!(
                "Path ({path}) already exists."
            )));
        }
        let sparse = match body.get("sparse_checkout") {
            None | Some(Value::Null) => None,
            Some(v) => Some(check_sparse(v)?),
        };
        let repo = Repo {
            id,
            path,
            url: url.to_string(),
            provider: provider.to_string(),
            // match cloud behaviour: a new Git folder checks out the default branch.
            branch: Some("main".to_string()),
            head_commit_id,
            sparse_checkout: sparse,
            creator: creator.to_string(),
        };
        let out = json!(repo);
        self.repos.insert(id, repo);
        Ok(out)
    }
}

fn check_sparse(v: &Value) -> ApiResult<Value> {
    let patterns = v.get("patterns").and_then(Value::as_array);
    match patterns {
        Some(p) if p.iter().all(Value::is_string) => Ok(json!({ "patterns": p })),
        _ => Err(ApiError::invalid(
            "sparse_checkout must be {\"patterns\": [\"dir1\", ...]}",
        )),
    }
}

fn view(r: &Repo) -> Value {
    view_value(json!(r))
}

fn no_such_repo(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED text]: 404 RESOURCE_DOES_NOT_EXIST.
    ApiError::not_found(format!("Repo {id} does not exist."))
}

/// Checks that a request's repo id is an integer (else 400, before any lookup).
fn check_id(id: &str) -> ApiResult<()> {
    match id.parse::<i64>() {
        Ok(_) => Ok(()),
        Err(_) => Err(ApiError::invalid(format!(
            "Invalid repo id '{id}': expected an integer"
        ))),
    }
}

fn new_commit_id(st: &mut crate::state::State) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        st.ids.next_u64(),
        st.ids.next_u64(),
        st.ids.next_u64() as u32
    )
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let mut st = emu.lock();
    let id = st.ids.next_int();
    let commit = new_commit_id(&mut st);
    let out = st.repos.create(id, commit, &body, &caller.user_name)?;
    st.permissions
        .init_object("repos", &id.to_string(), Some(&caller.user_name));
    drop(st);
    emu.mark_dirty();
    Ok(Json(view_value(out)))
}

/// A stored repo as the API shows it (without the creator, which the API does not return).
fn view_value(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("creator");
    }
    v
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let st = emu.lock();
    Ok(Json(view(st.repos.get_or_404(&id)?)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let prefix = q
        .get("path_prefix")
        .filter(|p| !p.is_empty())
        .map(normalize_path);
    // match cloud behaviour: the page-token query parameter is named `next_page_token`.
    let offset = store::offset_of(q.get("next_page_token"), "repos-", "next_page_token")?;
    let st = emu.lock();
    let mut all: Vec<&Repo> = st
        .repos
        .repos
        .values()
        .filter(|r| prefix.as_deref().is_none_or(|p| r.path.starts_with(p)))
        .collect();
    all.sort_by(|a, b| a.path.cmp(&b.path).then(a.id.cmp(&b.id)));
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|r| view(r))
        .collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("repos".into(), Value::Array(page));
    }
    if let Some(next) = store::next_token("repos-", offset, PAGE_SIZE, all.len()) {
        out.insert("next_page_token".into(), json!(next));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let branch = body
        .get("branch")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let tag = body
        .get("tag")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if branch.is_some() && tag.is_some() {
        return Err(ApiError::invalid(
            "Only one of branch and tag may be given.",
        ));
    }
    let sparse = match body.get("sparse_checkout") {
        None | Some(Value::Null) => None,
        Some(v) => Some(check_sparse(v)?),
    };
    let mut st = emu.lock();
    let commit = new_commit_id(&mut st);
    if let Some(cred) = body.get("git_credential_id").and_then(Value::as_i64)
        && !st.repos.credentials.contains_key(&cred)
    {
        return Err(ApiError::invalid(format!(
            "Git credential {cred} does not exist."
        )));
    }
    let r = st.repos.get_mut_or_404(&id)?;
    if let Some(s) = sparse {
        if r.sparse_checkout.is_none() {
            // match cloud behaviour: sparse checkout is chosen when the folder is created.
            return Err(ApiError::invalid(
                "Sparse checkout can only be set when the Git folder is created.",
            ));
        }
        r.sparse_checkout = Some(s);
    }
    if let Some(b) = branch {
        r.branch = Some(b.to_string());
        r.head_commit_id = commit;
    } else if tag.is_some() {
        // match cloud behaviour: checking out a tag leaves a detached HEAD (no branch).
        r.branch = None;
        r.head_commit_id = commit;
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let mut st = emu.lock();
    st.repos.remove_or_404(&id)?;
    st.permissions.remove_object("repos", &id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_children_are_direct() {
        assert_eq!(normalize_path("/Workspace//Repos/a/b/"), "/Repos/a/b");
        let mut st = ReposState::default();
        let body =
            |p: &str| json!({"url": "https://github.com/o/r.git", "provider": "github", "path": p});
        for (i, p) in ["/Repos/a/x", "/Repos/a/y", "/Users/u@x.com/deep/z"]
            .iter()
            .enumerate()
        {
            let b = body(p);
            st.create(i as i64, "0".repeat(40), b.as_object().unwrap(), "u@x.com")
                .unwrap();
        }
        assert_eq!(st.children_of("/Workspace/Repos/a").count(), 2);
        assert_eq!(st.children_of("/Repos").count(), 0);
        assert_eq!(st.children_of("/Users/u@x.com/deep").count(), 1);
        assert_eq!(st.at_path("/Workspace/Repos/a/y").map(|r| r.id), Some(1));
        assert_eq!(
            st.iter().next().map(|r| r.provider.as_str()),
            Some("gitHub")
        );
    }
}
