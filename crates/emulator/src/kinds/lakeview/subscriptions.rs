//! A schedule's subscriptions (`…/schedules/{sid}/subscriptions`: create, list, get, delete —
//! no update), at most 100 per schedule (documented). A subscriber is a workspace user
//! (`user_subscriber.user_id`, the numeric SCIM id) or a notification destination
//! (`destination_subscriber.destination_id`); both must exist.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::handlers::check_etag;
use super::schedules::{Schedule, schedule};
use super::{Dashboard, etag, hex_id};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::sql::now_text;
use crate::state::{AppState, Caller, State as Ws, caller_of};
use crate::store::Keyed;

/// Most subscriptions per schedule (documented).
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// One subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// 32 lower-hex characters.
    pub subscription_id: String,
    /// `{user_subscriber: {user_id}}` or `{destination_subscriber: {destination_id}}`.
    pub subscriber: Value,
    /// Whether the subscriber is skipped when the schedule fires.
    #[serde(default)]
    pub skip_notify: bool,
    /// The creator's SCIM id.
    pub created_by_user_id: i64,
    /// Fixed (subscriptions are not updated).
    pub etag: String,
    /// RFC 3339.
    pub create_time: String,
    /// Creation order.
    pub seq: u64,
}

fn no_such_subscription(id: &str) -> ApiError {
    // [UNVERIFIED] wording.
    ApiError::not_found(format!("Unable to find subscription [{id}]"))
}

/// The Subscription object.
pub fn subscription_view(d: &Dashboard, s: &Schedule, sub: &Subscription) -> Value {
    json!({"subscription_id": sub.subscription_id, "schedule_id": s.schedule_id,
           "dashboard_id": d.dashboard_id, "subscriber": sub.subscriber,
           "skip_notify": sub.skip_notify, "created_by_user_id": sub.created_by_user_id,
           "etag": sub.etag, "create_time": sub.create_time, "update_time": sub.create_time})
}

/// Checks a subscriber: exactly one kind, naming an existing user or destination.
fn check_subscriber(st: &Ws, sub: &Value) -> ApiResult<()> {
    let user = sub.get("user_subscriber").filter(|v| !v.is_null());
    let dest = sub.get("destination_subscriber").filter(|v| !v.is_null());
    match (user, dest) {
        (Some(u), None) => {
            let id = u.get("user_id").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            match id {
                Some(id) if st.scim.users.contains_key(&id) => Ok(()),
                // [UNVERIFIED] wording.
                _ => Err(ApiError::invalid(format!(
                    "No workspace user has the id in {u}."
                ))),
            }
        }
        (None, Some(d)) => {
            let id = d
                .get("destination_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if st.destinations.contains(id) {
                Ok(())
            } else {
                Err(ApiError::invalid(format!(
                    "Notification destination {id} does not exist."
                )))
            }
        }
        _ => Err(ApiError::invalid(
            "subscriber must set exactly one of user_subscriber and destination_subscriber.",
        )),
    }
}

/// Stores a new subscription (handler and seeds); returns its id.
pub fn add_subscription(
    st: &mut Ws,
    did: &str,
    sid: &str,
    body: &Map<String, Value>,
    creator: &str,
) -> ApiResult<String> {
    let sub = body
        .get("subscriber")
        .filter(|s| s.is_object())
        .cloned()
        .ok_or_else(|| ApiError::invalid("Missing required field: subscriber"))?;
    check_subscriber(st, &sub)?;
    if schedule(st, did, sid)?.1.subscriptions.len() >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::invalid(format!(
            "A schedule can have at most {MAX_SUBSCRIPTIONS} subscriptions."
        )));
    }
    let created_by = st
        .scim
        .user_by_name(creator)
        .and_then(|u| u.id.parse::<i64>().ok())
        .unwrap_or(0);
    let id = hex_id(&mut st.ids);
    let etag = etag(&mut st.ids);
    let d = st.lakeview.get_mut_or_404(did)?;
    let s = d
        .schedules
        .get_mut(sid)
        .ok_or_else(|| super::schedules::no_such_schedule(sid))?;
    let seq = s
        .subscriptions
        .values()
        .map(|x| x.seq + 1)
        .max()
        .unwrap_or(0);
    s.subscriptions.insert(
        id.clone(),
        Subscription {
            subscription_id: id.clone(),
            subscriber: sub,
            skip_notify: body.get("skip_notify").and_then(Value::as_bool) == Some(true),
            created_by_user_id: created_by,
            etag,
            create_time: now_text(),
            seq,
        },
    );
    Ok(id)
}

pub(crate) async fn create_subscription(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path((did, sid)): Path<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller).user_name;
    let mut st = emu.lock();
    let id = add_subscription(&mut st, &did, &sid, &body, &caller)?;
    let (d, s) = schedule(&st, &did, &sid)?;
    let out = subscription_view(d, s, &s.subscriptions[&id]);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn list_subscriptions(
    State(emu): State<AppState>,
    Path((did, sid)): Path<(String, String)>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let (d, s) = schedule(&st, &did, &sid)?;
    let mut all: Vec<&Subscription> = s.subscriptions.values().collect();
    all.sort_by_key(|x| x.seq);
    let (items, next) = crate::kinds::sql::page(&all, &q, "sub-", 100, 100)?;
    let mut out = Map::new();
    let items: Vec<Value> = items.iter().map(|x| subscription_view(d, s, x)).collect();
    out.insert("subscriptions".into(), Value::Array(items));
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn get_subscription(
    State(emu): State<AppState>,
    Path((did, sid, subid)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let (d, s) = schedule(&st, &did, &sid)?;
    let sub = s
        .subscriptions
        .get(&subid)
        .ok_or_else(|| no_such_subscription(&subid))?;
    Ok(Json(subscription_view(d, s, sub)))
}

pub(crate) async fn delete_subscription(
    State(emu): State<AppState>,
    Path((did, sid, subid)): Path<(String, String, String)>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let (_, s) = schedule(&st, &did, &sid)?;
    let sub = s
        .subscriptions
        .get(&subid)
        .ok_or_else(|| no_such_subscription(&subid))?;
    check_etag(q.get("etag"), &sub.etag, "subscription")?;
    let d = st.lakeview.get_mut_or_404(&did)?;
    if let Some(s) = d.schedules.get_mut(&sid) {
        s.subscriptions.remove(&subid);
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
