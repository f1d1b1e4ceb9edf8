"""Parity: the same demo workload through the Postgres warehouse and through the Spark warehouse
(raw calls as Parquet on the lake, dbt on a real standalone cluster of a master and two worker
processes, marts published into the serving Postgres) gives the same marts, to 1e-6 dollars and
exactly in counts, and the same alert post.

Both runs are the production jobs (`ingest_llm_calls` per month, then `daily_warehouse`: app
users, budgets, bills, dbt build, alerts), only LLMCOSTS_WAREHOUSE differs.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations, write_app_users_csv

# Not yet runnable (issue #18 stays open): the budgets, pricing, reconciliation and FOCUS marts
# still use Postgres-only SQL, so the full `daily_warehouse` build fails on Spark, and the Dagster
# dbt assets load a manifest parsed for the Postgres target (node ids of tests on quoted columns
# differ on Spark). tests/spark/test_dbt_on_spark.py proves the portable part today.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skip(reason="Spark parity of the whole pipeline waits for the budgets/pricing marts to be "
                            "portable (issue #18, docs/scaling.md 'Status')"),
]

AS_OF = date(2026, 11, 20)
END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = 40
TOLERANCE_USD = 1e-6

# The contract marts: what the dashboards, the alerts and users' scripts read.
CONTRACT_MARTS = (
    "feature_costs",
    "user_costs",
    "prompt_costs",
    "feature_wow",
    "budget_status",
    "fct_llm_costs_daily",
    "fct_llm_costs_daily_by_user",
    "fct_llm_costs_daily_by_prompt",
    "spend_summary",
)


def _run_pipeline(patch: pytest.MonkeyPatch, users_csv) -> None:
    from orchestration.lib.runs import run_daily_job, run_ingest

    patch.setenv("LLMCOSTS_APP_USERS_CSV", str(users_csv))
    patch.setenv("LLMCOSTS_BACKFILL_DAYS", str(DAYS + 1))
    summaries = run_ingest(full=True, now=END, since=END - timedelta(days=DAYS))
    assert sum(s["rows_upserted"] for s in summaries) > 0
    result = run_daily_job(as_of=AS_OF, full_refresh=True, dry_run=True)
    assert result.success


def _rows(url: str, table: str) -> tuple[list[str], list[tuple]]:
    with psycopg.connect(url) as conn:
        columns = [r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = %s order by ordinal_position", (table,)).fetchall()]
        assert columns, f"marts.{table} is missing"
        order = ", ".join(f'"{c}"' for c in columns)
        rows = conn.execute(f'select {order} from marts."{table}" order by {order}').fetchall()
    return columns, rows


def _equal(left, right) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, (Decimal, float)) or isinstance(right, (Decimal, float)):
        return math.isclose(float(left), float(right), rel_tol=0, abs_tol=TOLERANCE_USD)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left.astimezone(UTC) == right.astimezone(UTC)
    return left == right


@pytest.fixture(scope="module")
def both_warehouses(spark_cluster, pg_admin_url, tmp_path_factory):
    observations = generate_observations(END, days=DAYS, calls_per_day=150, seed=11, project_id="parity")
    users_csv = write_app_users_csv(tmp_path_factory.mktemp("users") / "app_users.csv", seed=11, end=END)
    urls = {}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for engine in ("postgres", "spark"):
            name = f"parity_{engine}_{uuid.uuid4().hex[:8]}"
            conn.execute(f'create database "{name}"')
            urls[engine] = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    with LocalLangfuseServer(observations, public_key="pk-parity", secret_key="sk-parity",
                             project_id="parity") as server:
        for engine, url in urls.items():
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("DATABASE_URL", url)
                patch.setenv("LANGFUSE_PUBLIC_KEY", "pk-parity")
                patch.setenv("LANGFUSE_SECRET_KEY", "sk-parity")
                patch.setenv("LANGFUSE_BASE_URL", server.base_url)
                patch.setenv("LLMCOSTS_WAREHOUSE", engine)
                if engine == "spark":
                    patch.setenv("LLMCOSTS_SPARK_THRIFT_HOST", "127.0.0.1")
                    patch.setenv("LLMCOSTS_SPARK_THRIFT_PORT", str(spark_cluster.ports.thrift))
                    patch.setenv("LLMCOSTS_LAKE_ROOT", str(tmp_path_factory.mktemp("lake")))
                _run_pipeline(patch, users_csv)
    yield {"urls": urls, "observations": len(observations), "cluster": spark_cluster}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for url in urls.values():
            conn.execute(f'drop database if exists "{urlparse(url).path[1:]}" with (force)')


@pytest.mark.parametrize("table", CONTRACT_MARTS)
def test_contract_mart_equal_on_both_warehouses(both_warehouses, table):
    pg_columns, pg_rows = _rows(both_warehouses["urls"]["postgres"], table)
    spark_columns, spark_rows = _rows(both_warehouses["urls"]["spark"], table)
    assert spark_columns == pg_columns
    assert len(spark_rows) == len(pg_rows), f"{table}: {len(spark_rows)} rows on Spark, {len(pg_rows)} on Postgres"
    assert pg_rows, f"{table} is empty: the comparison would prove nothing"
    for pg_row, spark_row in zip(pg_rows, spark_rows, strict=True):
        differing = [(c, p, s) for c, p, s in zip(pg_columns, pg_row, spark_row, strict=True) if not _equal(p, s)]
        assert not differing, f"{table}: {differing[:5]} in row {pg_row}"


def test_every_mart_published(both_warehouses):
    query = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    with psycopg.connect(both_warehouses["urls"]["postgres"]) as pg, \
            psycopg.connect(both_warehouses["urls"]["spark"]) as spark:
        on_postgres = {r[0] for r in pg.execute(query)}
        on_spark = {r[0] for r in spark.execute(query)}
    assert on_postgres - on_spark == set()


def test_same_alert_post_on_both_warehouses(both_warehouses):
    query = "select rule, subject, position, message from alerts.alert_log order by rule, subject, position"
    posts = {}
    for engine, url in both_warehouses["urls"].items():
        with psycopg.connect(url) as conn:
            posts[engine] = conn.execute(query).fetchall()
    assert posts["postgres"], "no alert fired: the workload's spike should fire the growth rule"
    assert posts["spark"] == posts["postgres"]


def test_raw_calls_are_not_in_the_serving_postgres_on_spark(both_warehouses):
    with psycopg.connect(both_warehouses["urls"]["spark"]) as conn:
        exists = conn.execute("select to_regclass('raw.llm_calls') is not null").fetchone()[0]
        count = conn.execute("select count(*) from raw.llm_calls").fetchone()[0] if exists else 0
    assert count == 0


def test_executors_ran_on_the_two_workers(both_warehouses):
    state = both_warehouses["cluster"].master_state()
    assert state["aliveworkers"] == 2
    apps = [app for app in state["activeapps"] if app["name"] == "llmcosts-thrift-server"]
    assert apps and apps[0]["cores"] == 2, state["activeapps"]
    assert [worker["coresused"] for worker in state["workers"]] == [1, 1]
