//! AI/BI (Lakeview) dashboards of a generated workspace, a seed part ([`super`]).
//!
//! `typical` has six ([`SHAPES`]): three published (with and without embedded credentials),
//! three drafts only; schedules as a live workspace has them — UNPAUSED in the source (a
//! migrator must pause them in the target), one PAUSED — with subscriptions to users (by SCIM
//! id) and to notification destinations; folders across the seeded tree, one with a non-ASCII
//! name, one dashboard in a plain user's home; grants to groups and users. Each document has
//! datasets (catalog and schema set) and pages of widgets. `scale:N` repeats the shapes,
//! numbered. Jobs planned after this part refresh them, so their names go to
//! [`Plan::dashboards`].
//!
//! Installed through the dashboards kind's own create, publish, schedule and subscription
//! functions; ids from a fork of the generator (salt [`SALT`]), times on the seed's clock.

use serde_json::{Map, Value, json};

use super::sql_common::{self as c, with_fork};
use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::lakeview::{self, NewDashboard, Published, schedules, subscriptions};
use crate::kinds::permissions::Grant;
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;
use crate::store::Keyed;

/// This part's fork of the id generator.
pub const SALT: u64 = 6;

/// The part: 6 dashboards in `typical`.
pub const PART: Part = Part {
    kind: "AI/BI dashboards",
    typical: 6,
    max: usize::MAX,
    generate,
};

/// (name, folder — `~`: the creator's home —, published with embedded credentials?).
pub const SHAPES: &[(&str, &str, Option<bool>)] = &[
    ("Sales Overview", "/Shared/Reports", Some(true)),
    ("Marketing Funnel", "/Shared/Reports/Marketing", Some(false)),
    ("Finance KPIs", "/Shared/Reports/Finance", Some(true)),
    ("Data Quality", "/Shared/ETL", None),
    ("Tableau de bord ventes", "/Shared/Données partagées", None),
    ("My exploration", "~", None),
];

/// A subscriber, planned: a user by plan index, or a destination by name.
#[derive(Debug, Clone, PartialEq)]
pub enum Subscriber {
    /// A user's SCIM id.
    User(String),
    /// A notification destination's display name.
    Destination(String),
}

/// A planned schedule: its body and subscribers.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSchedule {
    /// The create body (`cron_schedule`, `pause_status`, …).
    pub body: Map<String, Value>,
    /// Subscribers.
    pub subscribers: Vec<Subscriber>,
}

/// A planned dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDashboard {
    /// Name.
    pub name: String,
    /// Folder.
    pub folder: String,
    /// Warehouse.
    pub warehouse_id: String,
    /// The document, as a client sends it.
    pub serialized: String,
    /// Published, with embedded credentials or not.
    pub published: Option<bool>,
    /// Schedules.
    pub schedules: Vec<PlannedSchedule>,
    /// Who creates it.
    pub creator: String,
    /// Direct grants beside the creator's.
    pub grants: Vec<Grant>,
}

/// The planned dashboards, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboards(pub Vec<PlannedDashboard>);

/// A document with two datasets and a page of widgets (pretty-printed, as a client would
/// send it: the service stores it re-serialised).
fn document(name: &str, shape: usize) -> String {
    let table = [
        "orders",
        "funnel_events",
        "ledger",
        "freshness",
        "ventes",
        "trips",
    ][shape];
    let doc = json!({
        "datasets": [
            {"name": "main_ds", "displayName": table, "catalog": "main", "schema": "analytics",
             "queryLines": [format!("SELECT * FROM {table}")]},
            {"name": "totals", "displayName": "totals",
             "queryLines": [format!("SELECT count(*) AS n FROM main.analytics.{table}")]}
        ],
        "pages": [{"name": "overview", "displayName": name, "layout": [
            {"widget": {"name": "counter", "queries": [{"name": "q", "query": {"datasetName": "totals"}}],
                        "spec": {"version": 2, "widgetType": "counter"}},
             "position": {"x": 0, "y": 0, "width": 2, "height": 3}},
            {"widget": {"name": "table", "queries": [{"name": "q", "query": {"datasetName": "main_ds"}}],
                        "spec": {"version": 1, "widgetType": "table"}},
             "position": {"x": 2, "y": 0, "width": 4, "height": 6}}
        ]}]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn cron(expr: &str, tz: &str, paused: bool, wh: &str) -> Map<String, Value> {
    let b = json!({"cron_schedule": {"quartz_cron_expression": expr, "timezone_id": tz},
                   "pause_status": if paused { "PAUSED" } else { "UNPAUSED" },
                   "warehouse_id": wh});
    b.as_object().cloned().unwrap_or_default()
}

fn schedules_of(shape: usize, k: usize, plan: &Plan, wh: &str) -> Vec<PlannedSchedule> {
    let user = |i: usize| Subscriber::User(plan.users[i % plan.users.len()].id.clone());
    let dest = |i: usize| {
        let d = &plan.destinations;
        Subscriber::Destination(d.get(i % d.len().max(1)).cloned().unwrap_or_default())
    };
    let mut daily = cron("0 0 8 * * ?", "Europe/Paris", false, wh);
    daily.insert("display_name".into(), json!("Every morning"));
    match shape {
        0 => vec![PlannedSchedule {
            body: daily,
            subscribers: vec![user(1 + k), dest(0)],
        }],
        1 => vec![
            PlannedSchedule {
                body: cron("0 0 9 ? * MON", "UTC", false, wh),
                subscribers: vec![dest(1), user(2 + k)],
            },
            PlannedSchedule {
                body: cron("0 0 18 ? * FRI", "UTC", true, wh),
                subscribers: Vec::new(),
            },
        ],
        3 => vec![PlannedSchedule {
            body: cron("0 0 * * * ?", "UTC", false, wh),
            subscribers: vec![user(3 + k)],
        }],
        _ => Vec::new(),
    }
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned: Vec<PlannedDashboard> = (0..count)
        .map(|k| {
            let (shape, round) = (k % SHAPES.len(), k / SHAPES.len());
            let (base, dir, published) = SHAPES[shape];
            let creator = if shape == 5 { 7 } else { 0 };
            let name = c::numbered(base, round);
            let wh = c::warehouse(plan, k);
            PlannedDashboard {
                serialized: document(&name, shape),
                folder: c::folder(plan, dir, creator),
                schedules: schedules_of(shape, k, plan, &wh),
                warehouse_id: wh,
                published,
                creator: c::user(plan, creator),
                grants: vec![
                    c::to_group(
                        c::group(plan, k + 3),
                        if shape < 3 { "CAN_READ" } else { "CAN_RUN" },
                    ),
                    c::to_user(
                        c::user(plan, 8 + k),
                        if shape % 2 == 0 {
                            "CAN_EDIT"
                        } else {
                            "CAN_MANAGE"
                        },
                    ),
                ],
                name,
            }
        })
        .collect();
    plan.dashboards = planned.iter().map(|d| d.name.clone()).collect();
    Box::new(Dashboards(planned))
}

fn subscribe(
    st: &mut State,
    did: &str,
    sid: &str,
    s: &Subscriber,
    creator: &str,
) -> Result<(), EmulatorError> {
    let body = match s {
        Subscriber::User(id) => {
            json!({"subscriber": {"user_subscriber": {"user_id": id.parse::<i64>().unwrap_or(0)}}})
        }
        Subscriber::Destination(name) => {
            let d = (st.destinations.destinations.values()).find(|d| &d.display_name == name);
            let id = d
                .map(|d| d.id.clone())
                .ok_or_else(|| refused(name, "no destination"))?;
            json!({"subscriber": {"destination_subscriber": {"destination_id": id}}})
        }
    };
    let body = body.as_object().cloned().unwrap_or_default();
    subscriptions::add_subscription(st, did, sid, &body, creator).map_err(|e| refused(did, e))?;
    Ok(())
}

fn install_one(st: &mut State, k: usize, d: PlannedDashboard) -> Result<(), EmulatorError> {
    let new = NewDashboard {
        display_name: &d.name,
        warehouse_id: Some(&d.warehouse_id),
        serialized_dashboard: Some(&d.serialized),
        parent_path: Some(&d.folder),
        catalog: None,
        schema: None,
    };
    let id = lakeview::create(st, new, &d.creator).map_err(|e| refused(&d.name, e))?;
    let mut sids = Vec::new();
    for s in &d.schedules {
        let sid = schedules::add_schedule(st, &id, &s.body).map_err(|e| refused(&d.name, e))?;
        for sub in &s.subscribers {
            subscribe(st, &id, &sid, sub, &d.creator)?;
        }
        sids.push(sid);
    }
    let when = c::text_at(k);
    let x = st
        .lakeview
        .get_mut_or_404(&id)
        .map_err(|e| refused(&d.name, e))?;
    (x.create_time, x.update_time) = (when.clone(), when.clone());
    if let Some(embed) = d.published {
        x.published = Some(Published {
            display_name: d.name.clone(),
            embed_credentials: embed,
            warehouse_id: d.warehouse_id.clone(),
            revision_create_time: when.clone(),
            serialized_dashboard: x.serialized_dashboard.clone(),
        });
    }
    for s in x.schedules.values_mut() {
        (s.create_time, s.update_time) = (when.clone(), when.clone());
        for sub in s.subscriptions.values_mut() {
            sub.create_time = when.clone();
        }
    }
    let path = x.path.clone();
    c::stamp_tree(st, &path, c::at(k));
    c::grant(st, "dashboards", &id, d.grants);
    Ok(())
}

impl Planned for Dashboards {
    fn objects(&self) -> usize {
        self.0.len()
    }

    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        with_fork(st, SALT, |st| {
            (self.0.into_iter().enumerate()).try_for_each(|(k, d)| install_one(st, k, d))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_dashboards_publish_schedule_and_subscribe() {
        let mut st = State::fresh(0);
        build::seed(&mut st, &Counts::TYPICAL).unwrap();
        let all: Vec<&lakeview::Dashboard> = st.lakeview.dashboards.values().collect();
        assert_eq!(all.len(), 6);
        assert_eq!(all.iter().filter(|d| d.published.is_some()).count(), 3);
        let schedules: Vec<&schedules::Schedule> =
            all.iter().flat_map(|d| d.schedules.values()).collect();
        assert_eq!(schedules.len(), 4);
        assert_eq!(
            schedules
                .iter()
                .filter(|s| s.pause_status == "UNPAUSED")
                .count(),
            3
        );
        let subs: Vec<&Value> = (schedules.iter())
            .flat_map(|s| s.subscriptions.values().map(|x| &x.subscriber))
            .collect();
        assert!(subs.iter().any(|s| s.get("user_subscriber").is_some()));
        assert!(
            subs.iter()
                .any(|s| s.get("destination_subscriber").is_some())
        );
        for d in &all {
            let doc: Value =
                serde_json::from_str(d.serialized_dashboard.as_deref().unwrap()).unwrap();
            assert_eq!(doc["pages"][0]["pageType"], "PAGE_TYPE_CANVAS");
            assert_eq!(
                st.workspace.get(&d.path).map(|o| o.object_type.as_str()),
                Some("DASHBOARD")
            );
        }
    }
}
