"""SCIM identities through the official SDK: Me, users, groups (with PATCH members), service
principals — create, get, list across pages, update (PUT), patch, delete, and the error classes."""

import pytest
from databricks.sdk.errors import NotFound, PermissionDenied, ResourceConflict
from databricks.sdk.service import iam

from helpers import requests_to, unique

PATCH_SCHEMA = [iam.PatchSchema.URN_IETF_PARAMS_SCIM_API_MESSAGES_2_0_PATCH_OP]


def test_me_is_the_token_owner(w, w_user):
    me = w.current_user.me()
    assert me.user_name and me.id
    other = w_user.current_user.me()
    assert other.user_name and other.user_name != me.user_name
    # the admin token's user is in `admins`; the plain user is not.
    admins = next(w.groups.list(filter='displayName eq "admins"'))
    member_ids = {m.value for m in admins.members or []}
    assert me.id in member_ids
    assert other.id not in member_ids


def test_builtin_groups_exist(w):
    names = {g.display_name for g in w.groups.list(attributes="displayName")}
    assert {"admins", "users"} <= names


def test_users_crud_and_paged_list(emu, w):
    prefix = unique("u")
    created = [
        w.users.create(user_name=f"{prefix}-{i:02d}@example.com", display_name=f"User {i}")
        for i in range(25)
    ]
    assert all(u.id for u in created)
    assert len({u.id for u in created}) == 25

    before = requests_to(emu, "/api/preview/scim/v2/Users")
    listed = list(w.users.list(filter=f'userName sw "{prefix}"', count=10))
    pages = requests_to(emu, "/api/preview/scim/v2/Users") - before
    assert sorted(u.user_name for u in listed) == sorted(u.user_name for u in created)
    assert pages >= 3, f"25 users at count=10 must take at least 3 pages, took {pages}"

    one = created[3]
    got = w.users.get(one.id)
    assert got.user_name == one.user_name
    assert got.display_name == "User 3"

    w.users.update(one.id, user_name=one.user_name, display_name="Renamed", active=True)
    assert w.users.get(one.id).display_name == "Renamed"

    w.users.patch(
        one.id,
        operations=[
            iam.Patch(
                op=iam.PatchOp.ADD,
                path="entitlements",
                value=[{"value": "allow-cluster-create"}],
            )
        ],
        schemas=PATCH_SCHEMA,
    )
    ents = {e.value for e in w.users.get(one.id).entitlements or []}
    assert "allow-cluster-create" in ents

    w.users.delete(one.id)
    with pytest.raises(NotFound):
        w.users.get(one.id)
    remaining = list(w.users.list(filter=f'userName sw "{prefix}"', count=10))
    assert len(remaining) == 24


def test_list_without_count_follows_the_server_cap(w):
    # the SDK asks for count=10000; the service caps pages at 100 and the SDK goes on from
    # startIndex + len(Resources).
    prefix = unique("many")
    for i in range(105):
        w.users.create(user_name=f"{prefix}-{i:03d}@example.com")
    listed = [u.user_name for u in w.users.list(filter=f'userName sw "{prefix}"')]
    assert len(listed) == 105
    assert len(set(listed)) == 105


def test_duplicate_user_is_a_conflict(w):
    name = f"{unique('dup')}@example.com"
    w.users.create(user_name=name)
    with pytest.raises(ResourceConflict):
        w.users.create(user_name=name)


def test_groups_crud_members_and_paged_list(emu, w):
    prefix = unique("g")
    groups = [w.groups.create(display_name=f"{prefix}-{i:02d}") for i in range(12)]
    before = requests_to(emu, "/api/preview/scim/v2/Groups")
    listed = list(w.groups.list(filter=f'displayName sw "{prefix}"', count=5))
    assert sorted(g.display_name for g in listed) == sorted(g.display_name for g in groups)
    assert requests_to(emu, "/api/preview/scim/v2/Groups") - before >= 3

    g = groups[0]
    u1 = w.users.create(user_name=f"{prefix}-m1@example.com")
    u2 = w.users.create(user_name=f"{prefix}-m2@example.com")
    sp = w.service_principals.create(display_name=f"{prefix}-sp")
    nested = groups[1]
    w.groups.patch(
        g.id,
        operations=[
            iam.Patch(
                op=iam.PatchOp.ADD,
                path="members",
                value=[{"value": u1.id}, {"value": u2.id}, {"value": sp.id}, {"value": nested.id}],
            )
        ],
        schemas=PATCH_SCHEMA,
    )
    members = {m.value for m in w.groups.get(g.id).members or []}
    assert members == {u1.id, u2.id, sp.id, nested.id}
    # membership shows on the member side too.
    assert g.id in {x.value for x in w.users.get(u1.id).groups or []}

    w.groups.patch(
        g.id,
        operations=[iam.Patch(op=iam.PatchOp.REMOVE, path=f'members[value eq "{u2.id}"]')],
        schemas=PATCH_SCHEMA,
    )
    members = {m.value for m in w.groups.get(g.id).members or []}
    assert members == {u1.id, sp.id, nested.id}

    w.groups.update(
        g.id,
        display_name=f"{prefix}-renamed",
        members=[iam.ComplexValue(value=u1.id)],
    )
    got = w.groups.get(g.id)
    assert got.display_name == f"{prefix}-renamed"
    assert {m.value for m in got.members or []} == {u1.id}

    w.groups.delete(g.id)
    with pytest.raises(NotFound):
        w.groups.get(g.id)


def test_duplicate_group_is_a_conflict(w):
    name = unique("dupg")
    w.groups.create(display_name=name)
    with pytest.raises(ResourceConflict):
        w.groups.create(display_name=name)


def test_service_principals_crud_and_paged_list(emu, w):
    prefix = unique("sp")
    sps = [w.service_principals.create(display_name=f"{prefix}-{i:02d}") for i in range(12)]
    assert all(s.application_id for s in sps), "AWS-style SPs get a generated applicationId"
    assert len({s.application_id for s in sps}) == 12
    before = requests_to(emu, "/api/preview/scim/v2/ServicePrincipals")
    listed = list(w.service_principals.list(filter=f'displayName sw "{prefix}"', count=5))
    assert sorted(s.id for s in listed) == sorted(s.id for s in sps)
    assert requests_to(emu, "/api/preview/scim/v2/ServicePrincipals") - before >= 3

    sp = sps[0]
    by_app = list(w.service_principals.list(filter=f'applicationId eq "{sp.application_id}"'))
    assert [s.id for s in by_app] == [sp.id]

    w.service_principals.update(
        sp.id, application_id=sp.application_id, display_name=f"{prefix}-renamed", active=True
    )
    assert w.service_principals.get(sp.id).display_name == f"{prefix}-renamed"

    w.service_principals.patch(
        sp.id,
        operations=[iam.Patch(op=iam.PatchOp.REPLACE, path="active", value=[{"value": "false"}])],
        schemas=PATCH_SCHEMA,
    )
    assert w.service_principals.get(sp.id).active is False

    w.service_principals.delete(sp.id)
    with pytest.raises(NotFound):
        w.service_principals.get(sp.id)


def test_missing_identities_are_not_found(w):
    with pytest.raises(NotFound):
        w.users.get("9999999999999")
    with pytest.raises(NotFound):
        w.groups.get("9999999999999")
    with pytest.raises(NotFound):
        w.service_principals.get("9999999999999")


def test_plain_user_cannot_create_identities(w_user):
    with pytest.raises(PermissionDenied):
        w_user.users.create(user_name=f"{unique('nope')}@example.com")
    with pytest.raises(PermissionDenied):
        w_user.groups.create(display_name=unique("nope"))
