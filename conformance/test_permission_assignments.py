"""Workspace permission assignments (`/api/2.0/preview/permissionassignments`) as the official
SDK reads them. The SDK's workspace client has no service for this workspace-level API (only
the account client's `workspace_assignment`), so the calls go through the SDK's own
`api_client.do` and every answer is decoded with the SDK's `PermissionAssignment(s)` types:
list, assign by group name (the typical seed's account group, which an empty workspace's
account knows) and by user name, assign by principal id (PUT), remove (DELETE), and the
platform's errors for an unknown principal (an `error` inside a 200 by name, `NotFound` by id)
and a non-admin caller (`PermissionDenied`)."""

import pytest
from databricks.sdk.errors import NotFound, PermissionDenied
from databricks.sdk.service import iam

BASE = "/api/2.0/preview/permissionassignments"


def _list(w) -> list[iam.PermissionAssignment]:
    return iam.PermissionAssignments.from_dict(w.api_client.do("GET", BASE)).permission_assignments or []


def _assign(w, **principal) -> iam.PermissionAssignment:
    body = {"permission_assignments": [{**principal, "permissions": ["USER"]}]}
    answer = iam.PermissionAssignments.from_dict(w.api_client.do("POST", BASE, body=body))
    assert len(answer.permission_assignments) == 1
    return answer.permission_assignments[0]


def test_list_shows_the_workspace_principals(w):
    listed = _list(w)
    admin = next(a for a in listed if a.principal.user_name == "admin@example.com")
    assert admin.permissions == [iam.WorkspacePermission.ADMIN]
    assert isinstance(admin.principal.principal_id, int)
    assert all(a.principal.group_name not in ("admins", "users") for a in listed)


def test_account_group_assigned_by_name_then_by_id_then_removed(w):
    item = _assign(w, group_name="acct-all-employees")
    assert item.error is None
    assert item.permissions == [iam.WorkspacePermission.USER]
    pid = item.principal.principal_id
    # Assigned, the account group is one of the workspace's SCIM groups.
    found = list(w.groups.list(filter='displayName eq "acct-all-employees"'))
    assert [g.id for g in found] == [str(pid)]

    put = iam.PermissionAssignment.from_dict(
        w.api_client.do("PUT", f"{BASE}/principals/{pid}", body={"permissions": ["ADMIN"]})
    )
    assert put.permissions == [iam.WorkspacePermission.ADMIN]
    assert put.principal.group_name == "acct-all-employees"
    assert any(a.principal.principal_id == pid for a in _list(w))

    w.api_client.do("DELETE", f"{BASE}/principals/{pid}")
    assert all(a.principal.principal_id != pid for a in _list(w))
    assert list(w.groups.list(filter='displayName eq "acct-all-employees"')) == []
    with pytest.raises(NotFound):
        w.api_client.do("DELETE", f"{BASE}/principals/{pid}")


def test_a_user_removed_is_assigned_again_by_name(w):
    u = w.users.create(user_name="assigned-again@example.com")
    w.api_client.do("DELETE", f"{BASE}/principals/{u.id}")
    with pytest.raises(NotFound):
        w.users.get(u.id)
    item = _assign(w, user_name="assigned-again@example.com")
    assert item.error is None and item.principal.principal_id == int(u.id)
    assert w.users.get(u.id).user_name == "assigned-again@example.com"


def test_unknown_principal_and_non_admin_are_refused(w, w_user):
    item = _assign(w, group_name="not-in-the-account")
    assert item.error == "RESOURCE_DOES_NOT_EXIST: Principal not found in account."
    with pytest.raises(NotFound):
        w.api_client.do("PUT", f"{BASE}/principals/12345", body={"permissions": ["USER"]})
    with pytest.raises(PermissionDenied):
        w_user.api_client.do(
            "POST",
            BASE,
            body={"permission_assignments": [{"group_name": "acct-all-employees", "permissions": ["USER"]}]},
        )
