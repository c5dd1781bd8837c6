"""Clusters and cluster libraries through the official SDK: the create → RUNNING waiter, edit,
terminate, start, pin/unpin, permanent delete, the catalogue calls, paged list, and the error
classes the SDK maps (not found, invalid state, permission denied)."""

from datetime import timedelta

import pytest
from databricks.sdk.errors import (
    InvalidParameterValue,
    InvalidState,
    PermissionDenied,
    ResourceDoesNotExist,
)
from databricks.sdk.service import compute

from helpers import requests_to, unique

WAIT = timedelta(seconds=30)


@pytest.fixture(scope="module")
def spec(w):
    """A valid spark version and node type, chosen the SDK's way from the workspace catalogue."""
    return {
        "spark_version": w.clusters.select_spark_version(latest=True, long_term_support=True),
        "node_type_id": w.clusters.select_node_type(),
    }


def test_catalogue(w):
    versions = w.clusters.spark_versions().versions
    assert versions and all(v.key and v.name for v in versions)
    lts = w.clusters.select_spark_version(latest=True, long_term_support=True)
    assert lts in {v.key for v in versions}
    node_types = w.clusters.list_node_types().node_types
    assert node_types
    assert all(nt.node_type_id and nt.memory_mb and nt.num_cores for nt in node_types)


def test_cluster_lifecycle(w, spec):
    name = unique("cluster")
    running = w.clusters.create(
        cluster_name=name, num_workers=1, autotermination_minutes=30, **spec
    ).result(timeout=WAIT)
    cid = running.cluster_id
    assert running.state == compute.State.RUNNING
    assert running.cluster_name == name
    assert running.num_workers == 1
    assert running.creator_user_name == w.current_user.me().user_name

    edited = w.clusters.edit(
        cluster_id=cid, cluster_name=f"{name}-2", num_workers=2, autotermination_minutes=60, **spec
    ).result(timeout=WAIT)
    assert edited.state == compute.State.RUNNING
    got = w.clusters.get(cid)
    assert (got.cluster_name, got.num_workers, got.autotermination_minutes) == (f"{name}-2", 2, 60)

    terminated = w.clusters.delete(cid).result(timeout=WAIT)
    assert terminated.state == compute.State.TERMINATED
    # edit of a terminated cluster keeps it terminated.
    w.clusters.edit(cluster_id=cid, cluster_name=f"{name}-3", num_workers=1, **spec)
    got = w.clusters.get(cid)
    assert (got.cluster_name, got.state) == (f"{name}-3", compute.State.TERMINATED)

    restarted = w.clusters.start(cid).result(timeout=WAIT)
    assert restarted.state == compute.State.RUNNING

    w.clusters.pin(cid)
    assert cid in {c.cluster_id for c in w.clusters.list(filter_by=compute.ListClustersFilterBy(is_pinned=True))}
    w.clusters.unpin(cid)
    assert cid not in {c.cluster_id for c in w.clusters.list(filter_by=compute.ListClustersFilterBy(is_pinned=True))}

    w.clusters.permanent_delete(cid)
    assert cid not in {c.cluster_id for c in w.clusters.list()}
    with pytest.raises(ResourceDoesNotExist):
        w.clusters.get(cid)


def test_start_of_pending_cluster_is_invalid_state(w, spec):
    wait = w.clusters.create(cluster_name=unique("pending"), num_workers=0, **spec)
    with pytest.raises(InvalidState):
        w.clusters.start(wait.cluster_id)
    wait.result(timeout=WAIT)


def test_clusters_list_across_pages(emu, w, spec):
    ids = {
        w.clusters.create(cluster_name=unique(f"paged{i}"), num_workers=0, **spec).cluster_id
        for i in range(5)
    }
    before = requests_to(emu, "/api/clusters/list")
    listed = [c.cluster_id for c in w.clusters.list(page_size=2)]
    assert ids <= set(listed)
    assert len(listed) == len(set(listed)), "no cluster twice across pages"
    assert requests_to(emu, "/api/clusters/list") - before >= 3


def test_missing_cluster(w):
    with pytest.raises(ResourceDoesNotExist):
        w.clusters.get("0000-000000-absent00")
    # other calls answer the platform's 400 INVALID_PARAMETER_VALUE.
    with pytest.raises(InvalidParameterValue):
        w.clusters.start("0000-000000-absent00")


def test_pin_is_admin_only(w, w_user, spec):
    cid = w.clusters.create(cluster_name=unique("pin"), num_workers=0, **spec).cluster_id
    with pytest.raises(PermissionDenied):
        w_user.clusters.pin(cid)


def test_cluster_libraries(w, spec):
    cid = w.clusters.create(cluster_name=unique("libs"), num_workers=0, **spec).result(timeout=WAIT).cluster_id
    libs = [
        compute.Library(pypi=compute.PythonPyPiLibrary(package="requests==2.31.0")),
        compute.Library(maven=compute.MavenLibrary(coordinates="org.jsoup:jsoup:1.7.2")),
        compute.Library(whl="/Workspace/Shared/libs/tool-1.0-py3-none-any.whl"),
    ]
    w.libraries.install(cid, libs)
    statuses = list(w.libraries.cluster_status(cid))
    assert len(statuses) == 3
    pkgs = {s.library.pypi.package for s in statuses if s.library.pypi}
    assert pkgs == {"requests==2.31.0"}
    assert all(s.status for s in statuses)

    all_statuses = {c.cluster_id: c for c in w.libraries.all_cluster_statuses()}
    assert cid in all_statuses
    assert len(all_statuses[cid].library_statuses) == 3

    w.libraries.uninstall(cid, [libs[0]])
    remaining = [
        s for s in w.libraries.cluster_status(cid) if s.status != compute.LibraryInstallStatus.UNINSTALL_ON_RESTART
    ]
    assert {s.library.pypi.package for s in remaining if s.library.pypi} == set()
    assert len(remaining) == 2
