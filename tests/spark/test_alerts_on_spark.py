"""Alert rules that read raw calls give the same rows on Spark as on Postgres, for the same raw
rows (with the edges that make a wrong port visible: calls at the window's two edges, a call at
exactly the threshold, a tie on cost, an untagged feature, a call from the month before)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
from quality_helpers import call, insert_calls  # noqa: E402

from alerts.config import AlertSettings  # noqa: E402
from alerts.engine import RuleContext  # noqa: E402
from alerts.spark_queries import RAW_CALL_QUERIES  # noqa: E402
from tests.spark.raw_tables import write_spark_calls  # noqa: E402

AS_OF = date(2026, 3, 1)  # the window [02-28, 03-01) sits in February; ts_month pruning must keep it
DAY = datetime(2026, 2, 28, tzinfo=UTC)


def _calls() -> list[dict]:
    return [
        call("a1", DAY + timedelta(hours=1), feature="chat", cost_usd=Decimal("2.5")),
        call("a2", DAY + timedelta(hours=2), feature="chat", cost_usd=Decimal("2.5")),  # tie: a1 first
        call("a3", DAY + timedelta(hours=3), feature="chat", cost_usd=Decimal("0.75")),
        call("b1", DAY + timedelta(hours=4), feature="search", model="gpt-4o-mini", cost_usd=Decimal("0.51")),
        call("u1", DAY + timedelta(hours=5), feature=None, model=None, cost_usd=Decimal("9.1234567891")),
        call("edge-threshold", DAY + timedelta(hours=6), cost_usd=Decimal("0.50")),  # not over: excluded
        call("edge-start", DAY, feature="start", cost_usd=Decimal("1")),  # included
        call("edge-end", DAY + timedelta(days=1), feature="end", cost_usd=Decimal("1")),  # excluded
        call("before", DAY - timedelta(seconds=1), feature="before", cost_usd=Decimal("1")),  # excluded
    ]


def _rows(warehouse_url: str, sql_file: str) -> list[dict]:
    with psycopg.connect(warehouse_url) as conn:
        return RuleContext(conn=conn, as_of=AS_OF, settings=AlertSettings()).query(sql_file)


def test_expensive_calls_on_spark_match_postgres(spark_warehouse, warehouse_url, monkeypatch):
    from ingestion.schema import migrate

    with psycopg.connect(warehouse_url) as conn:
        migrate(conn)
    insert_calls(warehouse_url, _calls())
    write_spark_calls(_calls())
    assert "expensive_calls.sql" in RAW_CALL_QUERIES

    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
    on_postgres = _rows(warehouse_url, "expensive_calls.sql")
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")
    on_spark = _rows(warehouse_url, "expensive_calls.sql")

    assert [(r["feature"], r["model"], r["calls"], r["costliest_observation_id"]) for r in on_postgres] == [
        ("(untagged)", "(unknown)", 1, "u1"),
        ("chat", "gpt-4o", 3, "a1"),
        ("start", "gpt-4o", 1, "edge-start"),
        ("search", "gpt-4o-mini", 1, "b1"),
    ]
    assert on_spark == on_postgres
