"""Databricks SQL objects through the official SDK: queries (create, get, list across pages,
update by mask, trash), their visualizations, alerts (current API and v2), the legacy lists and
data sources, the generic permissions API on queries and alerts, and the not-found answers."""

import json

import pytest
from databricks.sdk.errors import BadRequest, NotFound, ResourceAlreadyExists
from databricks.sdk.service import iam, sql

from helpers import unique


@pytest.fixture(scope="module")
def warehouse_id(w):
    wh = w.warehouses.create(name=unique("sql-wh"), cluster_size="2X-Small", max_num_clusters=1)
    return wh.response.id


@pytest.fixture(scope="module")
def folder(w):
    path = f"/Shared/{unique('sql')}"
    w.workspace.mkdirs(path)
    return path


def make_query(w, folder, warehouse_id, name=None, **kw):
    return w.queries.create(
        query=sql.CreateQueryRequestQuery(
            display_name=name or unique("q"),
            query_text="SELECT :p AS c",
            warehouse_id=warehouse_id,
            parent_path=folder,
            catalog="main",
            schema="default",
            parameters=[
                sql.QueryParameter(name="p", title="P", text_value=sql.TextValue(value="x"))
            ],
            **kw,
        )
    )


def test_query_crud_update_mask_and_trash(w, folder, warehouse_id):
    q = make_query(w, folder, warehouse_id, name=unique("Revenue"), run_as_mode=sql.RunAsMode.VIEWER)
    assert q.id and q.lifecycle_state == sql.LifecycleState.ACTIVE
    got = w.queries.get(q.id)
    assert got.query_text == "SELECT :p AS c"
    assert got.parameters[0].text_value.value == "x"
    assert got.run_as_mode == sql.RunAsMode.VIEWER
    # The platform may answer parent_path with the /Workspace prefix: compare without it.
    assert got.parent_path.removeprefix("/Workspace") == folder
    assert got.owner_user_name == "admin@example.com"

    status = w.workspace.get_status(f"{folder}/{got.display_name}")
    assert status.resource_id == q.id

    new_name = unique("Income")
    upd = w.queries.update(
        q.id,
        "display_name,description",
        query=sql.UpdateQueryRequestQuery(display_name=new_name, description="d", query_text="x"),
    )
    assert upd.display_name == new_name and upd.description == "d"
    assert upd.query_text == "SELECT :p AS c", "fields outside the mask stay"

    with pytest.raises(ResourceAlreadyExists):
        make_query(w, folder, warehouse_id, name=new_name)
    twin = w.queries.create(
        auto_resolve_display_name=True,
        query=sql.CreateQueryRequestQuery(display_name=new_name, parent_path=folder),
    )
    assert twin.display_name != new_name and twin.display_name.startswith(new_name)

    w.queries.delete(q.id)
    assert w.queries.get(q.id).lifecycle_state == sql.LifecycleState.TRASHED
    assert q.id not in {x.id for x in w.queries.list()}
    with pytest.raises(NotFound):
        w.queries.get("00000000-0000-4000-8000-000000000000")


def test_query_list_pages(w, folder, warehouse_id):
    made = {make_query(w, folder, warehouse_id).id for _ in range(5)}
    seen = [q.id for q in w.queries.list(page_size=2)]
    assert made <= set(seen)
    assert len(seen) == len(set(seen)), "no query twice across pages"
    with pytest.raises(BadRequest):
        next(iter(w.queries.list(page_token="not-a-token")))


def test_visualizations(w, folder, warehouse_id):
    q = make_query(w, folder, warehouse_id)
    v = w.query_visualizations.create(
        visualization=sql.CreateVisualizationRequestVisualization(
            query_id=q.id,
            type="CHART",
            display_name="Bars",
            serialized_options=json.dumps({"version": 2, "globalSeriesType": "column"}),
        )
    )
    assert v.id and v.query_id == q.id
    v2 = w.query_visualizations.update(
        v.id,
        "display_name",
        visualization=sql.UpdateVisualizationRequestVisualization(display_name="Pie"),
    )
    assert v2.display_name == "Pie" and v2.type == "CHART"
    listed = list(w.queries.list_visualizations(q.id))
    assert [x.id for x in listed] == [v.id]
    assert json.loads(listed[0].serialized_options)["globalSeriesType"] == "column"
    w.query_visualizations.delete(v.id)
    assert list(w.queries.list_visualizations(q.id)) == []
    with pytest.raises(NotFound):
        w.query_visualizations.delete(v.id)


def _condition():
    return sql.AlertCondition(
        op=sql.AlertOperator.GREATER_THAN,
        operand=sql.AlertConditionOperand(column=sql.AlertOperandColumn(name="c")),
        threshold=sql.AlertConditionThreshold(value=sql.AlertOperandValue(double_value=10)),
    )


def test_alerts(w, folder, warehouse_id):
    q = make_query(w, folder, warehouse_id)
    a = w.alerts.create(
        alert=sql.CreateAlertRequestAlert(
            display_name=unique("High"),
            query_id=q.id,
            condition=_condition(),
            parent_path=folder,
            seconds_to_retrigger=60,
        )
    )
    assert a.state == sql.AlertState.UNKNOWN
    got = w.alerts.get(a.id)
    assert got.query_id == q.id and got.condition.op == sql.AlertOperator.GREATER_THAN
    assert got.condition.threshold.value.double_value == 10
    upd = w.alerts.update(
        a.id, "custom_subject", alert=sql.UpdateAlertRequestAlert(custom_subject="Too high")
    )
    assert upd.custom_subject == "Too high" and upd.seconds_to_retrigger == 60
    assert a.id in {x.id for x in w.alerts.list()}
    with pytest.raises(NotFound):
        w.alerts.create(
            alert=sql.CreateAlertRequestAlert(
                display_name="x", query_id="00000000-0000-4000-8000-000000000000",
                condition=_condition(),
            )
        )
    w.alerts.delete(a.id)
    assert w.alerts.get(a.id).lifecycle_state == sql.LifecycleState.TRASHED
    assert a.id not in {x.id for x in w.alerts.list()}


def test_alerts_v2(w, folder, warehouse_id):
    alert = sql.AlertV2(
        display_name=unique("Late"),
        query_text="SELECT count(*) AS c FROM t",
        warehouse_id=warehouse_id,
        parent_path=folder,
        schedule=sql.CronSchedule(quartz_cron_schedule="0 0 * * * ?", timezone_id="UTC"),
        evaluation=sql.AlertV2Evaluation(
            source=sql.AlertV2OperandColumn(name="c"),
            comparison_operator=sql.ComparisonOperator.GREATER_THAN,
            threshold=sql.AlertV2Operand(value=sql.AlertV2OperandValue(double_value=5)),
        ),
    )
    a = w.alerts_v2.create_alert(alert)
    assert a.id and a.schedule.pause_status == sql.SchedulePauseStatus.UNPAUSED
    assert a.effective_run_as.user_name == "admin@example.com"
    paused = sql.AlertV2(
        display_name=a.display_name, query_text=a.query_text, warehouse_id=warehouse_id,
        evaluation=a.evaluation,
        schedule=sql.CronSchedule(
            quartz_cron_schedule="0 0 * * * ?", timezone_id="UTC",
            pause_status=sql.SchedulePauseStatus.PAUSED,
        ),
    )
    upd = w.alerts_v2.update_alert(a.id, paused, "schedule.pause_status")
    assert upd.schedule.pause_status == sql.SchedulePauseStatus.PAUSED
    assert a.id in {x.id for x in w.alerts_v2.list_alerts()}
    w.alerts_v2.trash_alert(a.id)
    with pytest.raises(NotFound):
        w.alerts_v2.get_alert(a.id)


def test_legacy_lists_and_data_sources(w, folder, warehouse_id):
    q = make_query(w, folder, warehouse_id)
    legacy = {x.id: x for x in w.queries_legacy.list(page_size=2)}
    assert q.id in legacy, "legacy queries are the same objects"
    assert legacy[q.id].query == "SELECT :p AS c"
    sources = {d.warehouse_id: d for d in w.data_sources.list()}
    assert legacy[q.id].data_source_id == sources[warehouse_id].id
    assert list(w.dashboards.list()) == [] or all(d.id for d in w.dashboards.list())


def test_permissions_on_queries_and_alerts(w, folder, warehouse_id):
    q = make_query(w, folder, warehouse_id)
    perms = w.permissions.get("queries", q.id)
    assert perms.object_type == "query"
    mine = [a for a in perms.access_control_list if a.user_name == "admin@example.com"]
    assert mine and mine[0].all_permissions[0].permission_level == iam.PermissionLevel.CAN_MANAGE
    w.permissions.update(
        "queries",
        q.id,
        access_control_list=[
            iam.AccessControlRequest(group_name="users", permission_level=iam.PermissionLevel.CAN_RUN)
        ],
    )
    levels = {
        a.group_name: a.all_permissions[0].permission_level
        for a in w.permissions.get("queries", q.id).access_control_list
        if a.group_name
    }
    assert levels["users"] == iam.PermissionLevel.CAN_RUN
    names = {x.permission_level for x in w.permissions.get_permission_levels("queries", q.id).permission_levels}
    assert iam.PermissionLevel.CAN_READ in names and iam.PermissionLevel.IS_OWNER not in names
    with pytest.raises(NotFound):
        w.permissions.get("queries", "00000000-0000-4000-8000-000000000000")
