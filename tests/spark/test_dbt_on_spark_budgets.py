"""The budget marts on Spark equal the budget marts on Postgres. One small dataset with budgets loaded
(tests/spark/budget_marts_data.py) goes into the control Postgres and is mirrored into the lake;
`dbt build` of every budget mart with everything upstream, its data tests and unit tests runs once
on Spark and once on Postgres, from the same files; then every column of every budget mart is
compared row by row (tests/spark/mart_compare.py). And one dbt manifest serves both targets: the
same node ids parsed for either."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import date

import psycopg
import pytest

from tests.spark.budget_marts_data import load_budget_data
from tests.spark.mart_compare import mart_differences

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)
BUDGET_MARTS = ("budget_status", "budget_burndown_daily", "budget_forecast_backtest", "chargeback_monthly",
                "credit_pool_balances", "throttle_list", "focus_cost_usage")


def _dbt(command: str, target_path, environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

    return subprocess.run(
        [dbt_executable(), command, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target_path), *arguments],
        env={**os.environ, **environ}, capture_output=True, text=True,
    )


def _build(target_path, environ: dict[str, str]) -> dict:
    started = time.perf_counter()
    completed = _dbt("build", target_path, environ, "--vars", json.dumps({"as_of": AS_OF.isoformat()}),
                     "--select", *(f"+{mart}" for mart in BUDGET_MARTS))
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return {"returncode": completed.returncode, "log": completed.stdout[-4000:], "results": results,
            "seconds": time.perf_counter() - started}


@pytest.fixture
def both_builds(spark_warehouse, migrated_warehouse, monkeypatch, tmp_path):
    from ingestion.lake.mirror import mirror_control_tables, mirror_llm_calls
    from orchestration.defs.dbt.project import dbt_run_environ

    monkeypatch.setenv("DATABASE_URL", migrated_warehouse)
    loaded = load_budget_data(migrated_warehouse, tmp_path / "budgets.yml")
    mirror_control_tables()
    mirror_llm_calls()
    spark = _build(tmp_path / "spark", dbt_run_environ())
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
    postgres = _build(tmp_path / "postgres", dbt_run_environ())
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")  # mart_differences reads Spark through the settings
    print(f"\nbudget marts: dbt build on Spark {spark['seconds']:.0f}s, on Postgres {postgres['seconds']:.0f}s")
    return {"spark": spark, "postgres": postgres, "url": migrated_warehouse, "loaded": loaded}


def test_budget_marts_on_spark_equal_postgres(both_builds):
    for engine in ("spark", "postgres"):
        build = both_builds[engine]
        failed = [(r["unique_id"], r["status"], (r.get("message") or "")[:300]) for r in build["results"]
                  if r["status"] not in ("success", "pass")]
        assert failed == [], (engine, failed)
        assert build["returncode"] == 0, build["log"]
    nodes = {engine: {r["unique_id"] for r in both_builds[engine]["results"]} for engine in ("spark", "postgres")}
    assert nodes["spark"] == nodes["postgres"]
    assert {node.split(".")[0] for node in nodes["spark"]} == {"model", "test", "unit_test"}
    assert {f"model.llmcosts.{mart}" for mart in BUDGET_MARTS} <= nodes["spark"]

    with psycopg.connect(both_builds["url"]) as conn:
        rows = {mart: conn.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in BUDGET_MARTS}
    # the data exercises every mart: members over their limit, backtest months, two credit pools
    assert all(count > 0 for count in rows.values()), rows
    assert rows["credit_pool_balances"] == both_builds["loaded"]["pools"]

    differences = [problem for mart in BUDGET_MARTS for problem in mart_differences(mart, both_builds["url"])]
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
