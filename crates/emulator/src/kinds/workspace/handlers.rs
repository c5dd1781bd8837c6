//! The workspace endpoints: list, get-status, export, import, mkdirs, delete.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::formats;
use super::{MAX_SIZE, Object, mkdirs, no_such_path, normalise, placed};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, State as Ws};

pub(crate) mod import;

fn too_big(size: usize) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "MAX_NOTEBOOK_SIZE_EXCEEDED",
        format!("The notebook or file is {size} bytes; the limit is {MAX_SIZE} bytes (10 MB)."),
    )
}

/// ObjectInfo as the API returns it.
pub fn info(st: &Ws, path: &str, o: &Object) -> Value {
    let mut m = Map::new();
    m.insert("object_type".into(), json!(o.object_type));
    m.insert("path".into(), json!(path));
    m.insert("object_id".into(), json!(o.object_id));
    m.insert("resource_id".into(), json!(st.workspace.resource_id(o)));
    if let Some(l) = &o.language {
        m.insert("language".into(), json!(l));
    }
    if o.object_type == "NOTEBOOK" || o.object_type == "FILE" {
        m.insert("created_at".into(), json!(o.created_at));
        m.insert("modified_at".into(), json!(o.modified_at));
    }
    if o.object_type == "FILE" {
        m.insert("size".into(), json!(o.size));
    }
    Value::Object(m)
}

/// The REPO object of a Git folder (the repos kind owns Git folders; the tree shows them).
fn repo_info(path: &str, id: i64) -> Value {
    json!({"object_type": "REPO", "path": path, "object_id": id, "resource_id": id.to_string()})
}

/// The object at `path`: a tree object, or a Git folder.
fn lookup(st: &Ws, path: &str) -> Option<Value> {
    st.workspace
        .get(path)
        .map(|o| info(st, path, o))
        .or_else(|| st.repos.at_path(path).map(|r| repo_info(&r.path, r.id)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let path = normalise(q.required("path")?)?;
    let after = q.i64("notebooks_modified_after")?;
    let st = emu.lock();
    let found = lookup(&st, &path).ok_or_else(|| no_such_path(&path))?;
    let is_dir = found["object_type"] == "DIRECTORY";
    // match cloud behaviour: listing a file or notebook answers the object itself.
    let objects: Vec<Value> = if is_dir {
        let mut v: Vec<Value> = st
            .workspace
            .children(&path)
            .filter(|(_, o)| match after {
                Some(t) if o.object_type == "NOTEBOOK" => o.modified_at > t,
                _ => true,
            })
            .map(|(p, o)| info(&st, p, o))
            .collect();
        v.extend(
            st.repos
                .children_of(&path)
                .map(|r| repo_info(&r.path, r.id)),
        );
        v
    } else if found["object_type"] == "REPO" {
        Vec::new()
    } else {
        vec![found]
    };
    // match cloud behaviour: an empty folder answers `{}`, not `{"objects": []}`.
    Ok(Json(if objects.is_empty() {
        json!({})
    } else {
        json!({ "objects": objects })
    }))
}

pub(crate) async fn get_status(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let path = normalise(q.required("path")?)?;
    let st = emu.lock();
    lookup(&st, &path)
        .map(Json)
        .ok_or_else(|| no_such_path(&path))
}

fn decoded(o: &Object) -> Vec<u8> {
    o.content
        .as_deref()
        .and_then(|c| B64.decode(c).ok())
        .unwrap_or_default()
}

pub(crate) async fn export(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Response> {
    let path = normalise(q.required("path")?)?;
    let format = q.get("format").unwrap_or("SOURCE").to_ascii_uppercase();
    let direct = q.bool("direct_download")?.unwrap_or(false);
    let obj = emu
        .lock()
        .workspace
        .get(&path)
        .cloned()
        .ok_or_else(|| no_such_path(&path))?;
    let name = path.rsplit('/').next().unwrap_or("").to_string();
    let (bytes, file_type): (Vec<u8>, String) = match obj.object_type.as_str() {
        "NOTEBOOK" => {
            let lang = obj.language.clone().unwrap_or_else(|| "PYTHON".into());
            let body = String::from_utf8_lossy(&decoded(&obj)).into_owned();
            match format.as_str() {
                "SOURCE" | "AUTO" | "RAW" => (
                    formats::source_with_header(&lang, &body).into_bytes(),
                    formats::ext_for(&lang).to_string(),
                ),
                "JUPYTER" => (
                    formats::jupyter_from_source(&lang, &body, &name).into_bytes(),
                    "ipynb".into(),
                ),
                "HTML" => (
                    formats::html_from_source(&lang, &body, &name).into_bytes(),
                    "html".into(),
                ),
                "R_MARKDOWN" if lang == "R" => (body.into_bytes(), "Rmd".into()),
                other => {
                    return Err(ApiError::invalid(format!(
                        "Export format {other} is not supported for this notebook by the emulator; use SOURCE, AUTO, JUPYTER or HTML."
                    )));
                }
            }
        }
        "FILE" => match format.as_str() {
            "SOURCE" | "AUTO" | "RAW" => {
                let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
                (decoded(&obj), ext.to_string())
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "Export format {other} is not supported for files; use SOURCE, AUTO or RAW."
                )));
            }
        },
        "DIRECTORY" | "REPO" => {
            return Err(ApiError::invalid(format!(
                "Folder export (as a DBC or zip archive) is not supported by this emulator: export the objects under {path} one by one."
            )));
        }
        other => {
            return Err(ApiError::invalid(format!(
                "Objects of type {other} cannot be exported."
            )));
        }
    };
    if bytes.len() > MAX_SIZE {
        return Err(too_big(bytes.len()));
    }
    if direct {
        return Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response());
    }
    Ok(Json(json!({"content": B64.encode(&bytes), "file_type": file_type})).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PathBody {
    path: String,
    recursive: bool,
}

pub(crate) async fn mkdirs_handler(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<PathBody>,
) -> ApiResult<Json<Value>> {
    if b.path.is_empty() {
        return Err(ApiError::invalid("Missing required field: path"));
    }
    let path = normalise(&b.path)?;
    let mut st = emu.lock();
    for (_, id) in mkdirs(&mut st, &path)? {
        st.permissions
            .init_object("directories", &id.to_string(), Some(&caller.user_name));
    }
    Ok(Json(json!({})))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    JsonBody(b): JsonBody<PathBody>,
) -> ApiResult<Json<Value>> {
    if b.path.is_empty() {
        return Err(ApiError::invalid("Missing required field: path"));
    }
    let path = normalise(&b.path)?;
    let mut st = emu.lock();
    let obj = st
        .workspace
        .get(&path)
        .cloned()
        .ok_or_else(|| no_such_path(&path))?;
    if path == "/" || path == "/Users" || path == "/Shared" || path == "/Repos" {
        return Err(ApiError::permission_denied(format!(
            "{path} cannot be deleted."
        )));
    }
    let below = st.workspace.descendants(&path);
    if obj.is_dir() && !below.is_empty() && !b.recursive {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "DIRECTORY_NOT_EMPTY",
            format!("Folder ({path}) is not empty. Use recursive to delete it and its contents."),
        ));
    }
    for p in below.into_iter().chain(std::iter::once(path)) {
        if let Some(o) = st.workspace.objects.remove(&p) {
            if let Some(rid) = st.workspace.resource_ids.remove(&o.object_id.to_string()) {
                placed::on_tree_delete(&mut st, &o.object_type, &rid);
                continue;
            }
            let t = match o.object_type.as_str() {
                "NOTEBOOK" => "notebooks",
                "DIRECTORY" => "directories",
                _ => "files",
            };
            st.permissions.remove_object(t, &o.object_id.to_string());
        }
    }
    Ok(Json(json!({})))
}
