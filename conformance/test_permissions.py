"""The Permissions API through the official SDK, for every object type a migration carries:
get, set (PUT, replaces the direct grants), update (PATCH, adds), permission levels, and the
errors for a bad level and for a caller without rights."""

import json

import pytest
from databricks.sdk.errors import BadRequest, PermissionDenied
from databricks.sdk.service import compute, iam, jobs
from databricks.sdk.service.workspace import ImportFormat, Language

from helpers import b64, unique

LEVELS = {
    "clusters": {"CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"},
    "cluster-policies": {"CAN_USE"},
    "instance-pools": {"CAN_ATTACH_TO", "CAN_MANAGE"},
    "jobs": {"CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"},
    "notebooks": {"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"},
    "directories": {"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"},
    "repos": {"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"},
    "warehouses": {"CAN_USE", "CAN_MONITOR", "CAN_VIEW", "CAN_MANAGE", "IS_OWNER"},
}
# (a lower level, a higher level) to grant, per type.
GRANTS = {
    "clusters": ("CAN_ATTACH_TO", "CAN_RESTART"),
    "cluster-policies": ("CAN_USE", "CAN_USE"),
    "instance-pools": ("CAN_ATTACH_TO", "CAN_MANAGE"),
    "jobs": ("CAN_VIEW", "CAN_MANAGE_RUN"),
    "notebooks": ("CAN_READ", "CAN_EDIT"),
    "directories": ("CAN_READ", "CAN_RUN"),
    "repos": ("CAN_READ", "CAN_EDIT"),
    "warehouses": ("CAN_USE", "CAN_MONITOR"),
}
OWNED = {"jobs", "warehouses"}  # exactly one IS_OWNER


@pytest.fixture(scope="module")
def objects(w):
    """One object of every type, and its id as the permissions API wants it."""
    me = w.current_user.me().user_name
    spark = w.clusters.select_spark_version(latest=True, long_term_support=True)
    node = w.clusters.select_node_type()
    cluster = w.clusters.create(cluster_name=unique("perm"), spark_version=spark, node_type_id=node, num_workers=0)
    policy = w.cluster_policies.create(name=unique("perm"), definition=json.dumps({}))
    pool = w.instance_pools.create(instance_pool_name=unique("perm"), node_type_id=node)
    job = w.jobs.create(
        name=unique("perm"),
        tasks=[jobs.Task(task_key="t", notebook_task=jobs.NotebookTask(notebook_path="/Shared/x"),
                         existing_cluster_id=cluster.cluster_id)],
    )
    folder = f"/Users/{me}/{unique('perm')}"
    w.workspace.mkdirs(folder)
    w.workspace.import_(f"{folder}/nb", content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    repo = w.repos.create(url="https://github.com/example/p.git", provider="gitHub", path=f"/Repos/{me}/{unique('perm')}")
    warehouse = w.warehouses.create(name=unique("perm"), cluster_size="2X-Small", max_num_clusters=1)
    return {
        "clusters": cluster.cluster_id,
        "cluster-policies": policy.policy_id,
        "instance-pools": pool.instance_pool_id,
        "jobs": str(job.job_id),
        "notebooks": str(w.workspace.get_status(f"{folder}/nb").object_id),
        "directories": str(w.workspace.get_status(folder).object_id),
        "repos": str(repo.id),
        "warehouses": warehouse.id,
    }


@pytest.fixture(scope="module")
def principals(w):
    me = w.current_user.me().user_name
    user = w.users.create(user_name=f"{unique('perm')}@example.com")
    group = w.groups.create(display_name=unique("perm-group"))
    return {"me": me, "user": user.user_name, "group": group.display_name}


def direct(perms: iam.ObjectPermissions) -> dict:
    """principal → set of direct (not inherited) levels."""
    out = {}
    for acl in perms.access_control_list or []:
        who = acl.user_name or acl.group_name or acl.service_principal_name
        levels = {p.permission_level.value for p in acl.all_permissions or [] if not p.inherited}
        if levels:
            out[who] = levels
    return out


def owner_acl(kind, me):
    if kind in OWNED:
        return [iam.AccessControlRequest(user_name=me, permission_level=iam.PermissionLevel.IS_OWNER)]
    return []


@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_permission_levels(w, objects, kind):
    levels = w.permissions.get_permission_levels(kind, objects[kind]).permission_levels
    assert {lv.permission_level.value for lv in levels} == LEVELS[kind]


@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_get_set_update(w, objects, principals, kind):
    oid = objects[kind]
    low, high = GRANTS[kind]
    me = principals["me"]

    perms = w.permissions.get(kind, oid)
    assert perms.object_id and perms.object_id.endswith(f"/{oid}")
    assert perms.object_type

    acl = owner_acl(kind, me) + [
        iam.AccessControlRequest(user_name=principals["user"], permission_level=iam.PermissionLevel(low)),
        iam.AccessControlRequest(group_name="users", permission_level=iam.PermissionLevel(low)),
    ]
    after_set = w.permissions.set(kind, oid, access_control_list=acl)
    got = direct(w.permissions.get(kind, oid))
    assert direct(after_set) == got
    assert got[principals["user"]] == {low}
    assert got["users"] == {low}
    if kind in OWNED:
        assert got[me] == {"IS_OWNER"}

    w.permissions.update(
        kind,
        oid,
        access_control_list=[
            iam.AccessControlRequest(group_name=principals["group"], permission_level=iam.PermissionLevel(high))
        ],
    )
    got = direct(w.permissions.get(kind, oid))
    assert got[principals["group"]] == {high}
    assert got[principals["user"]] == {low}, "PATCH leaves the other grants"

    # PUT replaces every direct grant.
    w.permissions.set(
        kind,
        oid,
        access_control_list=owner_acl(kind, me)
        + [iam.AccessControlRequest(group_name=principals["group"], permission_level=iam.PermissionLevel(low))],
    )
    got = direct(w.permissions.get(kind, oid))
    assert principals["user"] not in got and "users" not in got
    assert got[principals["group"]] == {low}


@pytest.mark.parametrize("kind", ["clusters", "notebooks", "cluster-policies"])
def test_level_not_allowed_for_type(w, objects, principals, kind):
    with pytest.raises(BadRequest):
        w.permissions.update(
            kind,
            objects[kind],
            access_control_list=[
                iam.AccessControlRequest(user_name=principals["user"], permission_level=iam.PermissionLevel.IS_OWNER)
            ],
        )


def test_typed_wrappers(w, objects, principals):
    """The per-service helpers hit the same endpoints."""
    cid = objects["clusters"]
    w.clusters.update_permissions(
        cid,
        access_control_list=[
            compute.ClusterAccessControlRequest(
                user_name=principals["user"], permission_level=compute.ClusterPermissionLevel.CAN_MANAGE
            )
        ],
    )
    perms = w.clusters.get_permissions(cid)
    levels = {
        p.permission_level.value
        for a in perms.access_control_list
        if a.user_name == principals["user"]
        for p in a.all_permissions
        if not p.inherited
    }
    assert levels == {"CAN_MANAGE"}
    job_levels = {lv.permission_level.value for lv in w.jobs.get_permission_levels(objects["jobs"]).permission_levels}
    assert job_levels == LEVELS["jobs"]


def test_plain_user_cannot_change_permissions(w_user, objects, principals):
    with pytest.raises(PermissionDenied):
        w_user.permissions.set(
            "cluster-policies",
            objects["cluster-policies"],
            access_control_list=[
                iam.AccessControlRequest(user_name=principals["user"], permission_level=iam.PermissionLevel.CAN_USE)
            ],
        )
