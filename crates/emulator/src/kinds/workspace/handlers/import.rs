//! Workspace import: a JSON body (content base64) or the SDKs' multipart upload (raw bytes);
//! formats SOURCE, AUTO, RAW, JUPYTER, HTML; the 10 MB limit; parents must exist; overwrite
//! keeps the object id.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::formats::{self, LANGUAGES};
use super::super::{MAX_SIZE, Object, normalise, parent};
use super::too_big;
use crate::body::{multipart_boundary, parse_json, parse_multipart};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, State as Ws, now_ms};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ImportBody {
    path: String,
    content: Option<String>,
    format: Option<String>,
    language: Option<String>,
    overwrite: bool,
}

/// What an import becomes: the path, type, language and stored content.
struct Planned {
    path: String,
    object_type: &'static str,
    language: Option<String>,
    content: Vec<u8>,
}

fn plan(b: &ImportBody, path: String, bytes: Vec<u8>) -> ApiResult<Planned> {
    let format = b.format.as_deref().unwrap_or("SOURCE").to_ascii_uppercase();
    let language = match b.language.as_deref().map(str::to_ascii_uppercase) {
        Some(l) if LANGUAGES.contains(&l.as_str()) => Some(l),
        Some(l) => {
            return Err(ApiError::invalid(format!(
                "Unknown language {l}; use PYTHON, SCALA, SQL or R."
            )));
        }
        None => None,
    };
    let (stem, ext) = match path.rsplit_once('.') {
        Some((s, e)) if !e.contains('/') && !s.ends_with('/') => {
            (s.to_string(), Some(e.to_string()))
        }
        _ => (path.clone(), None),
    };
    let notebook = |lang: String, body: &[u8]| -> Planned {
        let text = String::from_utf8_lossy(body);
        Planned {
            path: path.clone(),
            object_type: "NOTEBOOK",
            language: Some(lang),
            content: formats::strip_header(&text).as_bytes().to_vec(),
        }
    };
    match format.as_str() {
        "SOURCE" => {
            // match cloud behaviour: a single SOURCE notebook needs its language.
            let lang = language.ok_or_else(|| {
                ApiError::invalid(
                    "The language field is required when importing a SOURCE notebook.",
                )
            })?;
            Ok(notebook(lang, &bytes))
        }
        "HTML" => Ok(notebook(
            language.unwrap_or_else(|| "PYTHON".into()),
            &bytes,
        )),
        "JUPYTER" => {
            let (body, lang) = formats::source_from_jupyter(&bytes)?;
            let lang = language
                .or(lang.map(str::to_string))
                .unwrap_or_else(|| "PYTHON".into());
            let mut p = notebook(lang, body.as_bytes());
            if ext
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
            {
                p.path = stem;
            }
            Ok(p)
        }
        "RAW" => Ok(Planned {
            path,
            object_type: "FILE",
            language: None,
            content: bytes,
        }),
        "AUTO" => {
            // match cloud behaviour: AUTO makes a notebook of a file with a notebook header
            // (or an .ipynb), stripping the extension; anything else stays a file.
            if ext
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
            {
                let (body, lang) = formats::source_from_jupyter(&bytes)?;
                let lang = lang.map(str::to_string).unwrap_or_else(|| "PYTHON".into());
                let mut p = notebook(lang, body.as_bytes());
                p.path = stem;
                return Ok(p);
            }
            match formats::detect_header(&bytes, ext.as_deref()) {
                Some(lang) => {
                    let mut p = notebook(lang.to_string(), &bytes);
                    if ext.as_deref().and_then(formats::lang_from_ext).is_some() {
                        p.path = stem;
                    }
                    Ok(p)
                }
                None => Ok(Planned {
                    path,
                    object_type: "FILE",
                    language: None,
                    content: bytes,
                }),
            }
        }
        "DBC" => Err(ApiError::invalid(
            "DBC archive import is not supported by this emulator; import SOURCE notebooks one by one.",
        )),
        other => Err(ApiError::invalid(format!(
            "Unknown import format {other}; use SOURCE, AUTO, RAW, JUPYTER, HTML or DBC."
        ))),
    }
}

/// The import request from a JSON body (content base64) or, as the SDKs' `upload` sends it, a
/// `multipart/form-data` body (content as raw bytes).
fn import_request(headers: &HeaderMap, body: &[u8]) -> ApiResult<(ImportBody, Vec<u8>)> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(boundary) = multipart_boundary(ct) {
        let mut b = ImportBody::default();
        let mut content = Vec::new();
        for part in parse_multipart(body, &boundary)? {
            let text = || String::from_utf8_lossy(&part.data).trim().to_string();
            match part.name.as_str() {
                "path" => b.path = text(),
                "format" => b.format = Some(text()),
                "language" => b.language = Some(text()),
                "overwrite" => b.overwrite = text().eq_ignore_ascii_case("true"),
                "content" => content = part.data.clone(),
                _ => {}
            }
        }
        return Ok((b, content));
    }
    let b: ImportBody = parse_json(body)?;
    let raw = b.content.as_deref().unwrap_or("");
    // Cheap size check before decoding: base64 is 4/3 of the bytes.
    if raw.len() / 4 * 3 > MAX_SIZE + 3 {
        return Err(too_big(raw.len() / 4 * 3));
    }
    let bytes = decode_wrapped(raw)?;
    Ok((b, bytes))
}

/// Decodes base64 that may be wrapped in line breaks.
fn decode_wrapped(raw: &str) -> ApiResult<Vec<u8>> {
    // match cloud behaviour: content wrapped every 76 characters (MIME style, as Python's
    // `base64.encodebytes` writes it) is accepted — databrickslabs/migrate imports notebooks
    // that way. [UNVERIFIED] that other whitespace inside the content is skipped too.
    let bad = |_| ApiError::malformed("The content is not valid base64.");
    let raw = raw.trim();
    if !raw.contains(|c: char| c.is_ascii_whitespace()) {
        return B64.decode(raw).map_err(bad);
    }
    let joined: String = raw.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(joined).map_err(bad)
}

pub(crate) async fn import(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    // A body over the server's limit is far over 10 MB: the same error as any large import.
    let body = body.map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "MAX_NOTEBOOK_SIZE_EXCEEDED",
            format!("The request body is far over the import limit of {MAX_SIZE} bytes (10 MB)."),
        )
    })?;
    let (b, bytes) = import_request(&headers, &body)?;
    if b.path.is_empty() {
        return Err(ApiError::invalid("Missing required field: path"));
    }
    let path = normalise(&b.path)?;
    // match cloud behaviour: more than 10 MB is MAX_NOTEBOOK_SIZE_EXCEEDED.
    if bytes.len() > MAX_SIZE {
        return Err(too_big(bytes.len()));
    }
    let p = plan(&b, path, bytes)?;
    let mut st = emu.lock();
    store(&mut st, p, b.overwrite, &caller.user_name)?;
    Ok(Json(json!({})))
}

fn store(st: &mut Ws, p: Planned, overwrite: bool, creator: &str) -> ApiResult<()> {
    let par =
        parent(&p.path).ok_or_else(|| ApiError::invalid("Cannot import onto the root folder."))?;
    match st.workspace.get(par) {
        // match cloud behaviour: import does not create parents.
        None => {
            return Err(ApiError::not_found(format!(
                "The parent folder ({par}) does not exist."
            )));
        }
        Some(o) if !o.is_dir() => {
            return Err(ApiError::invalid(format!(
                "The parent ({par}) is not a folder."
            )));
        }
        Some(_) => {}
    }
    let now = now_ms();
    let name = p.path.rsplit('/').next().unwrap_or("").to_string();
    let existing = st.workspace.get(&p.path).cloned();
    let (object_id, created_at) = match existing {
        // match cloud behaviour [UNVERIFIED]: a query, dashboard… is not overwritten by an import.
        Some(o)
            if o.is_dir() || !overwrite || super::super::placed::is_placed_type(&o.object_type) =>
        {
            return Err(ApiError::already_exists(format!(
                "Node named '{name}' already exists"
            )));
        }
        // Overwrite keeps the object id, so permissions and references stay valid.
        Some(o) => (o.object_id, o.created_at),
        None => {
            let id = st.ids.next_int();
            let t = if p.object_type == "NOTEBOOK" {
                "notebooks"
            } else {
                "files"
            };
            st.permissions
                .init_object(t, &id.to_string(), Some(creator));
            (id, now)
        }
    };
    st.workspace.objects.insert(
        p.path,
        Object {
            object_id,
            object_type: p.object_type.into(),
            language: p.language,
            size: p.content.len(),
            content: Some(B64.encode(&p.content)),
            created_at,
            modified_at: now,
        },
    );
    Ok(())
}
