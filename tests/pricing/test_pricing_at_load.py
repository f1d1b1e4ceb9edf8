"""The loader prices each page as it writes it: the same costs `llmcosts reprice` computes, price
changes inside the window honoured, Langfuse's reported cost winning, unknown models unpriced.
Real SDK over HTTP to the local Langfuse server, real Postgres, real genai-prices data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest

from ingestion.langfuse_source import LangfuseSource
from ingestion.loader import load_window
from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.pricing.price_table import load_prices
from ingestion.pricing.repricing import price_window
from llmcosts_core.settings import IngestSettings, LangfuseProject, Secret
from tests.pricing.pricing_helpers import CUT, costs, mtok, write_overrides

START = datetime(2025, 12, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


def _generation(oid: str, start: str, model: str, *, cost: float | None = None, cache_read: int = 0) -> dict:
    usage = {"input": 1000 - cache_read, "output": 100}
    if cache_read:
        usage["input_cached_tokens"] = cache_read
    return {
        "id": oid, "traceId": "t-" + oid, "projectId": "pricing", "type": "GENERATION", "startTime": start,
        "endTime": start, "model": model, "usageDetails": usage, "totalCost": cost,
        "metadata": {"feature": "search"}, "level": "DEFAULT", "environment": "production",
    }


OBSERVATIONS = [
    _generation("too-early", "2025-12-31T12:00:00.000Z", "gpt-acme-1"),  # before the first price
    _generation("before", "2026-02-28T23:59:59.999Z", "gpt-acme-1"),  # the last instant of the old price
    _generation("at", "2026-03-01T00:00:00.000Z", "gpt-acme-1"),  # the first instant of the new one
    _generation("cached", "2026-03-02T00:00:00.000Z", "gpt-acme-1", cache_read=400),
    _generation("reported", "2026-03-03T00:00:00.000Z", "gpt-acme-1", cost=0.5),
    _generation("unknown", "2026-03-04T00:00:00.000Z", "no-such-model-7"),
]


@pytest.fixture
def loaded(migrated_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "overrides.yml", CUT)))
    with LocalLangfuseServer(OBSERVATIONS, public_key="pk", secret_key="sk", project_id="pricing") as server, \
            psycopg.connect(migrated_warehouse) as conn:
        load_prices(conn)
        conn.commit()
        # two observations per page: the price periods cached by the first pages serve the later ones
        source = LangfuseSource(LangfuseProject("pk", Secret("sk"), server.base_url), IngestSettings(page_limit=2))
        first = load_window(conn, source, START, END, run_id="price-at-load-1")
        yield conn, source, first


def test_each_call_is_priced_at_its_own_ts_as_it_loads(loaded):
    conn, _, first = loaded
    # three pages of generations, then the (empty) embeddings pass
    assert first.rows_upserted == len(OBSERVATIONS) and first.pages == 4
    rows = costs(conn)
    version = conn.execute("select raw.current_price_version()").fetchone()[0]
    old, new = mtok(1000, "2") + mtok(100, "8"), mtok(1000, "1") + mtok(100, "4")
    assert rows["before"][1:] == (old, old, "price_table", version)
    assert rows["at"][1:] == (new, new, "price_table", version)
    cached = mtok(600, "1") + mtok(400, "0.25") + mtok(100, "4")
    assert rows["cached"][1:] == (cached, cached, "price_table", version)
    # Langfuse's own cost wins; the price table's figure is kept beside it
    assert rows["reported"][:4] == (Decimal("0.5"), new, Decimal("0.5"), "langfuse")
    assert rows["too-early"][1:4] == (None, None, "unpriced")
    assert rows["unknown"][1:4] == (None, None, "unpriced")


def test_repricing_after_a_load_finds_nothing_to_change(loaded):
    conn, _, _ = loaded
    with conn.transaction():
        assert price_window(conn, START, END) == 0


def test_a_second_load_of_the_same_window_rewrites_nothing(loaded):
    conn, source, _ = loaded
    before = conn.execute("select observation_id, ingested_at from raw.llm_calls order by 1").fetchall()
    conn.commit()
    again = load_window(conn, source, START, END, run_id="price-at-load-2")
    assert again.rows_changed == 0
    assert conn.execute("select observation_id, ingested_at from raw.llm_calls order by 1").fetchall() == before


def test_the_loaders_cost_rule_gives_raw_call_cost_for_every_price(migrated_warehouse):
    """The loader prices in Python (ingestion/pricing/at_load.py) what `llmcosts reprice` prices in
    SQL (raw.call_cost): every distinct price in the real table, with awkward token counts."""
    from ingestion.pricing.at_load import call_cost

    with psycopg.connect(migrated_warehouse) as conn:
        load_prices(conn)
        prices = conn.execute("select distinct input_per_mtok, output_per_mtok, cache_read_per_mtok, "
                              "cache_write_per_mtok from raw.model_prices").fetchall()
        prices += [(None, Decimal(2), None, None), (Decimal("0.15"), None, Decimal("0.01"), None),
                   (Decimal("0.0000000001"), Decimal("0.00000000005"), None, Decimal("1e-11"))]
        tokens = [(0, 0, 0, 0), (1000, 100, 0, 0), (1000, 100, 400, 100), (10, 3, 50, 0),
                  (123_456_789, 987_654, 1_234, 567), (1, 1, 0, 1), (3, 7, 1, 1)]
        combos = [(*t, *p) for t in tokens for p in prices]
        columns = list(zip(*combos, strict=True))
        in_sql = [cost for (cost,) in conn.execute(
            "select raw.call_cost(a, b, c, d, e, f, g, h) from unnest(%s::bigint[], %s::bigint[], %s::bigint[], "
            "%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[]) with ordinality "
            "as u(a, b, c, d, e, f, g, h, n) order by n", [list(c) for c in columns])]
    in_python = [call_cost(*combo) for combo in combos]
    assert len(prices) > 50 and any(cost is None for cost in in_python)
    assert in_python == in_sql and [str(c) for c in in_python] == [str(c) for c in in_sql]
