//! Endpoints outside the workspace REST API: OAuth M2M (`/oidc/v1/token` and its discovery
//! document), host metadata (`/.well-known/databricks-config`), and the emulator's own
//! `/_emulator/stats`, `/_emulator/snapshot` and `/_emulator/knobs` (read or change the runtime
//! knobs of a running emulator: rate-limit scale and switch, Retry-After, faults, the
//! permissions feature switch), `/_emulator/fault-rules` (read or replace the fault rules
//! per route of [`crate::fault_rules`]) and `/_emulator/account-groups` (the account
//! console's part, in [`crate::account`]).

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::OAUTH_TOKEN_LIFETIME;
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::fault_rules::FaultRule;
use crate::faults::FaultSpec;
use crate::persist;
use crate::state::{AppState, Knobs};

/// The workspace id this emulator reports.
pub const WORKSPACE_ID: &str = "1234567890123456";
/// The account id this emulator reports.
pub const ACCOUNT_ID: &str = "00000000-0000-4000-8000-000000000001";

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

pub(crate) async fn host_metadata(headers: HeaderMap) -> Json<Value> {
    let base = base_url(&headers);
    Json(json!({
        "oidc_endpoint": format!("{base}/oidc"),
        "account_id": ACCOUNT_ID,
        "workspace_id": WORKSPACE_ID,
        "cloud": "AWS",
        "host_type": "workspace",
    }))
}

pub(crate) async fn oauth_discovery(headers: HeaderMap) -> Json<Value> {
    let base = base_url(&headers);
    Json(json!({
        "issuer": format!("{base}/oidc"),
        "authorization_endpoint": format!("{base}/oidc/v1/authorize"),
        "token_endpoint": format!("{base}/oidc/v1/token"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
    }))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /oidc/v1/token`: client credentials from HTTP basic auth or the form.
pub(crate) async fn token(
    State(emu): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = QueryMap::parse(&body);
    if form.get("grant_type") != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=client_credentials is supported by this workspace emulator.",
        );
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => (
            form.get("client_id").unwrap_or("").to_string(),
            form.get("client_secret").unwrap_or("").to_string(),
        ),
    };
    let fresh = {
        let mut st = emu.lock();
        format!("eyJemu.{}", st.ids.alnum_lower(40))
    };
    match emu.front.auth.issue(&id, &secret, fresh) {
        Some(access_token) => Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": OAUTH_TOKEN_LIFETIME.as_secs(),
            "scope": form.get("scope").unwrap_or("all-apis"),
        }))
        .into_response(),
        None => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        ),
    }
}

pub(crate) async fn stats(State(emu): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(emu.stats.snapshot()).unwrap_or_else(|_| json!({})))
}

pub(crate) async fn snapshot(State(emu): State<AppState>) -> Json<Value> {
    Json(persist::to_json(&emu.lock()))
}

fn knobs_json(emu: &AppState) -> Value {
    let k = &emu.knobs;
    let f = emu.front.faults.spec();
    json!({
        "rate_limits_enabled": Knobs::get(&k.rate_limits_enabled),
        "rate_limit_scale": k.rate_limit_scale(),
        "retry_after": Knobs::get(&k.retry_after),
        "faults_enabled": Knobs::get(&k.faults_enabled),
        "faults": format!("429={},503={},500limit={},reset={},lost={}", f.p429, f.p503, f.p500limit, f.reset, f.lost),
        "permissions_disabled": Knobs::get(&k.permissions_disabled),
    })
}

pub(crate) async fn get_knobs(State(emu): State<AppState>) -> Json<Value> {
    Json(knobs_json(&emu))
}

/// `POST /_emulator/knobs` with any of the keys `GET` shows; answers the knobs after the change.
pub(crate) async fn get_fault_rules(State(emu): State<AppState>) -> Json<Value> {
    Json(fault_rules_json(&emu))
}

fn fault_rules_json(emu: &AppState) -> Value {
    let rules: Vec<Value> = emu
        .front
        .rules
        .list()
        .into_iter()
        .map(|(rule, matched)| {
            let mut v = json!(rule);
            v["matched"] = json!(matched);
            v
        })
        .collect();
    json!({ "rules": rules })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesBody {
    rules: Vec<FaultRule>,
}

/// Replaces every fault rule (`{"rules": []}` removes them all).
pub(crate) async fn set_fault_rules(
    State(emu): State<AppState>,
    JsonBody(b): JsonBody<RulesBody>,
) -> ApiResult<Json<Value>> {
    if let Some(problem) = b.rules.iter().find_map(FaultRule::problem) {
        return Err(ApiError::invalid(problem));
    }
    emu.front.rules.set(b.rules);
    Ok(Json(fault_rules_json(&emu)))
}

pub(crate) async fn set_knobs(
    State(emu): State<AppState>,
    JsonBody(b): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let flag = |key: &str| -> ApiResult<Option<bool>> {
        match b.get(key) {
            None => Ok(None),
            Some(Value::Bool(v)) => Ok(Some(*v)),
            Some(_) => Err(ApiError::invalid(format!("{key} must be true or false"))),
        }
    };
    let faults = match b.get("faults") {
        None => None,
        Some(Value::String(spec)) => {
            Some(FaultSpec::parse(spec).map_err(|e| ApiError::invalid(e.to_string()))?)
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "faults must be a string like \"503=0.1\"",
            ));
        }
    };
    let scale = match b.get("rate_limit_scale") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| ApiError::invalid("rate_limit_scale must be a number > 0"))?,
        ),
    };
    let k = &emu.knobs;
    for (key, atom) in [
        ("rate_limits_enabled", &k.rate_limits_enabled),
        ("retry_after", &k.retry_after),
        ("faults_enabled", &k.faults_enabled),
        ("permissions_disabled", &k.permissions_disabled),
    ] {
        if let Some(v) = flag(key)? {
            atom.store(v, Ordering::Relaxed);
        }
    }
    if let Some(s) = scale {
        k.set_rate_limit_scale(s);
    }
    if let Some(f) = faults {
        emu.front.faults.set_spec(f);
    }
    Ok(Json(knobs_json(&emu)))
}
