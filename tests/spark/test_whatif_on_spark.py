"""`llmcosts whatif` on the Spark warehouse: the 30 days of calls are summed on the lake and priced
by the same SQL as on Postgres, so both answer the same (window edges, a feature filter, an
unpriced call, cache tokens, more cache tokens than input)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
from quality_helpers import call, insert_calls  # noqa: E402

from tests.spark.raw_tables import write_spark_calls  # noqa: E402

AS_OF = date(2026, 5, 2)
START = datetime(2026, 4, 2, tzinfo=UTC)


def _calls() -> list[dict]:
    return [
        call("s1", START, feature="search", input_tokens=10_000, output_tokens=1_000, cache_read_tokens=4_000,
             cost_usd=Decimal("0.05")),
        call("s2", datetime(2026, 5, 1, 23, 59, tzinfo=UTC), feature="search", input_tokens=10,
             output_tokens=5, cache_read_tokens=50, cost_usd=Decimal("0.001")),
        call("s-unpriced", datetime(2026, 4, 20, tzinfo=UTC), feature="search", cost_usd=None,
             cost_source="unpriced"),
        call("chat", datetime(2026, 4, 21, tzinfo=UTC), feature="chat", input_tokens=777, output_tokens=33,
             cache_write_tokens=100, cost_usd=Decimal("0.0042")),
        call("before", START - timedelta(microseconds=1), feature="search", cost_usd=Decimal("9")),
        call("at-as-of", datetime(2026, 5, 2, tzinfo=UTC), feature="search", cost_usd=Decimal("9")),
    ]


def test_whatif_on_spark_matches_postgres(spark_warehouse, warehouse_url, monkeypatch):
    from ingestion.pricing.price_table import load_prices
    from ingestion.pricing.whatif import whatif
    from ingestion.schema import migrate

    with psycopg.connect(warehouse_url) as conn:
        migrate(conn)
        load_prices(conn)
    insert_calls(warehouse_url, _calls())
    write_spark_calls(_calls())

    answers = {}
    for engine in ("postgres", "spark"):
        monkeypatch.setenv("LLMCOSTS_WAREHOUSE", engine)
        with psycopg.connect(warehouse_url) as conn:
            answers[engine] = [asdict(whatif(conn, "gpt-4o-mini", feature=feature, as_of=AS_OF))
                               for feature in ("search", None)]
    search, everything = answers["postgres"]
    assert (search["calls"], search["priced_calls"], search["unpriced_calls"]) == (3, 2, 1)
    assert search["current_cost_usd"] == Decimal("0.051")
    assert search["projected_cost_usd"] > 0 and search["priced_as"]
    assert (everything["calls"], everything["priced_calls"]) == (4, 3)
    assert answers["spark"] == answers["postgres"]
