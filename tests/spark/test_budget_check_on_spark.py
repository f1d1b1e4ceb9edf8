"""`llmcosts budget check` on the Spark warehouse answers exactly as on Postgres: the user's calls
of the current periods come from the lake (into a temporary table), the rest of the check is the
same SQL. The Postgres raw table is emptied before the Spark answers, so they can only come from
the lake."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import psycopg.rows
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "budgets"))
from budget_synthetic import BUDGETS_YAML, generate, insert  # noqa: E402

from alerts.budgets.check import check_user  # noqa: E402
from alerts.budgets.config import parse_budgets  # noqa: E402
from alerts.budgets.loader import replace_budgets  # noqa: E402
from tests.spark.raw_tables import write_spark_calls  # noqa: E402

pytestmark = pytest.mark.slow

CHECKS = [
    ("u_free", Decimal(0), datetime(2026, 3, 15, 12, tzinfo=UTC)),
    ("u_free", Decimal(0), datetime(2026, 4, 1, 0, 30, tzinfo=UTC)),  # the month rolled over: nothing spent
    ("u_pro", Decimal("0.30"), datetime(2026, 3, 14, 23, tzinfo=UTC)),
    ("u_pro", Decimal(0), datetime(2026, 3, 1, tzinfo=UTC)),  # at the period's first instant
    ("u_ent", Decimal("1000"), datetime(2026, 3, 20, tzinfo=UTC)),
    ("u_unknown", Decimal(0), datetime(2026, 3, 20, tzinfo=UTC)),
]


def _answers(url: str) -> list[dict]:
    with psycopg.connect(url) as conn:
        return [check_user(user, cost, conn=conn, at=at).to_dict() for user, cost, at in CHECKS]


def test_budget_check_on_spark_equals_postgres(spark_warehouse, migrated_warehouse, monkeypatch):
    import yaml

    calls = generate()
    insert(migrated_warehouse, calls)
    with psycopg.connect(migrated_warehouse) as conn:
        replace_budgets(conn, parse_budgets(yaml.safe_load(BUDGETS_YAML)))
    with psycopg.connect(migrated_warehouse) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(
            "select observation_id, trace_id, project_id, ts, user_id, feature, model, provider, observation_type, "
            "input_tokens, output_tokens, total_tokens, cost_usd, cost_source, environment, metadata "
            "from raw.llm_calls").fetchall()
    write_spark_calls(rows)

    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
    on_postgres = _answers(migrated_warehouse)
    assert {a["decision"] for a in on_postgres} >= {"block", "allow", "throttle"}, on_postgres

    with psycopg.connect(migrated_warehouse) as conn:
        conn.execute("truncate raw.llm_calls")
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")
    on_spark = _answers(migrated_warehouse)
    for check, spark_answer, postgres_answer in zip(CHECKS, on_spark, on_postgres, strict=True):
        differing = {key: (spark_answer[key], postgres_answer[key]) for key in postgres_answer
                     if spark_answer.get(key) != postgres_answer[key]}
        assert not differing, repr((check, differing))[:3000]
