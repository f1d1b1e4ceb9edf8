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


def test_price_list_change_on_spark_matches_postgres(spark_warehouse, warehouse_url, tmp_path, monkeypatch):
    """The list-price change rule re-prices 30 days of calls: on Spark their token sums come from
    the lake, and the post is the same as on Postgres (window edges, cache tokens, an uncached
    input clamped at zero, a model without a price change, a call of the month before)."""
    from alerts.config import get_alert_settings
    from alerts.rules_pricing import PRICE_LIST_CHANGE
    from ingestion.pricing.price_table import load_prices
    from ingestion.schema import migrate
    from tests.pricing.pricing_helpers import write_overrides

    as_of = date(2026, 5, 2)
    start = datetime(2026, 4, 2, tzinfo=UTC)  # as_of - 30 days: in the window
    old = {"provider": "openai", "model": "gpt-acme-*", "effective_from": "2026-01-01",
           "input_per_mtok": 2.0, "output_per_mtok": 8.0, "cache_read_per_mtok": 0.5}
    steady = {"provider": "openai", "model": "gpt-steady", "effective_from": "2026-01-01",
              "input_per_mtok": 1.0, "output_per_mtok": 1.0}
    calls = [
        call("in-1", start, model="gpt-acme-1", input_tokens=10_000, output_tokens=1_000, cache_read_tokens=4_000),
        call("in-2", datetime(2026, 5, 1, 23, 59, 59, tzinfo=UTC), model="gpt-acme-1", input_tokens=333,
             output_tokens=77, cache_write_tokens=100),
        # more cache tokens than input tokens: the uncached part is clamped at zero, per call
        call("odd", datetime(2026, 4, 20, tzinfo=UTC), model="gpt-acme-2", input_tokens=10, output_tokens=5,
             cache_read_tokens=50),
        call("steady", datetime(2026, 4, 21, tzinfo=UTC), model="gpt-steady"),
        call("before", start - timedelta(microseconds=1), model="gpt-acme-1", input_tokens=99_999),
        call("at-as-of", datetime(2026, 5, 2, tzinfo=UTC), model="gpt-acme-1", input_tokens=99_999),
    ]
    with psycopg.connect(warehouse_url) as conn:
        migrate(conn)
    insert_calls(warehouse_url, calls)
    write_spark_calls(calls)
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "v1.yml", [old, steady])))
    with psycopg.connect(warehouse_url) as conn:
        load_prices(conn)
    cheaper = {**old, "input_per_mtok": 1.5, "output_per_mtok": 6.0, "cache_read_per_mtok": 0.25}
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "v2.yml", [cheaper, steady])))
    with psycopg.connect(warehouse_url) as conn:
        assert load_prices(conn).price_version == 2

    def fire(engine: str) -> list[dict]:
        monkeypatch.setenv("LLMCOSTS_WAREHOUSE", engine)
        with psycopg.connect(warehouse_url) as conn, conn.transaction():
            ctx = RuleContext(conn=conn, as_of=as_of, settings=get_alert_settings())
            return [(alert.subject, alert.message, alert.details, alert.row) for alert in PRICE_LIST_CHANGE.evaluate(ctx)]

    on_postgres = fire("postgres")
    on_spark = fire("spark")
    assert [subject for subject, *_ in on_postgres] == ["v2:openai/gpt-acme-1", "v2:openai/gpt-acme-2"]
    acme_1 = on_postgres[0][3]
    assert acme_1["calls_30d"] == 2
    # per call: uncached input at the input price, cache reads and writes at theirs (writes: input)
    old_cost = (Decimal(6_000 * 2 + 4_000 * 0.5 + 1_000 * 8) + Decimal(233 * 2 + 100 * 2 + 77 * 8)) / 1_000_000
    assert acme_1["old_cost_30d"] == old_cost
    assert on_spark == on_postgres
