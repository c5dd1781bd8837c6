"""Genie spaces through the official SDK: create, get with and without the serialized space, list
across pages (the SDK does not follow tokens: loop by hand), update (etag, move), trash, the
answer for a missing space, permissions."""

import json

import pytest
from databricks.sdk.errors import DatabricksError, PermissionDenied
from databricks.sdk.service import iam

from helpers import unique

SPACE = {"version": 1, "config": {"sample_questions": [{"id": "q1", "question": ["Top customers?"]}]},
         "data_sources": {"tables": [{"identifier": "main.sales.orders"}]}}


@pytest.fixture(scope="module")
def warehouse_id(w):
    wh = w.warehouses.create(name=unique("genie-wh"), cluster_size="2X-Small", max_num_clusters=1)
    return wh.response.id


def make(w, warehouse_id, **kw):
    return w.genie.create_space(warehouse_id, json.dumps(SPACE), title=unique("space"), **kw)


def test_create_get_update_trash(w, warehouse_id):
    s = make(w, warehouse_id, description="sales")
    assert len(s.space_id) == 32
    # The home folder by default, without /Workspace.
    assert s.parent_path == "/Users/admin@example.com"
    plain = w.genie.get_space(s.space_id)
    assert plain.serialized_space is None and plain.etag is None
    full = w.genie.get_space(s.space_id, include_serialized_space=True)
    doc = json.loads(full.serialized_space)
    assert doc["data_sources"] == SPACE["data_sources"]
    assert doc["version"] >= SPACE["version"], "the service upgrades the document"

    folder = f"/Shared/{unique('genie')}"
    w.workspace.mkdirs(folder)
    moved = w.genie.update_space(s.space_id, parent_path=folder, etag=full.etag)
    assert moved.parent_path == folder and moved.etag != full.etag
    with pytest.raises(DatabricksError) as stale:
        w.genie.update_space(s.space_id, title="x", etag=full.etag)
    assert stale.value.error_code == "RESOURCE_CONFLICT"

    w.genie.trash_space(s.space_id)
    # The platform answers 403 (not 404) for a space that does not exist.
    with pytest.raises(PermissionDenied):
        w.genie.get_space(s.space_id)


def test_list_pages_by_hand(w, warehouse_id):
    made = {make(w, warehouse_id).space_id for _ in range(5)}
    seen, token = [], None
    while True:
        page = w.genie.list_spaces(page_size=2, page_token=token)
        seen += [x.space_id for x in page.spaces or []]
        assert all(x.serialized_space is None for x in page.spaces or [])
        token = page.next_page_token
        if not token:
            break
    assert made <= set(seen) and len(seen) == len(set(seen))


def test_permissions(w, warehouse_id):
    s = make(w, warehouse_id)
    perms = w.permissions.update(
        "genie",
        s.space_id,
        access_control_list=[
            iam.AccessControlRequest(group_name="users", permission_level=iam.PermissionLevel.CAN_RUN)
        ],
    )
    assert perms.object_type == "genie-space"
    users = [a for a in perms.access_control_list if a.group_name == "users"]
    assert users[0].all_permissions[0].permission_level == iam.PermissionLevel.CAN_RUN
