"""`--seed scale:N` read through the official SDK: exactly N notebooks, and the other counts
scaled from the typical ones as crates/emulator/src/seed/counts.rs documents
(`max(c, floor(c × N / 123))`), the seed parts' counts (pipelines, notification destinations,
jobs running pipelines, SQL queries, AI/BI dashboards, jobs running SQL objects) included."""

import pytest
from databricks.sdk.service.workspace import ObjectType

from conftest import ADMIN_TOKEN
from helpers import walk

N = 246  # twice the typical workspace


def scaled(typical: int) -> int:
    return max(typical, typical * N // 123)


@pytest.fixture(scope="module")
def w(start_emulator):
    emu = start_emulator("--seed", f"scale:{N}", "--rate-limits", "off", tokens=(ADMIN_TOKEN,))
    return emu.client(ADMIN_TOKEN)


def test_notebooks_are_exactly_n(w):
    assert len([o for o in walk(w) if o.object_type == ObjectType.NOTEBOOK]) == N


def test_users_and_jobs_scale(w):
    assert len(list(w.users.list())) == scaled(45)
    # The core jobs, and the seed parts' jobs running pipelines and SQL objects (3 each in
    # typical).
    assert len(list(w.jobs.list(limit=100))) == scaled(28) + scaled(3) + scaled(3)


def test_pipelines_and_destinations_scale(w):
    assert len(list(w.pipelines.list_pipelines(max_results=7))) == scaled(6)
    assert len(list(w.notification_destinations.list(page_size=5))) == scaled(4)


def test_sql_queries_and_dashboards_scale(w):
    assert len(list(w.queries.list(page_size=25))) == scaled(12)
    assert len(list(w.lakeview.list(page_size=25))) == scaled(6)
