"""Jobs through the official SDK (API 2.2): create, get, list across pages with `limit`, reset,
update (task merge, fields_to_remove), delete, and a 150-task job read back whole by the SDK's
`get`, which follows the 2.2 array page tokens."""

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import jobs

from helpers import requests_to, unique


CLUSTER = {}


@pytest.fixture(scope="module", autouse=True)
def cluster_id(w):
    """Tasks run on an existing cluster: the workspace checks that it exists."""
    CLUSTER["id"] = w.clusters.create(
        cluster_name=unique("jobs-cluster"),
        spark_version=w.clusters.select_spark_version(latest=True, long_term_support=True),
        node_type_id=w.clusters.select_node_type(),
        num_workers=0,
    ).cluster_id
    return CLUSTER["id"]


def notebook_task(key: str, depends_on: list[str] | None = None) -> jobs.Task:
    return jobs.Task(
        task_key=key,
        notebook_task=jobs.NotebookTask(notebook_path=f"/Shared/etl/{key}"),
        existing_cluster_id=CLUSTER["id"],
        depends_on=[jobs.TaskDependency(task_key=d) for d in depends_on or []],
    )


def test_job_crud(w):
    name = unique("job")
    created = w.jobs.create(
        name=name,
        tasks=[notebook_task("ingest"), notebook_task("transform", ["ingest"])],
        schedule=jobs.CronSchedule(
            quartz_cron_expression="0 0 3 * * ?", timezone_id="UTC", pause_status=jobs.PauseStatus.PAUSED
        ),
        max_concurrent_runs=1,
        tags={"team": "data"},
    )
    assert created.job_id

    got = w.jobs.get(created.job_id)
    assert got.job_id == created.job_id
    assert got.creator_user_name == w.current_user.me().user_name
    assert got.settings.name == name
    assert [t.task_key for t in got.settings.tasks] == ["ingest", "transform"]
    assert got.settings.tasks[1].depends_on[0].task_key == "ingest"
    assert got.settings.schedule.pause_status == jobs.PauseStatus.PAUSED
    assert got.settings.tags == {"team": "data"}

    # update: top-level fields replace, tasks merge by task_key, fields_to_remove drops.
    w.jobs.update(
        created.job_id,
        new_settings=jobs.JobSettings(
            max_concurrent_runs=3,
            tasks=[jobs.Task(task_key="publish", notebook_task=jobs.NotebookTask(notebook_path="/Shared/etl/publish"),
                             existing_cluster_id=CLUSTER["id"], depends_on=[jobs.TaskDependency(task_key="transform")])],
        ),
        fields_to_remove=["tags"],
    )
    got = w.jobs.get(created.job_id)
    assert got.settings.max_concurrent_runs == 3
    assert sorted(t.task_key for t in got.settings.tasks) == ["ingest", "publish", "transform"]
    assert not got.settings.tags
    assert got.settings.name == name

    # reset: the whole settings are replaced.
    w.jobs.reset(
        created.job_id,
        new_settings=jobs.JobSettings(name=f"{name}-reset", tasks=[notebook_task("only")]),
    )
    got = w.jobs.get(created.job_id)
    assert got.settings.name == f"{name}-reset"
    assert [t.task_key for t in got.settings.tasks] == ["only"]
    assert got.settings.schedule is None

    w.jobs.delete(created.job_id)
    with pytest.raises(NotFound):
        w.jobs.get(created.job_id)


def test_jobs_list_across_pages(emu, w):
    prefix = unique("listed")
    ids = {w.jobs.create(name=f"{prefix}-{i:02d}", tasks=[notebook_task("t")]).job_id for i in range(12)}
    before = requests_to(emu, "/api/jobs/list")
    listed = [j.job_id for j in w.jobs.list(limit=5)]
    calls = requests_to(emu, "/api/jobs/list") - before
    assert ids <= set(listed)
    assert len(listed) == len(set(listed)), "no job twice across pages"
    assert calls >= 3, f"12+ jobs at limit=5 take at least 3 pages, took {calls}"

    one = sorted(ids)[0]
    one_name = w.jobs.get(one).settings.name
    by_name = list(w.jobs.list(name=one_name.upper()))  # the name filter ignores case
    assert [j.job_id for j in by_name] == [one]


def test_150_task_job_read_back_whole(emu, w):
    keys = [f"task_{i:03d}" for i in range(150)]
    tasks = [notebook_task(k, [keys[i - 1]] if i else None) for i, k in enumerate(keys)]
    job_id = w.jobs.create(name=unique("big"), tasks=tasks).job_id

    before = requests_to(emu, "/api/jobs/get")
    got = w.jobs.get(job_id)
    assert requests_to(emu, "/api/jobs/get") - before >= 2, "2.2 caps arrays at 100: a second page"
    assert [t.task_key for t in got.settings.tasks] == keys
    assert got.settings.tasks[149].depends_on[0].task_key == "task_148"

    # list with expand_tasks: the SDK fetches the truncated job whole.
    expanded = [j for j in w.jobs.list(expand_tasks=True, name=got.settings.name)]
    assert len(expanded) == 1
    assert len(expanded[0].settings.tasks) == 150


def test_missing_job_is_not_found(w):
    with pytest.raises(NotFound):
        w.jobs.get(987654321)
    # the platform answers 400 INVALID_PARAMETER_VALUE (legacy) or 404 here.
    with pytest.raises((NotFound, InvalidParameterValue)):
        w.jobs.delete(987654321)
