"""A read of the whole `typical` seed through the official SDK finds exactly the counts of the
seed document: 45 users, 12 groups besides the built-ins, 4 policies besides the defaults,
2 warehouses, 15 secrets, 87 folders, 123 notebooks, 3 Git folders, 8 all-purpose clusters,
28 jobs; and 3 global init scripts, one of them disabled; 6 pipelines (2 continuous, RUNNING),
4 notification destinations (e-mail, Slack, webhook, PagerDuty; secrets write-only) and 3 more
jobs running pipelines and notifying those destinations; 12 SQL queries (14 visualizations), 3
alerts and 1 alert v2, 6 AI/BI dashboards (3 published, 4 schedules of which 3 UNPAUSED), 2 Genie
spaces, 2 legacy dashboards, and 3 more jobs running those SQL objects (34 jobs in all).

How the seed counts (crates/emulator/src/seed/counts.rs): users include `admin@example.com`
(whom the plain `--token` authenticates as); groups are `WorkspaceGroup`s other than `admins`
and `users` (account groups are not counted); folders are `DIRECTORY` objects outside `/Repos`,
user homes included, the built-in `/`, `/Users`, `/Shared`, `/Repos` excluded; clusters are
those with `cluster_source` UI or API (job-run clusters are not counted)."""

import base64

import pytest
from databricks.sdk.service.compute import ClusterSource
from databricks.sdk.service.pipelines import PipelineState
from databricks.sdk.service.settings import DestinationType
from databricks.sdk.service.dashboards import SchedulePauseStatus
from databricks.sdk.service.workspace import ObjectType

from conftest import ADMIN_TOKEN
from helpers import walk

BUILTIN_DIRS = {"/", "/Users", "/Shared", "/Repos"}


@pytest.fixture(scope="module")
def w(start_emulator):
    # only the admin token: its user is the seed's admin@example.com, so no principal is added.
    emu = start_emulator("--seed", "typical", "--rate-limits", "off", tokens=(ADMIN_TOKEN,))
    return emu.client(ADMIN_TOKEN)


def test_users(w):
    users = list(w.users.list(count=10))
    assert len(users) == 45
    assert len({u.user_name for u in users}) == 45


def test_groups(w):
    groups = list(w.groups.list(count=5))
    names = {g.display_name for g in groups}
    assert {"admins", "users"} <= names
    workspace_groups = [
        g
        for g in groups
        if g.display_name not in ("admins", "users") and g.meta and g.meta.resource_type == "WorkspaceGroup"
    ]
    assert len(workspace_groups) == 12


def test_policies(w):
    policies = list(w.cluster_policies.list())
    assert len([p for p in policies if not p.is_default]) == 4
    assert any(p.is_default for p in policies)


def test_warehouses(w):
    assert len(list(w.warehouses.list())) == 2


def test_secrets(w):
    scopes = [s.name for s in w.secrets.list_scopes()]
    assert sum(len(list(w.secrets.list_secrets(s))) for s in scopes) == 15


def test_folders_and_notebooks(w):
    objects = walk(w)
    folders = [o for o in objects if o.object_type == ObjectType.DIRECTORY and o.path not in BUILTIN_DIRS]
    notebooks = [o for o in objects if o.object_type == ObjectType.NOTEBOOK]
    assert len(folders) == 87
    assert len(notebooks) == 123


def test_git_folders(w):
    assert len(list(w.repos.list())) == 3


def test_all_purpose_clusters(w):
    clusters = list(w.clusters.list(page_size=3))
    all_purpose = [c for c in clusters if c.cluster_source in (ClusterSource.UI, ClusterSource.API)]
    assert len(all_purpose) == 8


def test_jobs(w):
    jobs = [w.jobs.get(j.job_id) for j in w.jobs.list(limit=5)]
    assert len(jobs) == 34
    running_pipelines = [j for j in jobs if any(t.pipeline_task for t in j.settings.tasks or [])]
    assert len(running_pipelines) == 3
    destinations = {d.id for d in w.notification_destinations.list()}
    pipelines = {p.pipeline_id for p in w.pipelines.list_pipelines()}
    for j in running_pipelines:
        assert j.settings.webhook_notifications.as_dict(), j.settings.name
        for t in j.settings.tasks:
            assert t.pipeline_task is None or t.pipeline_task.pipeline_id in pipelines
            hooks = t.webhook_notifications.as_dict() if t.webhook_notifications else {}
            for event in list(hooks.values()) + list(j.settings.webhook_notifications.as_dict().values()):
                assert {d["id"] for d in event} <= destinations


def test_pipelines(w):
    listed = list(w.pipelines.list_pipelines(max_results=4))
    assert len(listed) == 6
    assert len([p for p in listed if p.state == PipelineState.RUNNING]) == 2
    full = [w.pipelines.get(p.pipeline_id) for p in listed]
    assert len([p for p in full if p.spec.catalog]) == 3 and len([p for p in full if p.spec.target]) == 3
    assert all(p.spec.libraries for p in full)
    for p in full:
        perms = w.pipelines.get_permissions(p.pipeline_id)
        owners = [a for a in perms.access_control_list
                  for lvl in a.all_permissions if lvl.permission_level.value == "IS_OWNER"]
        assert len(owners) == 1, p.name


def test_notification_destinations(w):
    listed = list(w.notification_destinations.list(page_size=3))
    assert sorted(d.destination_type.value for d in listed) == ["EMAIL", "PAGERDUTY", "SLACK", "WEBHOOK"]
    for d in listed:
        full = w.notification_destinations.get(d.id)
        assert "hunter2-webhook-Pa55" not in repr(full.as_dict())
        if d.destination_type == DestinationType.WEBHOOK:
            assert full.config.generic_webhook.password_set is True
            assert full.config.generic_webhook.password is None


def test_global_init_scripts(w):
    scripts = list(w.global_init_scripts.list())
    assert sorted(s.position for s in scripts) == [0, 1, 2]
    assert len([s for s in scripts if not s.enabled]) == 1
    for s in scripts:
        full = w.global_init_scripts.get(s.script_id)
        assert base64.b64decode(full.script).startswith(b"#!/bin/bash\n")


def test_sql_objects_dashboards_and_genie(w):
    queries = list(w.queries.list(page_size=5))
    assert len(queries) == 12
    assert sum(len(list(w.queries.list_visualizations(q.id))) for q in queries) == 14
    assert len(list(w.queries_legacy.list(page_size=5))) == 12, "the same queries, the legacy way"
    assert len(list(w.alerts.list(page_size=2))) == 3
    assert len(list(w.alerts_v2.list_alerts())) == 1
    dashboards = list(w.lakeview.list(page_size=4))
    assert len(dashboards) == 6
    published, schedules = 0, []
    for d in dashboards:
        try:
            w.lakeview.get_published(d.dashboard_id)
            published += 1
        except Exception:  # noqa: BLE001 - NotFound: a draft only
            pass
        schedules += list(w.lakeview.list_schedules(d.dashboard_id))
    assert published == 3
    assert len(schedules) == 4
    assert len([s for s in schedules if s.pause_status == SchedulePauseStatus.UNPAUSED]) == 3
    assert len(w.genie.list_spaces().spaces) == 2
    assert len(list(w.dashboards.list())) == 2, "legacy dashboards"
    jobs = [w.jobs.get(j.job_id) for j in w.jobs.list(limit=25)]
    sql_jobs = [j for j in jobs if any(
        (t.sql_task and (t.sql_task.query or t.sql_task.alert or t.sql_task.dashboard)) or t.dashboard_task
        for t in j.settings.tasks or [])]
    assert len(sql_jobs) == 3
