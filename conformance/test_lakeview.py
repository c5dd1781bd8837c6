"""AI/BI (Lakeview) dashboards through the official SDK: drafts (create, get, list across pages,
update with etag, trash), the service's rewrite of `serialized_dashboard` (compare parsed),
publish / get published / unpublish, schedules (etag on update and delete) and subscriptions to a
user and to a notification destination, permissions, not-found answers."""

import json

import pytest
from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied
from databricks.sdk.service import dashboards, iam, settings

from helpers import unique

DOC = {
    "pages": [{"name": "p1", "displayName": "Sales", "layout": []}],
    "datasets": [{"name": "d1", "displayName": "orders", "queryLines": ["SELECT * FROM orders"]}],
}


@pytest.fixture(scope="module")
def warehouse_id(w):
    wh = w.warehouses.create(name=unique("bi-wh"), cluster_size="2X-Small", max_num_clusters=1)
    return wh.response.id


@pytest.fixture(scope="module")
def folder(w):
    path = f"/Shared/{unique('bi')}"
    w.workspace.mkdirs(path)
    return path


def make(w, folder, warehouse_id, name=None):
    return w.lakeview.create(
        dashboards.Dashboard(
            display_name=name or unique("dash"),
            warehouse_id=warehouse_id,
            serialized_dashboard=json.dumps(DOC, indent=2),
            parent_path=folder,
        )
    )


def test_draft_crud_and_rewrite(w, folder, warehouse_id):
    with pytest.raises(NotFound):
        w.lakeview.create(dashboards.Dashboard(display_name="x", parent_path=f"{folder}/missing"))
    d = make(w, folder, warehouse_id)
    assert len(d.dashboard_id) == 32
    assert d.path == f"{folder}/{d.display_name}.lvdash.json"
    got = w.lakeview.get(d.dashboard_id)
    # The service re-serialises the document: texts differ, content is kept.
    assert got.serialized_dashboard != json.dumps(DOC, indent=2)
    parsed = json.loads(got.serialized_dashboard)
    assert parsed["datasets"] == DOC["datasets"]
    assert parsed["pages"][0]["displayName"] == "Sales"
    assert w.workspace.get_status(got.path).resource_id == d.dashboard_id

    renamed = unique("renamed")
    upd = w.lakeview.update(
        d.dashboard_id, dashboards.Dashboard(display_name=renamed, etag=got.etag)
    )
    assert upd.display_name == renamed and upd.etag != got.etag
    with pytest.raises(DatabricksError) as stale:
        w.lakeview.update(d.dashboard_id, dashboards.Dashboard(display_name="x", etag=got.etag))
    assert stale.value.error_code == "ABORTED"

    w.lakeview.trash(d.dashboard_id)
    assert w.lakeview.get(d.dashboard_id).lifecycle_state == dashboards.LifecycleState.TRASHED
    assert d.dashboard_id not in {x.dashboard_id for x in w.lakeview.list()}
    assert d.dashboard_id in {x.dashboard_id for x in w.lakeview.list(show_trashed=True)}
    with pytest.raises(PermissionDenied):
        w.lakeview.trash(d.dashboard_id)
    with pytest.raises(NotFound):
        w.lakeview.get("0" * 32)


def test_list_pages(w, folder, warehouse_id):
    made = {make(w, folder, warehouse_id).dashboard_id for _ in range(5)}
    seen = [d.dashboard_id for d in w.lakeview.list(page_size=2)]
    assert made <= set(seen) and len(seen) == len(set(seen))
    listed = next(d for d in w.lakeview.list(page_size=2) if d.dashboard_id in made)
    assert listed.serialized_dashboard is None, "lists leave the document out"


def test_publish(w, folder, warehouse_id):
    d = make(w, folder, warehouse_id)
    with pytest.raises(NotFound):
        w.lakeview.get_published(d.dashboard_id)
    p = w.lakeview.publish(d.dashboard_id, embed_credentials=True, warehouse_id=warehouse_id)
    assert p.embed_credentials is True and p.warehouse_id == warehouse_id
    got = w.lakeview.get_published(d.dashboard_id)
    assert got.display_name == d.display_name and got.revision_create_time
    w.lakeview.unpublish(d.dashboard_id)
    with pytest.raises(NotFound):
        w.lakeview.get_published(d.dashboard_id)


def test_schedules_and_subscriptions(w, folder, warehouse_id):
    d = make(w, folder, warehouse_id)
    cron = dashboards.CronSchedule(quartz_cron_expression="0 0 8 * * ?", timezone_id="UTC")
    s = w.lakeview.create_schedule(
        d.dashboard_id, dashboards.Schedule(cron_schedule=cron, display_name="daily")
    )
    assert s.pause_status == dashboards.SchedulePauseStatus.UNPAUSED
    upd = w.lakeview.update_schedule(
        d.dashboard_id,
        s.schedule_id,
        dashboards.Schedule(
            cron_schedule=cron, pause_status=dashboards.SchedulePauseStatus.PAUSED, etag=s.etag
        ),
    )
    assert upd.pause_status == dashboards.SchedulePauseStatus.PAUSED and upd.etag != s.etag
    assert [x.schedule_id for x in w.lakeview.list_schedules(d.dashboard_id)] == [s.schedule_id]

    me = w.current_user.me()
    user_sub = w.lakeview.create_subscription(
        d.dashboard_id,
        s.schedule_id,
        dashboards.Subscription(
            subscriber=dashboards.Subscriber(
                user_subscriber=dashboards.SubscriptionSubscriberUser(user_id=int(me.id))
            )
        ),
    )
    dest = w.notification_destinations.create(
        display_name=unique("dest"),
        config=settings.Config(email=settings.EmailConfig(addresses=["ops@example.com"])),
    )
    dest_sub = w.lakeview.create_subscription(
        d.dashboard_id,
        s.schedule_id,
        dashboards.Subscription(
            subscriber=dashboards.Subscriber(
                destination_subscriber=dashboards.SubscriptionSubscriberDestination(
                    destination_id=dest.id
                )
            )
        ),
    )
    subs = list(w.lakeview.list_subscriptions(d.dashboard_id, s.schedule_id))
    assert {x.subscription_id for x in subs} == {user_sub.subscription_id, dest_sub.subscription_id}
    got = w.lakeview.get_subscription(d.dashboard_id, s.schedule_id, dest_sub.subscription_id)
    assert got.subscriber.destination_subscriber.destination_id == dest.id
    w.lakeview.delete_subscription(
        d.dashboard_id, s.schedule_id, user_sub.subscription_id, etag=user_sub.etag
    )
    w.lakeview.delete_schedule(d.dashboard_id, s.schedule_id, etag=upd.etag)
    with pytest.raises(NotFound):
        w.lakeview.get_schedule(d.dashboard_id, s.schedule_id)


def test_permissions(w, folder, warehouse_id):
    d = make(w, folder, warehouse_id)
    perms = w.permissions.set(
        "dashboards",
        d.dashboard_id,
        access_control_list=[
            iam.AccessControlRequest(group_name="users", permission_level=iam.PermissionLevel.CAN_READ)
        ],
    )
    assert perms.object_type == "dashboard"
    users = [a for a in perms.access_control_list if a.group_name == "users"]
    assert users[0].all_permissions[0].permission_level == iam.PermissionLevel.CAN_READ
    with pytest.raises(DatabricksError):
        w.permissions.update(
            "dashboards",
            d.dashboard_id,
            access_control_list=[
                iam.AccessControlRequest(group_name="users", permission_level=iam.PermissionLevel.IS_OWNER)
            ],
        )
