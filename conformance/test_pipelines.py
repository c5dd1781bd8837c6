"""Lakeflow Declarative Pipelines through the official SDK: create, get (the GetPipelineResponse
shape), list across pages with `max_results` and `filter`, update (a full replace), delete, the
not-found answer, name uniqueness, a continuous pipeline running on create, stop (the SDK's
waiter for IDLE), updates, and the pipeline permissions with their one owner."""

import pytest
from databricks.sdk.errors import BadRequest, InvalidState, NotFound, ResourceConflict, ResourceDoesNotExist
from databricks.sdk.service import pipelines as pl

from helpers import requests_to, unique


def notebook(path: str) -> pl.PipelineLibrary:
    return pl.PipelineLibrary(notebook=pl.NotebookLibrary(path=path))


def test_create_get_update_delete(w, emu):
    name = unique("etl")
    created = w.pipelines.create(
        name=name,
        libraries=[notebook("/Shared/dlt/bronze"), pl.PipelineLibrary(file=pl.FileLibrary(path="/Shared/dlt/x.py"))],
        clusters=[pl.PipelineCluster(label="default", num_workers=2)],
        configuration={"source": "s3://bucket/raw"},
        target="etl_db",
        development=True,
        parameters={"env": "dev"},
    )
    got = w.pipelines.get(created.pipeline_id)
    assert got.pipeline_id == created.pipeline_id
    assert got.name == name and got.spec.name == name
    assert got.state == pl.PipelineState.IDLE
    assert got.spec.id == created.pipeline_id
    assert got.spec.target == "etl_db" and got.spec.development is True
    assert got.spec.libraries[0].notebook.path == "/Shared/dlt/bronze"
    assert got.spec.libraries[1].file.path == "/Shared/dlt/x.py"
    assert got.spec.clusters[0].num_workers == 2
    assert got.spec.configuration == {"source": "s3://bucket/raw"}
    assert got.spec.storage == f"dbfs:/pipelines/{created.pipeline_id}"
    assert got.parameters == {"env": "dev"}
    assert got.run_as is None
    me = w.current_user.me().user_name
    assert got.creator_user_name == me and got.run_as_user_name == me
    assert got.last_modified > 0

    # update is a full replace: what is not sent is gone.
    w.pipelines.update(
        created.pipeline_id,
        name=name + "-v2",
        libraries=[notebook("/Shared/dlt/silver")],
        storage=got.spec.storage,
        target="etl_db",
    )
    again = w.pipelines.get(created.pipeline_id)
    assert again.name == name + "-v2"
    assert [lib.notebook.path for lib in again.spec.libraries] == ["/Shared/dlt/silver"]
    assert again.spec.configuration is None and not again.spec.clusters
    assert again.parameters is None

    w.pipelines.delete(created.pipeline_id)
    with pytest.raises(ResourceDoesNotExist) as e:
        w.pipelines.get(created.pipeline_id)
    assert str(e.value) == f"The specified pipeline {created.pipeline_id} was not found."
    with pytest.raises(NotFound):
        w.pipelines.delete(created.pipeline_id)
    assert emu.stats()["pipeline_updates_started"] == 0


def test_names_are_unique_unless_allowed(w):
    name = unique("dup")
    first = w.pipelines.create(name=name)
    with pytest.raises(ResourceConflict) as e:
        w.pipelines.create(name=name)
    assert "allow_duplicate_names" in str(e.value)
    second = w.pipelines.create(name=name, allow_duplicate_names=True)
    assert second.pipeline_id != first.pipeline_id
    with pytest.raises(BadRequest):
        w.pipelines.create(name=unique("dotted"), target="cat.schema")


def test_list_pages_and_filters(w, emu):
    prefix = unique("listed")
    ids = set()
    for i in range(7):
        lib = notebook(f"/Shared/{prefix}/nb{i}")
        ids.add(w.pipelines.create(name=f"{prefix}-{i}", libraries=[lib]).pipeline_id)
    before = requests_to(emu, "/api/pipelines")
    listed = list(w.pipelines.list_pipelines(filter=f"name LIKE '{prefix}-%'", max_results=3))
    assert {p.pipeline_id for p in listed} == ids
    assert requests_to(emu, "/api/pipelines") - before == 3, "7 items at 3 a page"
    assert all(p.state == pl.PipelineState.IDLE and p.creator_user_name for p in listed)
    by_notebook = list(w.pipelines.list_pipelines(filter=f"notebook='/Shared/{prefix}/nb4'"))
    assert [p.name for p in by_notebook] == [f"{prefix}-4"]
    ordered = list(w.pipelines.list_pipelines(filter=f"name LIKE '{prefix}%'", order_by=["name desc"]))
    assert [p.name for p in ordered] == [f"{prefix}-{i}" for i in reversed(range(7))]
    everything = list(w.pipelines.list_pipelines())
    assert ids <= {p.pipeline_id for p in everything}
    with pytest.raises(BadRequest):
        list(w.pipelines.list_pipelines(max_results=101))
    with pytest.raises(BadRequest):
        list(w.pipelines.list_pipelines(filter="name = 'x'"))


def test_continuous_runs_on_create_and_stop_waits_for_idle(w, emu):
    before = emu.stats()["pipeline_updates_started"]
    created = w.pipelines.create(name=unique("stream"), continuous=True)
    got = w.pipelines.get(created.pipeline_id)
    assert got.state == pl.PipelineState.RUNNING
    assert got.latest_updates[0].state == pl.UpdateStateInfoState.RUNNING
    with pytest.raises(InvalidState):
        w.pipelines.start_update(created.pipeline_id)
    stopped = w.pipelines.stop_and_wait(created.pipeline_id)
    assert stopped.state == pl.PipelineState.IDLE
    assert stopped.latest_updates[0].state == pl.UpdateStateInfoState.CANCELED

    batch = w.pipelines.create(name=unique("batch"))
    assert w.pipelines.get(batch.pipeline_id).state == pl.PipelineState.IDLE
    update = w.pipelines.start_update(batch.pipeline_id, full_refresh=True)
    info = w.pipelines.get_update(batch.pipeline_id, update.update_id).update
    assert info.update_id == update.update_id and info.full_refresh is True
    assert info.cause == pl.UpdateInfoCause.API_CALL
    assert [u.update_id for u in w.pipelines.list_updates(batch.pipeline_id).updates] == [update.update_id]
    assert emu.stats()["pipeline_updates_started"] - before == 2
    w.pipelines.stop_and_wait(batch.pipeline_id)


def test_permissions_have_exactly_one_owner(w):
    me = w.current_user.me().user_name
    user = w.users.create(user_name=f"{unique('dlt')}@example.com").user_name
    sp = w.service_principals.create(display_name=unique("dlt-robot")).application_id
    created = w.pipelines.create(name=unique("owned"), run_as=pl.RunAs(service_principal_name=sp))
    pid = created.pipeline_id
    got = w.pipelines.get(pid)
    assert got.run_as.service_principal_name == sp and got.run_as_user_name == sp

    perms = w.pipelines.get_permissions(pid)
    assert perms.object_type == "pipelines" and perms.object_id == f"/pipelines/{pid}"
    owners = [a for a in perms.access_control_list
              if any(p.permission_level == pl.PipelinePermissionLevel.IS_OWNER for p in a.all_permissions)]
    assert [a.service_principal_name for a in owners] == [sp]
    levels = {lvl.permission_level for lvl in w.pipelines.get_permission_levels(pid).permission_levels}
    assert levels == set(pl.PipelinePermissionLevel)

    acl = pl.PipelineAccessControlRequest
    with pytest.raises(BadRequest) as e:
        w.pipelines.set_permissions(pid, access_control_list=[acl(user_name=user, permission_level=pl.PipelinePermissionLevel.CAN_RUN)])
    assert "exactly one owner" in str(e.value)
    replaced = w.pipelines.set_permissions(pid, access_control_list=[
        acl(user_name=me, permission_level=pl.PipelinePermissionLevel.IS_OWNER),
        acl(user_name=user, permission_level=pl.PipelinePermissionLevel.CAN_RUN),
    ])
    direct = {(a.user_name or a.service_principal_name or a.group_name, p.permission_level.value)
              for a in replaced.access_control_list for p in a.all_permissions if not p.inherited}
    assert direct == {(me, "IS_OWNER"), (user, "CAN_RUN")}
    assert w.pipelines.get(pid).run_as_user_name == me
    patched = w.pipelines.update_permissions(pid, access_control_list=[acl(user_name=user, permission_level=pl.PipelinePermissionLevel.IS_OWNER)])
    owners = {a.user_name for a in patched.access_control_list
              for p in a.all_permissions if p.permission_level == pl.PipelinePermissionLevel.IS_OWNER}
    assert owners == {user}
    with pytest.raises(NotFound):
        w.pipelines.get_permissions("00000000-0000-4000-8000-000000000000")
