"""Parity: the same demo workload through the Postgres warehouse and through the Spark warehouse
(raw calls as Parquet on the lake, dbt on a real standalone cluster of a master and two worker
processes, marts published into the serving Postgres) gives the same marts, to 1e-6 dollars and
exactly in counts, and the same alert post.

Both runs are the production jobs (`ingest_llm_calls` per month, then `daily_warehouse`: app
users, budgets, bills, dbt build, alerts), only LLMCOSTS_WAREHOUSE differs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations, write_app_users_csv
from llmcosts_core.spark import execute
from llmcosts_core.spark.thrift import thrift_connection
from tests.spark.conftest import SPARK_DATABASES
from tests.spark.mart_compare import Table, postgres_table, spark_partition_columns, table_differences

pytestmark = pytest.mark.slow

AS_OF = date(2026, 11, 20)
END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = 40

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


def _run_pipeline(patch: pytest.MonkeyPatch, users_csv) -> dict:
    """Ingest, then the daily job; returns the post the alerts would send (a dry run: not sent, not
    logged) and what fired."""
    from orchestration.lib.runs import run_daily_job, run_ingest

    patch.setenv("LLMCOSTS_APP_USERS_CSV", str(users_csv))
    patch.setenv("LLMCOSTS_BACKFILL_DAYS", str(DAYS + 1))
    summaries = run_ingest(full=True, now=END, since=END - timedelta(days=DAYS))
    assert sum(s["rows_upserted"] for s in summaries) > 0
    result = run_daily_job(as_of=AS_OF, full_refresh=True, dry_run=True)
    assert result.success
    [alerts] = result.asset_materializations_for_node("slack_alerts")
    return {key: alerts.metadata[key].value for key in ("message", "fired") if key in alerts.metadata}


@pytest.fixture(scope="module")
def both_warehouses(spark_cluster, pg_admin_url, tmp_path_factory):
    observations = generate_observations(END, days=DAYS, calls_per_day=150, seed=11, project_id="parity")
    users_csv = write_app_users_csv(tmp_path_factory.mktemp("users") / "app_users.csv", seed=11, end=END)
    urls, posts = {}, {}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for engine in ("postgres", "spark"):
            name = f"parity_{engine}_{uuid.uuid4().hex[:8]}"
            conn.execute(f'create database "{name}"')
            urls[engine] = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    # a Spark metastore without the tables other tests left (raw.llm_calls among them)
    with thrift_connection("127.0.0.1", spark_cluster.ports.thrift) as conn:
        cursor = conn.cursor()
        for database in SPARK_DATABASES:
            execute(cursor, f"drop database if exists {database} cascade")
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
                posts[engine] = _run_pipeline(patch, users_csv)
    yield {"urls": urls, "posts": posts, "observations": len(observations), "cluster": spark_cluster}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for url in urls.values():
            conn.execute(f'drop database if exists "{urlparse(url).path[1:]}" with (force)')


@pytest.mark.parametrize("table", CONTRACT_MARTS)
def test_contract_mart_equal_on_both_warehouses(both_warehouses, table):
    """The mart the Postgres warehouse built against the one Spark built and published: the same
    columns (a Spark partition column, the daily facts' `day`, comes last), the same rows, money to
    1e-6 and counts exactly (tests/spark/mart_compare.py)."""
    postgres = postgres_table(both_warehouses["urls"]["postgres"], "marts", table)
    published = postgres_table(both_warehouses["urls"]["spark"], "marts", table)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLMCOSTS_SPARK_THRIFT_HOST", "127.0.0.1")
        patch.setenv("LLMCOSTS_SPARK_THRIFT_PORT", str(both_warehouses["cluster"].ports.thrift))
        published = Table(published.columns, published.rows, spark_partition_columns("marts", table))
    assert postgres.rows, f"{table} is empty: the comparison would prove nothing"
    differences = table_differences(table, postgres, published)
    assert differences == [], "\n".join(differences)


def test_every_mart_published(both_warehouses):
    query = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    with psycopg.connect(both_warehouses["urls"]["postgres"]) as pg, \
            psycopg.connect(both_warehouses["urls"]["spark"]) as spark:
        on_postgres = {r[0] for r in pg.execute(query)}
        on_spark = {r[0] for r in spark.execute(query)}
    assert on_postgres - on_spark == set()


def test_same_alert_post_on_both_warehouses(both_warehouses):
    posts = both_warehouses["posts"]
    # the workload fires a new feature and users over their budgets: a post with something to compare
    assert {"new_spender", "budget_threshold"} <= set(posts["postgres"]["fired"]), posts["postgres"]["fired"]
    assert posts["postgres"]["message"].startswith("LLM cost alerts for 2026-11-20")
    assert posts["spark"]["fired"] == posts["postgres"]["fired"]
    assert posts["spark"]["message"] == posts["postgres"]["message"]


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
