"""Secret scopes, secrets and scope ACLs through the official SDK."""

import pytest
from databricks.sdk.errors import NotFound, PermissionDenied, ResourceAlreadyExists
from databricks.sdk.service.workspace import AclPermission

from helpers import unique


def test_scopes_secrets_and_acls(w, w_user):
    scope = unique("scope")
    w.secrets.create_scope(scope=scope)
    assert scope in {s.name for s in w.secrets.list_scopes()}

    w.secrets.put_secret(scope, "db-password", string_value="s3cr3t")
    w.secrets.put_secret(scope, "api-key", bytes_value="AAECAw==")
    w.secrets.put_secret(scope, "db-password", string_value="rotated")  # overwrite is allowed
    keys = {s.key: s for s in w.secrets.list_secrets(scope)}
    assert set(keys) == {"db-password", "api-key"}
    assert all(s.last_updated_timestamp for s in keys.values())
    # list never carries values.
    assert not any("s3cr3t" in repr(s.as_dict()) or "rotated" in repr(s.as_dict()) for s in keys.values())

    me = w.current_user.me().user_name
    acls = {a.principal: a.permission for a in w.secrets.list_acls(scope)}
    assert acls.get(me) == AclPermission.MANAGE, "the creator gets MANAGE"

    other = w_user.current_user.me().user_name
    with pytest.raises(PermissionDenied):
        list(w_user.secrets.list_secrets(scope))
    w.secrets.put_acl(scope, other, AclPermission.READ)
    assert w.secrets.get_acl(scope, other).permission == AclPermission.READ
    assert {s.key for s in w_user.secrets.list_secrets(scope)} == {"db-password", "api-key"}
    with pytest.raises(PermissionDenied):
        w_user.secrets.put_secret(scope, "x", string_value="y")

    w.secrets.put_acl(scope, "users", AclPermission.WRITE)
    acls = {a.principal: a.permission for a in w.secrets.list_acls(scope)}
    assert acls["users"] == AclPermission.WRITE
    w.secrets.delete_acl(scope, "users")
    assert "users" not in {a.principal for a in w.secrets.list_acls(scope)}

    w.secrets.delete_secret(scope, "api-key")
    assert {s.key for s in w.secrets.list_secrets(scope)} == {"db-password"}

    w.secrets.delete_scope(scope)
    assert scope not in {s.name for s in w.secrets.list_scopes()}
    with pytest.raises(NotFound):
        list(w.secrets.list_secrets(scope))


def test_scope_with_initial_manage_principal_users(w, w_user):
    scope = unique("open")
    w.secrets.create_scope(scope=scope, initial_manage_principal="users")
    w_user.secrets.put_secret(scope, "k", string_value="v")
    assert [s.key for s in w_user.secrets.list_secrets(scope)] == ["k"]


def test_duplicate_scope_already_exists(w):
    scope = unique("dup")
    w.secrets.create_scope(scope=scope)
    with pytest.raises(ResourceAlreadyExists):
        w.secrets.create_scope(scope=scope)


def test_missing_scope_and_secret(w):
    with pytest.raises(NotFound):
        w.secrets.put_secret(unique("absent"), "k", string_value="v")
    scope = unique("s")
    w.secrets.create_scope(scope=scope)
    with pytest.raises(NotFound):
        w.secrets.delete_secret(scope, "never-put")
    with pytest.raises(NotFound):
        w.secrets.delete_scope(unique("absent"))
