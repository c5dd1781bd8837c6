"""What the official SDK sees of a workspace, in forms two workspaces can be compared by: names
instead of ids (principals, clusters, jobs, warehouses, pools, policies), the tree, the shapes of
clusters and jobs, the direct grants of an object. Used by `test_migration.py`."""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import compute, jobs

from helpers import walk

# brickport marks the clusters and jobs it creates with their source id (to find them again
# after a crash).
SOURCE_ID_TAG = "brickport_source_id"


@dataclass
class Names:
    """SCIM id → a principal's name, and SP applicationId → displayName, for one workspace."""

    by_id: dict[str, str]
    sp_by_app: dict[str, str]


def principal_names(w: WorkspaceClient) -> Names:
    by_id: dict[str, str] = {}
    sp_by_app: dict[str, str] = {}
    for u in w.users.list():
        by_id[u.id] = "user:" + u.user_name
    for sp in w.service_principals.list():
        by_id[sp.id] = "sp:" + sp.display_name
        sp_by_app[sp.application_id] = sp.display_name
    for g in w.groups.list():
        by_id[g.id] = "group:" + g.display_name
    return Names(by_id, sp_by_app)


def tree(w):
    return {o.path: o for o in walk(w)}


def all_purpose(w) -> list[compute.ClusterDetails]:
    return [c for c in w.clusters.list() if c.cluster_source in (compute.ClusterSource.UI, compute.ClusterSource.API)]


def unique_by_name(objects, name) -> dict:
    counts: dict[str, int] = {}
    for o in objects:
        counts[name(o)] = counts.get(name(o), 0) + 1
    return {name(o): o for o in objects if counts[name(o)] == 1}


def ref_names(w) -> dict[str, dict]:
    """Every id a cluster or a job may hold, per kind, → the name of its object."""
    return {
        "policy": {p.policy_id: p.name for p in w.cluster_policies.list()},
        "pool": {p.instance_pool_id: p.instance_pool_name for p in w.instance_pools.list()},
        "cluster": {c.cluster_id: c.cluster_name for c in w.clusters.list()},
        "warehouse": {wh.id: wh.name for wh in w.warehouses.list()},
        "job": {j.job_id: j.settings.name for j in w.jobs.list()},
    }


def name_of(refs: dict, kind: str, object_id):
    """The name of what `object_id` points at; a dangling id shows as such in a failed diff."""
    if object_id is None:
        return None
    return refs[kind].get(object_id, f"<no {kind} {object_id} in this workspace>")


def cluster_shape(c: compute.ClusterDetails, refs: dict) -> tuple:
    return (
        c.cluster_name,
        c.spark_version,
        c.node_type_id,
        c.num_workers,
        (c.autoscale.min_workers, c.autoscale.max_workers) if c.autoscale else None,
        c.autotermination_minutes,
        c.single_user_name,
        c.data_security_mode.value if c.data_security_mode else None,
        name_of(refs, "policy", c.policy_id),
        name_of(refs, "pool", c.instance_pool_id),
    )


def all_jobs(w) -> list[jobs.Job]:
    return [w.jobs.get(j.job_id) for j in w.jobs.list()]


def active_blocks(settings: jobs.JobSettings) -> frozenset[str]:
    """The blocks that run the job by themselves; a block without pause_status is UNPAUSED
    (the API's default)."""
    return frozenset(
        block
        for block in ("schedule", "trigger", "continuous")
        if getattr(settings, block) is not None
        and getattr(settings, block).pause_status in (None, jobs.PauseStatus.UNPAUSED)
    )


def job_shape(j: jobs.Job, refs: dict) -> tuple:
    """A job with its references as names and its pause statuses left out."""
    s = j.settings
    tasks = []
    for t in s.tasks or []:
        tasks.append((
            t.task_key,
            tuple(sorted(d.task_key for d in t.depends_on or [])),
            name_of(refs, "cluster", t.existing_cluster_id),
            t.job_cluster_key,
            t.notebook_task.notebook_path if t.notebook_task else None,
            name_of(refs, "job", t.run_job_task.job_id) if t.run_job_task else None,
            name_of(refs, "warehouse", t.sql_task.warehouse_id) if t.sql_task else None,
            name_of(refs, "pool", t.new_cluster.instance_pool_id) if t.new_cluster else None,
            name_of(refs, "policy", t.new_cluster.policy_id) if t.new_cluster else None,
        ))
    job_clusters = sorted(
        (jc.job_cluster_key, name_of(refs, "pool", jc.new_cluster.instance_pool_id), name_of(refs, "policy", jc.new_cluster.policy_id))
        for jc in s.job_clusters or []
    )
    return (
        s.name,
        tuple(sorted(tasks, key=repr)),
        tuple(job_clusters),
        s.schedule.quartz_cron_expression if s.schedule else None,
        s.trigger is not None,
        s.continuous is not None,
        s.max_concurrent_runs,
        (s.git_source.git_url, s.git_source.git_branch) if s.git_source else None,
        # brickport marks the jobs it creates with their source id (to find them again after a
        # crash): checked on its own in test_job_references_mapped_by_name.
        tuple(sorted((k, v) for k, v in (s.tags or {}).items() if k != SOURCE_ID_TAG)),
    )


def direct_grants(w, names: Names, object_type: str, object_id: str) -> list[tuple[str, str]]:
    acl = w.permissions.get(object_type, object_id)
    out = []
    for a in acl.access_control_list or []:
        if a.user_name:
            who = "user:" + a.user_name
        elif a.group_name:
            who = "group:" + a.group_name
        else:
            who = "sp:" + names.sp_by_app.get(a.service_principal_name, a.service_principal_name)
        for p in a.all_permissions or []:
            if not p.inherited:
                out.append((who, p.permission_level.value))
    return sorted(out)
