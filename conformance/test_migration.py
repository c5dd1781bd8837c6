"""A whole migration as the official SDK sees it: two `brickport emulator` processes (the source
seeded `typical`, the target empty), the account console's part played over
`POST /_emulator/account-groups`, then `brickport migrate` between two `.databrickscfg`
profiles. The SDK then walks BOTH workspaces and checks that the target holds what the source
holds, every cross-reference mapped by name (no source id survives), and every job PAUSED. A
second `migrate` must write nothing; `cutover` must resume exactly the jobs active in the
source.

The tests run in file order and share one migration (module fixture `mig`); the last two
(re-run, cutover) change what the earlier ones would see, so they stay last.

The run uses a rehearsal config (`[throttle.*]` raised): brickport's default throttles follow
the real service's published limits, which would make the migration itself take ~25 s here.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import compute, jobs, pipelines
from databricks.sdk.service.dashboards import SchedulePauseStatus
from databricks.sdk.service.workspace import ExportFormat, ObjectType

from conftest import _binary
from workspace_view import (
    SOURCE_ID_TAG,
    active_blocks,
    all_jobs,
    all_purpose,
    cluster_shape,
    direct_grants,
    job_shape,
    principal_names,
    ref_names,
    tree,
    unique_by_name,
)

SOURCE_TOKEN = "dapi-migration-source-admin"
TARGET_TOKEN = "dapi-migration-target-admin"
PLACEHOLDER = "MIGRATED_PLACEHOLDER"  # brickport's default `secret_placeholder`
TYPICAL_JOBS = 34  # the typical seed's jobs (conformance/test_typical_seed.py documents them)
THROTTLE_FAMILIES = (
    "scim", "clusters", "pools", "policies", "jobs", "workspace",
    "permissions", "secrets", "sql", "repos", "notification_destinations",
    "pipelines", "sql_queries", "sql_alerts", "sql_legacy", "lakeview", "genie", "other",
)


@dataclass
class Migration:
    src_emu: object
    tgt_emu: object
    s: WorkspaceClient
    t: WorkspaceClient
    home: Path
    run_dir: Path

    def brickport(self, *args: str) -> subprocess.CompletedProcess:
        """Runs brickport between the two profiles, isolated from the developer's own settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BRICKPORT_"))}
        env["HOME"] = str(self.home)
        env["DATABRICKS_CONFIG_FILE"] = str(self.home / ".databrickscfg")
        cmd = [
            _binary(), *args, "--source-profile", "s", "--target-profile", "t",
            "--run-dir", str(self.run_dir), "--config", str(self.home / "brickport.toml"), "-q",
        ]
        proc = subprocess.run(cmd, env=env, cwd=self.home, capture_output=True, text=True, timeout=300)
        for token in (SOURCE_TOKEN, TARGET_TOKEN):
            assert token not in proc.stdout + proc.stderr, "a token was printed"
        return proc


def _post_json(url: str, body) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read().decode())


@pytest.fixture(scope="module")
def mig(start_emulator, tmp_path_factory) -> Migration:
    src_emu = start_emulator("--seed", "typical", "--rate-limits", "off", tokens=(SOURCE_TOKEN,))
    tgt_emu = start_emulator("--seed", "none", "--rate-limits", "off", tokens=(TARGET_TOKEN,))
    s, t = src_emu.client(SOURCE_TOKEN), tgt_emu.client(TARGET_TOKEN)

    # The account console's part: the source's account groups, assigned to the target.
    account_groups = [g.display_name for g in s.groups.list() if g.meta and g.meta.resource_type == "Group"]
    assert account_groups, "the typical seed has account groups"
    status, answer = _post_json(
        tgt_emu.url + "/_emulator/account-groups", [{"displayName": n} for n in account_groups]
    )
    assert status == 201
    assert [g["displayName"] for g in answer["Resources"]] == account_groups

    home = tmp_path_factory.mktemp("migration-home")
    (home / ".databrickscfg").write_text(
        f"[s]\nhost = {src_emu.url}\ntoken = {SOURCE_TOKEN}\n\n[t]\nhost = {tgt_emu.url}\ntoken = {TARGET_TOKEN}\n"
    )
    (home / "brickport.toml").write_text(
        "concurrency = 16\n"
        + "".join(f"[throttle.{f}]\nrps = 1000\nconcurrency = 16\n" for f in THROTTLE_FAMILIES)
    )
    m = Migration(src_emu, tgt_emu, s, t, home, home / "run")
    proc = m.brickport("migrate")
    assert proc.returncode == 0, f"migrate exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    return m


# ---------- identities ----------


def test_users(mig):
    src = sorted(u.user_name for u in mig.s.users.list())
    assert len(src) == 45
    assert sorted(u.user_name for u in mig.t.users.list()) == src


def test_service_principals(mig):
    src = sorted(sp.display_name for sp in mig.s.service_principals.list())
    assert src
    assert sorted(sp.display_name for sp in mig.t.service_principals.list()) == src


def test_groups_and_members(mig):
    sn, tn = principal_names(mig.s), principal_names(mig.t)
    src = {g.display_name: g for g in mig.s.groups.list()}
    tgt = {g.display_name: g for g in mig.t.groups.list()}
    assert sorted(tgt) == sorted(src)
    for name, g in src.items():
        tg = tgt[name]
        assert tg.meta.resource_type == g.meta.resource_type, name
        if g.meta.resource_type == "Group":
            # An account group's members are the account's business: assigned empty, and a
            # workspace API cannot change them.
            assert not tg.members, name
            continue
        members = sorted(sn.by_id[m.value] for m in g.members or [])
        assert sorted(tn.by_id[m.value] for m in tg.members or []) == members, name


# ---------- enablement objects ----------


def test_cluster_policies(mig):
    def custom(w):
        return {p.name: json.loads(p.definition or "{}") for p in w.cluster_policies.list() if not p.is_default}

    src = custom(mig.s)
    assert len(src) == 4
    assert custom(mig.t) == src


def test_instance_pools(mig):
    def pools(w):
        return {p.instance_pool_name: (p.node_type_id, p.min_idle_instances, p.max_capacity) for p in w.instance_pools.list()}

    src = pools(mig.s)
    assert src
    assert pools(mig.t) == src


def test_sql_warehouses_stopped(mig):
    src = {wh.name: (wh.cluster_size, wh.max_num_clusters) for wh in mig.s.warehouses.list()}
    tgt_list = list(mig.t.warehouses.list())
    assert len(src) == 2
    assert {wh.name: (wh.cluster_size, wh.max_num_clusters) for wh in tgt_list} == src
    for wh in tgt_list:
        assert wh.state.value == "STOPPED", (wh.name, wh.state)


def test_secret_scopes_keys_and_placeholder_values(mig):
    def keys(w):
        return {sc.name: sorted(k.key for k in w.secrets.list_secrets(sc.name)) for sc in w.secrets.list_scopes()}

    src = keys(mig.s)
    assert sum(len(v) for v in src.values()) == 15
    assert keys(mig.t) == src
    # Values cannot be read from the source: every target secret holds the placeholder.
    for scope, names in src.items():
        for key in names:
            got = mig.t.secrets.get_secret(scope, key)
            assert base64.b64decode(got.value).decode() == PLACEHOLDER, (scope, key)


def test_secret_acls(mig):
    sn, tn = principal_names(mig.s), principal_names(mig.t)

    def acls(w, names):
        out = {}
        for sc in w.secrets.list_scopes():
            out[sc.name] = sorted(
                (names.sp_by_app.get(a.principal, a.principal), a.permission.value) for a in w.secrets.list_acls(sc.name)
            )
        return out

    src = acls(mig.s, sn)
    assert acls(mig.t, tn) == src


# ---------- workspace content ----------


def test_folders(mig):
    src = {p for p, o in tree(mig.s).items() if o.object_type == ObjectType.DIRECTORY}
    tgt = {p for p, o in tree(mig.t).items() if o.object_type == ObjectType.DIRECTORY}
    assert len(src) > 87
    # Creating a service principal gives it a home, /Users/<applicationId>: the target's SPs
    # have their own application ids, so their homes are the target's, not copies.
    sp_homes = {f"/Users/{sp.application_id}" for sp in mig.t.service_principals.list()}
    assert src & sp_homes == set()
    assert tgt - sp_homes == src


def test_notebooks_and_files_same_content(mig):
    src, tgt = tree(mig.s), tree(mig.t)
    content = {p: o for p, o in src.items() if o.object_type in (ObjectType.NOTEBOOK, ObjectType.FILE)}
    assert sum(o.object_type == ObjectType.NOTEBOOK for o in content.values()) == 123
    assert {p for p, o in tgt.items() if o.object_type in (ObjectType.NOTEBOOK, ObjectType.FILE)} == set(content)
    for path, o in content.items():
        to = tgt[path]
        assert to.object_type == o.object_type, path
        if o.object_type == ObjectType.NOTEBOOK:
            assert to.language == o.language, path
            fmt = ExportFormat.SOURCE
        else:
            fmt = ExportFormat.AUTO
        a = mig.s.workspace.export(path, format=fmt).content
        b = mig.t.workspace.export(path, format=fmt).content
        assert base64.b64decode(b) == base64.b64decode(a), path


def test_repos(mig):
    def repos(w):
        return {r.path: (r.url, r.provider, r.branch) for r in w.repos.list()}

    src = repos(mig.s)
    assert len(src) == 3
    assert repos(mig.t) == src


# ---------- clusters ----------
#
# The seed gives two clusters (and two pairs of jobs) the same name, as real workspaces do: an
# object with a unique name is paired by name, the others are compared as multisets of what
# they look like with every id replaced by the name of what it points at.


def test_clusters_terminated_and_pinned(mig):
    src, tgt = all_purpose(mig.s), all_purpose(mig.t)
    assert len(src) == 8
    assert sorted(c.cluster_name for c in tgt) == sorted(c.cluster_name for c in src)
    for c in tgt:
        assert c.state == compute.State.TERMINATED, (c.cluster_name, c.state)

    def pinned(w):
        pins = w.clusters.list(filter_by=compute.ListClustersFilterBy(is_pinned=True))
        return sorted(c.cluster_name for c in pins if c.cluster_source in (compute.ClusterSource.UI, compute.ClusterSource.API))

    assert pinned(mig.s), "the seed pins some cluster"
    assert pinned(mig.t) == pinned(mig.s)


def test_clusters_same_shape_references_mapped_by_name(mig):
    """Policy and pool are the target's objects of the same name; the rest is copied."""
    rs, rt = ref_names(mig.s), ref_names(mig.t)
    src = sorted(cluster_shape(c, rs) for c in all_purpose(mig.s))
    assert any(shape[8] for shape in src) and any(shape[9] for shape in src), "the seed uses policies and pools"
    assert sorted(cluster_shape(c, rt) for c in all_purpose(mig.t)) == src


# ---------- notification destinations and pipelines ----------


def test_notification_destinations_same_names_and_types(mig):
    def keys(w):
        return sorted((d.display_name, str(d.destination_type)) for d in w.notification_destinations.list())

    src = keys(mig.s)
    assert len(src) == 4, src
    assert keys(mig.t) == src


def pipelines_by_name(w):
    return {p.name: w.pipelines.get(p.pipeline_id) for p in w.pipelines.list_pipelines()}


def test_pipelines_same_settings_never_started(mig):
    """Same names, libraries and publishing target; none continuous or running before cut-over."""
    src, tgt = pipelines_by_name(mig.s), pipelines_by_name(mig.t)
    assert len(src) == 6 and any(p.spec.continuous for p in src.values()), "the seed has continuous pipelines"
    assert sorted(tgt) == sorted(src)

    def short(path):
        return path.removeprefix("/Workspace") if path else path

    def libs(p):
        out = []
        for lib in p.spec.libraries or []:
            if lib.notebook:
                out.append(("notebook", short(lib.notebook.path)))
            elif lib.file:
                out.append(("file", short(lib.file.path)))
            elif lib.glob:
                out.append(("glob", short(lib.glob.include)))
        return out

    for name, p in src.items():
        t = tgt[name]
        assert not t.spec.continuous, name
        assert str(t.state) != str(pipelines.PipelineState.RUNNING), name
        assert libs(t) == libs(p), name
        assert (t.spec.catalog, t.spec.schema, t.spec.target) == (p.spec.catalog, p.spec.schema, p.spec.target), name


def test_job_pipeline_tasks_and_webhooks_mapped_by_name(mig):
    pipe_s = {p.pipeline_id: p.name for p in mig.s.pipelines.list_pipelines()}
    pipe_t = {p.pipeline_id: p.name for p in mig.t.pipelines.list_pipelines()}
    dest_s = {d.id: d.display_name for d in mig.s.notification_destinations.list()}
    dest_t = {d.id: d.display_name for d in mig.t.notification_destinations.list()}

    def refs(w, pipes, dests):
        out = {}
        for j in all_jobs(w):
            st = j.settings
            hooks = [st.webhook_notifications] + [t.webhook_notifications for t in st.tasks or []]
            names = sorted(
                dests[d.id]
                for h in hooks if h
                for event in ("on_start", "on_success", "on_failure", "on_duration_warning_threshold_exceeded")
                for d in getattr(h, event) or []
            )
            tasks = sorted(pipes[t.pipeline_task.pipeline_id] for t in st.tasks or [] if t.pipeline_task)
            if names or tasks:
                out[st.name] = (tasks, names)
        return out

    src = refs(mig.s, pipe_s, dest_s)
    assert src, "the seed has jobs running pipelines and notifying destinations"
    assert refs(mig.t, pipe_t, dest_t) == src


# ---------- SQL, AI/BI dashboards and Genie ----------


def _warehouse_names(w):
    return {x.id: x.name for x in w.warehouses.list()}


def test_sql_queries_and_alerts_same_names_warehouses_mapped(mig):
    def queries(w):
        names = _warehouse_names(w)
        return sorted((q.display_name, names.get(q.warehouse_id), q.query_text) for q in w.queries.list())

    src = queries(mig.s)
    assert len(src) == 12
    assert queries(mig.t) == src

    def alerts(w):
        qs = {q.id: q.display_name for q in w.queries.list()}
        return sorted((a.display_name, qs.get(a.query_id)) for a in w.alerts.list())

    assert alerts(mig.t) == alerts(mig.s)


def test_dashboards_published_alike_schedules_paused(mig):
    def dashboards(w):
        out = {}
        for d in w.lakeview.list():
            try:
                w.lakeview.get_published(d.dashboard_id)
                published = True
            except Exception:
                published = False
            scheds = [x.pause_status for x in w.lakeview.list_schedules(d.dashboard_id)]
            out[d.display_name] = (published, scheds)
        return out

    src, tgt = dashboards(mig.s), dashboards(mig.t)
    assert len(src) == 6 and any(p for p, _ in src.values())
    assert sorted(tgt) == sorted(src)
    for name, (published, scheds) in src.items():
        assert tgt[name][0] == published, name
        assert len(tgt[name][1]) == len(scheds), name
        assert all(x == SchedulePauseStatus.PAUSED for x in tgt[name][1]), f"{name}: a schedule runs before cut-over"


def test_genie_spaces_same_titles(mig):
    def titles(w):
        return sorted(sp.title for sp in w.genie.list_spaces().spaces or [])

    assert len(titles(mig.s)) == 2
    assert titles(mig.t) == titles(mig.s)


# ---------- jobs ----------


@pytest.fixture(scope="module")
def job_lists(mig):
    return all_jobs(mig.s), all_jobs(mig.t)


def test_jobs_same_names_all_paused(job_lists):
    src, tgt = job_lists
    assert len(src) == TYPICAL_JOBS
    assert sorted(j.settings.name for j in tgt) == sorted(j.settings.name for j in src)
    assert any(active_blocks(j.settings) for j in src), "the seed has active jobs"
    for j in tgt:
        for block in ("schedule", "trigger", "continuous"):
            b = getattr(j.settings, block)
            if b is not None:
                assert b.pause_status == jobs.PauseStatus.PAUSED, (j.settings.name, block)


def test_job_references_mapped_by_name(mig, job_lists):
    """existing_cluster_id → the target cluster of the same name, run_job_task → the target job
    of the same name, SQL warehouse → the target warehouse of the same name (each id exists in
    the target), notebook paths exist in the target."""
    src, tgt = job_lists
    rs, rt = ref_names(mig.s), ref_names(mig.t)
    src_shapes = sorted(job_shape(j, rs) for j in src)
    seen = {
        kind: sum(bool(task[i]) for shape in src_shapes for task in shape[1])
        for kind, i in (("existing cluster", 2), ("notebook", 4), ("run_job", 5), ("sql warehouse", 6))
    }
    assert all(seen.values()), f"the seed exercises every reference: {seen}"
    assert sorted(job_shape(j, rt) for j in tgt) == src_shapes
    # The source-id tag, where brickport set it, names a source job of the same name, once.
    src_names = {str(j.job_id): j.settings.name for j in src}
    marks = [(j.settings.tags or {}).get(SOURCE_ID_TAG) for j in tgt]
    for j, mark in zip(tgt, marks):
        assert mark is None or src_names.get(mark) == j.settings.name, (j.settings.name, mark)
    assert len({m for m in marks if m}) == len([m for m in marks if m])
    # Notebooks of a job with a git_source live in its Git repository, not in the workspace.
    paths = {
        t.notebook_task.notebook_path
        for j in tgt
        for t in j.settings.tasks or []
        if t.notebook_task and not (t.notebook_task.source == jobs.Source.GIT or (j.settings.git_source and t.notebook_task.source is None))
    }
    assert paths
    for path in paths:
        assert mig.t.workspace.get_status(path).object_type == ObjectType.NOTEBOOK, path


# ---------- permissions ----------


def test_direct_grants_of_a_sample(mig, job_lists):
    sn, tn = principal_names(mig.s), principal_names(mig.t)
    pairs: list[tuple[str, str, str, str]] = []  # (label, type, source id, target id)
    # Clusters and jobs with a unique name (two objects of one name cannot be told apart here).
    s_cl, t_cl = (unique_by_name(all_purpose(w), lambda c: c.cluster_name) for w in (mig.s, mig.t))
    pairs += [(f"cluster {n}", "clusters", c.cluster_id, t_cl[n].cluster_id) for n, c in s_cl.items()]
    s_jobs, t_jobs = (unique_by_name(js, lambda j: j.settings.name) for js in job_lists)
    # Jobs owned by someone other than the migrating admin first: their IS_OWNER must follow.
    by_owner = sorted(s_jobs.items(), key=lambda kv: (kv[1].creator_user_name == "admin@example.com", kv[0]))
    assert by_owner[0][1].creator_user_name != "admin@example.com", "the seed has jobs of other owners"
    pairs += [(f"job {n}", "jobs", str(j.job_id), str(t_jobs[n].job_id)) for n, j in by_owner[:12]]
    t_wh = {wh.name: wh.id for wh in mig.t.warehouses.list()}
    pairs += [(f"warehouse {wh.name}", "warehouses", wh.id, t_wh[wh.name]) for wh in mig.s.warehouses.list()]
    t_pool = {p.instance_pool_name: p.instance_pool_id for p in mig.t.instance_pools.list()}
    pairs += [
        (f"pool {p.instance_pool_name}", "instance-pools", p.instance_pool_id, t_pool[p.instance_pool_name])
        for p in mig.s.instance_pools.list()
    ]
    t_pol = {p.name: p.policy_id for p in mig.t.cluster_policies.list()}
    pairs += [
        (f"policy {p.name}", "cluster-policies", p.policy_id, t_pol[p.name])
        for p in mig.s.cluster_policies.list()
        if not p.is_default
    ]
    t_repo = {r.path: r.id for r in mig.t.repos.list()}
    pairs += [(f"repo {r.path}", "repos", str(r.id), str(t_repo[r.path])) for r in mig.s.repos.list()]
    s_tree, t_tree = tree(mig.s), tree(mig.t)
    kinds = {ObjectType.NOTEBOOK: "notebooks", ObjectType.DIRECTORY: "directories", ObjectType.FILE: "files"}
    for kind, api in kinds.items():
        sample = sorted(p for p, o in s_tree.items() if o.object_type == kind)[::7][:15]
        pairs += [(p, api, str(s_tree[p].object_id), str(t_tree[p].object_id)) for p in sample]
    granted = 0
    for label, object_type, sid, tid in pairs:
        src = direct_grants(mig.s, sn, object_type, sid)
        granted += bool(src)
        assert direct_grants(mig.t, tn, object_type, tid) == src, label
    assert granted >= 10, "the sample holds objects with direct grants"


# ---------- re-run and cutover (last: they change the target) ----------


def test_migrate_again_writes_nothing(mig):
    before = mig.tgt_emu.stats()["writes"]
    proc = mig.brickport("migrate")
    assert proc.returncode == 0, f"second migrate exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert mig.tgt_emu.stats()["writes"] == before


def test_cutover_resumes_exactly_the_jobs_active_in_the_source(mig):
    proc = mig.brickport("cutover", "--yes")
    assert proc.returncode == 0, f"cutover exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"

    def active(w):
        return sorted((j.settings.name, sorted(active_blocks(j.settings))) for j in all_jobs(w) if active_blocks(j.settings))

    src_active = active(mig.s)
    assert src_active, "the seed has active jobs"
    assert active(mig.t) == src_active
    # Every other block in the target is still PAUSED (none absent-and-thus-active).
    active_names = {name for name, _ in src_active}
    for j in all_jobs(mig.t):
        if j.settings.name not in active_names:
            for block in ("schedule", "trigger", "continuous"):
                b = getattr(j.settings, block)
                assert b is None or b.pause_status == jobs.PauseStatus.PAUSED, (j.settings.name, block)
