"""Cross-cutting behaviour through the official SDK: authentication (bad token, OAuth M2M),
the SDK's retry on 429 + Retry-After, and the emulator's request counters."""

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import PermissionDenied, Unauthenticated

from conftest import ADMIN_TOKEN


def test_bad_token_is_the_sdks_auth_error(emu):
    bad = emu.client("dapi-not-a-token")
    with pytest.raises((PermissionDenied, Unauthenticated)) as err:
        bad.current_user.me()
    assert "Invalid access token" in str(err.value)
    assert "dapi-not-a-token" not in str(err.value)


def test_good_token_is_accepted(emu):
    assert emu.client(ADMIN_TOKEN).current_user.me().user_name


def test_retry_on_429_with_retry_after(start_emulator, _workdir):
    # One request per second with a burst of one on the policies family: the second request in
    # a row is answered 429 with `Retry-After: 1`.
    limits = os.path.join(_workdir, f"limits-{uuid.uuid4().hex[:6]}.json")
    with open(limits, "w") as f:
        json.dump({"policies": {"per_second": 1, "burst": 1}}, f)
    emu = start_emulator("--rate-limits", limits)

    # what the wire says, outside the SDK.
    def raw():
        req = urllib.request.Request(
            emu.url + "/api/2.0/policies/clusters/list",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.headers.get("Retry-After")
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Retry-After")

    first, second = raw(), raw()
    assert first[0] == 200
    assert second == (429, "1")

    # the SDK retries after Retry-After and every call succeeds.
    w = emu.client(ADMIN_TOKEN)
    before = emu.stats()
    for _ in range(3):
        assert any(p.is_default for p in w.cluster_policies.list())
    after = emu.stats()
    throttled = after["throttled"] - before["throttled"]
    assert throttled >= 1, "back-to-back calls at 1 request/s must meet a 429"
    assert after["by_status"].get("429", 0) >= throttled + 1  # + the raw one above
    assert after["by_path"]["/api/policies/clusters/list"] - before["by_path"]["/api/policies/clusters/list"] == 3 + throttled


def test_injected_faults_are_retried_by_the_sdk(start_emulator):
    # 429 without Retry-After, 503, and connections cut before an answer: the SDK retries all.
    emu = start_emulator("--faults", "429=0.15,503=0.15,reset=0.05", "--fault-seed", "1", "--rate-limits", "off")
    w = emu.client(ADMIN_TOKEN)
    for _ in range(6):
        assert w.clusters.spark_versions().versions
    stats = emu.stats()
    assert sum(stats["faults"].values()) >= 1, f"fault seed 1 must draw a fault in 6+ requests: {stats}"
    assert stats["by_path"]["/api/clusters/spark-versions"] == 6 + sum(stats["faults"].values())


def test_oauth_m2m_client_credentials(start_emulator):
    client_id = str(uuid.uuid4())
    secret = "dose-" + uuid.uuid4().hex
    try:
        emu = start_emulator("--oauth-client", f"{client_id}:{secret}")
    except RuntimeError as e:
        if "oauth-client" in str(e):
            pytest.skip("`brickport emulator` has no --oauth-client flag: OAuth M2M clients cannot be configured")
        raise
    w = WorkspaceClient(
        config=Config(host=emu.url, client_id=client_id, client_secret=secret, auth_type="oauth-m2m")
    )
    me = w.current_user.me()
    assert me.user_name == client_id
    assert emu.stats()["by_path"].get("/oidc/v1/token", 0) >= 1

    wrong = WorkspaceClient(
        config=Config(host=emu.url, client_id=client_id, client_secret="wrong", auth_type="oauth-m2m")
    )
    with pytest.raises(Exception) as err:
        wrong.current_user.me()
    assert "invalid_client" in str(err.value) or "401" in str(err.value)


def test_stats_count_requests(emu, w):
    before = emu.stats()
    w.current_user.me()
    after = emu.stats()
    assert after["requests"] > before["requests"]
    assert after["by_path"].get("/api/preview/scim/v2/Me", 0) >= before["by_path"].get("/api/preview/scim/v2/Me", 0) + 1


def test_state_file_survives_a_restart(start_emulator, _workdir):
    state = os.path.join(_workdir, f"state-{uuid.uuid4().hex[:6]}.json")
    first = start_emulator("--state", state, "--rate-limits", "off")
    w = first.client(ADMIN_TOKEN)
    group = w.groups.create(display_name="persisted-group")
    w.secrets.create_scope(scope="persisted-scope")
    first.stop()  # SIGTERM: the emulator saves its state on the way out

    second = start_emulator("--state", state, "--rate-limits", "off")
    w2 = second.client(ADMIN_TOKEN)
    assert w2.groups.get(group.id).display_name == "persisted-group"
    assert "persisted-scope" in {s.name for s in w2.secrets.list_scopes()}
