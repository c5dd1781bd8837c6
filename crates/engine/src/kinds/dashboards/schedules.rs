//! A dashboard's parts besides its draft, read and written: the published copy and the
//! schedules with their subscriptions. Reading gives a [`Read`]; writing makes the target's
//! schedules those of the spec — matched whole first, then by name (display name, else cron
//! expression); what matches nothing in the target is created, what matches nothing in the
//! spec is deleted (first, so the ten-a-dashboard limit is never crossed on the way). A
//! subscription has no update: one that differs is deleted and created again.

use brickport_api::types::lakeview::{Dashboard, Schedule, Subscription};
use brickport_api::{ApiResultExt, WorkspaceClient};
use futures::TryStreamExt;
use serde_json::{Map, Value};

use super::NAME;
use super::spec::Read;
use crate::EngineError;
use crate::kinds::from_json;

/// Reads the published copy and the schedules (with their subscriptions) of `draft` in `ws`.
pub async fn read_rest(ws: &WorkspaceClient, draft: Dashboard) -> Result<Read, EngineError> {
    let id = draft.dashboard_id.clone().unwrap_or_default();
    let lakeview = ws.lakeview();
    let published = lakeview.get_published(&id).await.found()?;
    let listed: Vec<Schedule> = lakeview.schedules(&id).try_collect().await?;
    let mut schedules = Vec::new();
    for s in listed {
        let subs = match &s.schedule_id {
            Some(sid) => lakeview.subscriptions(&id, sid).try_collect().await?,
            None => Vec::new(),
        };
        schedules.push((s, subs));
    }
    Ok(Read {
        draft,
        published,
        schedules,
    })
}

/// A schedule of the spec without its subscriptions, and those.
fn split(s: &Value) -> (Value, Vec<Value>) {
    let mut m = s.as_object().cloned().unwrap_or_default();
    let subs = match m.remove("subscriptions") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    (Value::Object(m), subs)
}

fn id_of(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What a schedule goes by when it is not matched whole.
fn label(s: &Value) -> Option<&str> {
    s.get("display_name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| s.pointer("/cron_schedule/quartz_cron_expression")?.as_str())
}

/// For each wanted item, the index of the item it is matched with in `have` (whole first,
/// then by `by`), if any.
fn pair(want: &[Value], have: &[Value], by: fn(&Value, &Value) -> bool) -> Vec<Option<usize>> {
    let mut used = vec![false; have.len()];
    let mut out = vec![None; want.len()];
    let whole = |w: &Value, h: &Value| crate::json::subset_diff(w, h).is_empty();
    let tests: [fn(&Value, &Value) -> bool; 2] = [whole, by];
    for test in tests {
        for (i, w) in want.iter().enumerate() {
            if out[i].is_some() {
                continue;
            }
            if let Some(j) = (0..have.len()).find(|&j| !used[j] && test(w, &have[j])) {
                used[j] = true;
                out[i] = Some(j);
            }
        }
    }
    out
}

/// Creates the spec's schedule `s` (and its subscriptions) on dashboard `id`.
async fn create_one(ws: &WorkspaceClient, id: &str, s: &Value) -> Result<(), EngineError> {
    let (fields, subs) = split(s);
    let body: Schedule = from_json(NAME, id, &fields)?;
    let created = ws.lakeview().create_schedule(id, &body).await?;
    let sid = created.schedule_id.unwrap_or_default();
    sync_subscriptions(ws, id, &sid, &subs, &[]).await
}

/// Creates every schedule of the spec on the new dashboard `id`.
pub async fn create_all(ws: &WorkspaceClient, id: &str, want: &[Value]) -> Result<(), EngineError> {
    for s in want {
        create_one(ws, id, s).await?;
    }
    Ok(())
}

/// Makes schedule `sid`'s subscriptions those of `want` (`have`: as read, with their ids).
async fn sync_subscriptions(
    ws: &WorkspaceClient,
    id: &str,
    sid: &str,
    want: &[Value],
    have: &[Value],
) -> Result<(), EngineError> {
    let pairs = pair(want, have, |_, _| false);
    let lakeview = ws.lakeview();
    for (j, h) in have.iter().enumerate() {
        if !pairs.contains(&Some(j)) {
            let sub = id_of(h, "subscription_id");
            lakeview.delete_subscription(id, sid, &sub).await?;
        }
    }
    for (w, _) in want.iter().zip(&pairs).filter(|(_, p)| p.is_none()) {
        let body: Subscription = from_json(NAME, id, w)?;
        lakeview.create_subscription(id, sid, &body).await?;
    }
    Ok(())
}

/// Makes the target dashboard `id`'s schedules those of `want` (`have`: as read, with their
/// ids and etags).
pub async fn sync(
    ws: &WorkspaceClient,
    id: &str,
    want: &[Value],
    have: &[Value],
) -> Result<(), EngineError> {
    let by_label = |w: &Value, h: &Value| label(w).is_some() && label(w) == label(h);
    let pairs = pair(want, have, by_label);
    for (j, h) in have.iter().enumerate() {
        if !pairs.contains(&Some(j)) {
            let sid = id_of(h, "schedule_id");
            ws.lakeview().delete_schedule(id, &sid).await?;
        }
    }
    for (w, p) in want.iter().zip(pairs) {
        let Some(j) = p else {
            create_one(ws, id, w).await?;
            continue;
        };
        let (fields, subs) = split(w);
        let (held, held_subs) = split(&have[j]);
        let sid = id_of(&held, "schedule_id");
        if !crate::json::subset_diff(&fields, &held).is_empty() {
            let mut m: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
            // A schedule is replaced with the etag it was read with.
            if let Some(etag) = held.get("etag") {
                m.insert("etag".into(), etag.clone());
            }
            let body: Schedule = from_json(NAME, id, &Value::Object(m))?;
            ws.lakeview().update_schedule(id, &sid, &body).await?;
        }
        sync_subscriptions(ws, id, &sid, &subs, &held_subs).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schedules_pair_whole_first_then_by_name() {
        let want = [
            json!({"display_name": "daily", "pause_status": "PAUSED"}),
            json!({"display_name": "weekly", "pause_status": "PAUSED"}),
            json!({"display_name": "new", "pause_status": "PAUSED"}),
        ];
        let have = [
            json!({"schedule_id": "1", "display_name": "weekly", "pause_status": "UNPAUSED"}),
            json!({"schedule_id": "2", "display_name": "daily", "pause_status": "PAUSED"}),
            json!({"schedule_id": "3", "display_name": "old", "pause_status": "PAUSED"}),
        ];
        let by_label = |w: &Value, h: &Value| label(w).is_some() && label(w) == label(h);
        assert_eq!(pair(&want, &have, by_label), [Some(1), Some(0), None]);
        assert_eq!(pair(&want, &have, |_, _| false), [Some(1), None, None]);
        let (fields, subs) = split(&json!({"display_name": "d", "subscriptions": [{"a": 1}]}));
        assert_eq!((fields, subs.len()), (json!({"display_name": "d"}), 1));
    }
}
