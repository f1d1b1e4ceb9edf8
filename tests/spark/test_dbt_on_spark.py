"""The whole dbt project on Spark equals its Postgres build: one `dbt build` of every model, data
test and unit test per engine, from the same files and the same data, then every mart compared
column by column and row by row (tests/spark/mart_compare.py: money to 1e-6, counts and text
exactly).

The data (in one control Postgres, mirrored into the lake and Spark's metastore):
- tests/spark/budget_marts_data.py: budgets of every period kind, per-member and filtered
  budgets, credit pools, a trended series for the forecasts, users over their ceilings;
- tests/spark/pricing_marts_data.py: price overrides by glob and regular expression with a price
  cut in the window, every model of the price list, unpriced models, bills with planted gaps.

And one dbt manifest serves both targets (the same node ids parsed for either): the Dagster assets
load one manifest whichever engine builds.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from decimal import Decimal
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from tests.spark.budget_marts_data import load_budget_data
from tests.spark.conftest import SPARK_DATABASES
from tests.spark.mart_compare import mart_differences
from tests.spark.pricing_marts_data import AS_OF, MATCHES_SQL, load_pricing_data

pytestmark = pytest.mark.slow

BUDGET_MARTS = ("budget_status", "budget_burndown_daily", "budget_forecast_backtest", "chargeback_monthly",
                "credit_pool_balances", "throttle_list", "focus_cost_usage")
PRICING_MARTS = ("whatif_model_swaps", "cost_suggestions", "cost_drift", "tag_coverage_daily",
                 "billing_reconciliation")


def _dbt(command: str, target_path, environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

    return subprocess.run(
        [dbt_executable(), command, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target_path), "--log-path", str(target_path / "logs"), *arguments],
        env={**os.environ, **environ}, capture_output=True, text=True, timeout=3600,
    )


def _build(target_path, environ: dict[str, str]) -> dict:
    started = time.perf_counter()
    completed = _dbt("build", target_path, environ, "--vars", json.dumps({"as_of": AS_OF.isoformat()}))
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return {"returncode": completed.returncode, "log": completed.stdout[-4000:], "results": results,
            "seconds": time.perf_counter() - started}


@pytest.fixture(scope="module")
def builds(spark_cluster, pg_admin_url, tmp_path_factory):
    """The whole project built once on Spark and once on Postgres, from one dataset."""
    from ingestion.lake.mirror import mirror_control_tables, mirror_llm_calls
    from ingestion.schema import migrate
    from llmcosts_core.spark import execute, spark_sql
    from orchestration.defs.dbt.project import dbt_run_environ

    name = f"dbt_on_spark_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))
    folder = tmp_path_factory.mktemp("dbt_on_spark")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("LLMCOSTS_WAREHOUSE", "spark")
        patch.setenv("LLMCOSTS_SPARK_THRIFT_HOST", "127.0.0.1")
        patch.setenv("LLMCOSTS_SPARK_THRIFT_PORT", str(spark_cluster.ports.thrift))
        patch.setenv("LLMCOSTS_LAKE_ROOT", str(folder / "lake"))
        with spark_sql() as cursor:
            for database in SPARK_DATABASES:
                execute(cursor, f"drop database if exists {database} cascade")
        with psycopg.connect(url) as conn:
            migrate(conn)
        loaded = load_budget_data(url, folder / "budgets.yml")
        load_pricing_data(url, folder)
        mirror_control_tables()
        mirror_llm_calls()
        spark = _build(folder / "spark", dbt_run_environ())
        patch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
        postgres = _build(folder / "postgres", dbt_run_environ())
        patch.setenv("LLMCOSTS_WAREHOUSE", "spark")  # the comparisons read Spark through the settings
        print(f"\nwhole project: dbt build on Spark {spark['seconds']:.0f}s, on Postgres {postgres['seconds']:.0f}s")
        yield {"spark": spark, "postgres": postgres, "url": url, "loaded": loaded}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _failures(build: dict) -> list[tuple]:
    return [(r["unique_id"], r["status"], (r.get("message") or "")[:300]) for r in build["results"]
            if r["status"] not in ("success", "pass")]


def _pg(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_every_model_data_test_and_unit_test_passes_on_both(builds):
    for engine in ("spark", "postgres"):
        build = builds[engine]
        assert _failures(build) == [], (engine, _failures(build))
        assert build["returncode"] == 0, build["log"]
    nodes = {engine: {r["unique_id"] for r in builds[engine]["results"]} for engine in ("spark", "postgres")}
    assert nodes["spark"] == nodes["postgres"]
    kinds = {node.split(".")[0] for node in nodes["spark"]}
    assert kinds == {"model", "test", "unit_test"}
    # nothing was left out: every model of the project ran
    from orchestration.defs.dbt.project import ensure_manifest

    manifest = json.loads(ensure_manifest().read_text())
    models = {node for node, props in manifest["nodes"].items() if props["resource_type"] == "model"}
    assert models <= nodes["spark"]


def test_budget_marts_equal(builds):
    url = builds["url"]
    rows = {mart: _pg(url, f"select count(*) from marts.{mart}")[0][0] for mart in BUDGET_MARTS}
    # the data exercises every mart: members over their limit, backtest months, two credit pools
    assert all(count > 0 for count in rows.values()), rows
    assert rows["credit_pool_balances"] == builds["loaded"]["pools"]
    differences = [problem for mart in BUDGET_MARTS for problem in mart_differences(mart, url)]
    assert differences == [], "\n".join(differences)


def test_pricing_and_reconciliation_marts_equal(builds):
    from llmcosts_core.spark import execute, spark_sql

    url = builds["url"]
    for mart in PRICING_MARTS:
        assert _pg(url, f"select count(*) from marts.{mart}")[0][0] > 0, mart
    # the dataset reaches the paths that differ between the engines (read on Postgres; Spark must equal it)
    list_prices = {model: (priced_as, source, price) for model, priced_as, source, price in _pg(
        url, "select model, priced_as, price_source, input_per_mtok from intermediate.int_pricing__model_list_prices")}
    assert list_prices["ft:gpt-4o-mini:acme:triage"][:2] == ("ft:gpt-4o-mini:acme:*", "override")
    assert list_prices["GPT-ACME-small-v3"] == ("^gpt-acme-(large|small)-v[0-9]+$", "override", Decimal("1"))
    assert list_prices["claude-sonnet-4"][1] == "override"
    assert list_prices["mystery-model-1"] == list_prices["openai-internal-exp"] == (None, None, None)
    regex_priced = _pg(url, r"""
        select count(*) from intermediate.int_pricing__model_list_prices as l
        inner join raw.model_prices as p
            on p.provider = l.provider and p.model_id = l.priced_as and p.price_version = l.price_version
        where p.model_pattern ~ '\\d|\(\?[=!]'""")[0][0]
    assert regex_priced > 0  # won by a genai-prices pattern with \d or a lookahead
    suggestion_types = {t for (t,) in _pg(url, "select distinct suggestion_type from marts.cost_suggestions")}
    assert suggestion_types == {"cheaper_model", "long_inputs", "low_cache_hit", "failed_calls"}
    assert _pg(url, "select count(*) from marts.cost_drift where drift_calls > 0")[0][0] > 0
    causes = [c for (c,) in _pg(url, "select likely_causes from marts.billing_reconciliation where likely_causes <> ''")]
    assert any("calls made outside Langfuse" in c for c in causes)
    assert any("% of input tokens read from cache" in c for c in causes)
    assert any("model name mismatch (gpt-4o-2024-08-06 on one side only)" in c for c in causes)
    assert any(c.startswith("unpriced calls (") and " traced without a price)" in c for c in causes)
    assert _pg(url, "select count(*) from marts.billing_reconciliation where model = '(all models)'")[0][0] > 0

    with spark_sql() as cursor:
        # Postgres' `~` and Spark's `rlike` agree on every pattern of the price list and every model
        pg_matches = set(_pg(url, MATCHES_SQL.format(operator="~")))
        assert set(map(tuple, execute(cursor, MATCHES_SQL.format(operator="rlike")))) == pg_matches
    differences = mart_differences("int_pricing__model_list_prices", url, schema="intermediate")
    differences += [problem for mart in PRICING_MARTS for problem in mart_differences(mart, url)]
    assert differences == [], "\n".join(differences)


def test_every_other_mart_equal(builds):
    """Every table of the marts schema not compared above: the feature, user and prompt marts, the
    daily facts, the windows, the reporting row."""
    url = builds["url"]
    tables = [name for (name,) in _pg(url, "select table_name from information_schema.tables"
                                           " where table_schema = 'marts' order by 1")]
    others = [name for name in tables if name not in BUDGET_MARTS + PRICING_MARTS]
    assert {"feature_costs", "user_costs", "prompt_costs", "feature_wow", "fct_llm_costs_daily",
            "spend_summary", "reporting_window"} <= set(others)
    differences = [problem for mart in others for problem in mart_differences(mart, url)]
    assert differences == [], "\n".join(differences)


def test_one_manifest_serves_both_targets(tmp_path):
    """The node ids (models, data tests, unit tests) parsed for the Postgres and the Spark target are
    the same, so one manifest serves both: no test argument may carry an engine's quote character."""
    parse_only = {"LLMCOSTS_PG_HOST": "parse-only.invalid", "LLMCOSTS_PG_PORT": "5432", "LLMCOSTS_PG_USER": "dbt",
                  "LLMCOSTS_PG_PASSWORD": "", "LLMCOSTS_PG_DBNAME": "dbt", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    node_ids = {}
    for target in ("warehouse", "spark"):
        completed = _dbt("parse", tmp_path / target, {**parse_only, "LLMCOSTS_DBT_TARGET": target})
        assert completed.returncode == 0, completed.stdout[-2000:]
        manifest = json.loads((tmp_path / target / "manifest.json").read_text())
        node_ids[target] = set(manifest["nodes"]) | set(manifest["unit_tests"])
    assert node_ids["warehouse"] == node_ids["spark"]
    assert any(node.startswith("test.llmcosts.quoted_not_null_focus_cost_usage") for node in node_ids["spark"])
