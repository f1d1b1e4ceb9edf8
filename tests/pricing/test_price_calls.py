"""The price table at the call's ts, overrides, cache-aware costs, unpriced calls and re-pricing,
against a real Postgres with the real genai-prices data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest

from ingestion.pricing.price_table import load_prices, override_rows
from ingestion.pricing.repricing import price_window, reprice
from llmcosts_core.settings import ConfigError
from tests.pricing.pricing_helpers import CUT, costs, insert_call, mtok, write_overrides

JAN = datetime(2026, 1, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)



@pytest.fixture
def conn(migrated_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "overrides.yml", CUT)))
    with psycopg.connect(migrated_warehouse) as connection:
        yield connection


def _price_all(conn) -> int:
    with conn.transaction():
        return price_window(conn, JAN, MAY)


def test_a_call_the_day_before_a_price_cut_pays_the_old_price(conn):
    load_prices(conn)
    insert_call(conn, "before", datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), "gpt-acme-1", input_tokens=1000,
                output_tokens=100)
    insert_call(conn, "at", datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "gpt-acme-1", input_tokens=1000,
                output_tokens=100)
    insert_call(conn, "too-early", datetime(2025, 12, 31, 12, tzinfo=UTC), "gpt-acme-1")
    conn.commit()
    with conn.transaction():
        price_window(conn, datetime(2025, 12, 1, tzinfo=UTC), MAY)
    rows = costs(conn)
    assert rows["before"][1] == mtok(1000, "2") + mtok(100, "8")
    assert rows["at"][1] == mtok(1000, "1") + mtok(100, "4")
    assert rows["before"][3] == rows["at"][3] == "price_table"
    assert rows["too-early"][1:4] == (None, None, "unpriced")  # no price before the first override


def test_override_wins_over_genai_prices(conn, tmp_path, monkeypatch):
    override = {"provider": "openai", "model": "gpt-4o-mini", "effective_from": "2026-02-01",
                "input_per_mtok": 0.10, "output_per_mtok": 0.40}
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "o.yml", [override])))
    load_prices(conn)
    insert_call(conn, "list", datetime(2026, 1, 15, tzinfo=UTC), "gpt-4o-mini", input_tokens=10_000,
                output_tokens=1000)
    insert_call(conn, "negotiated", datetime(2026, 2, 15, tzinfo=UTC), "gpt-4o-mini-2024-07-18",
                input_tokens=10_000, output_tokens=1000)
    conn.commit()
    _price_all(conn)
    rows = costs(conn)
    assert rows["list"][1] == mtok(10_000, "0.15") + mtok(1000, "0.6")  # genai-prices list price
    # "gpt-4o-mini" as a glob matches the exact name only: the dated name keeps the list price
    assert rows["negotiated"][1] == mtok(10_000, "0.15") + mtok(1000, "0.6")
    insert_call(conn, "exact", datetime(2026, 2, 16, tzinfo=UTC), "GPT-4o-mini", input_tokens=10_000,
                output_tokens=1000)
    conn.commit()
    _price_all(conn)
    assert costs(conn)["exact"][1] == mtok(10_000, "0.10") + mtok(1000, "0.40")


def test_cache_read_and_write_tokens_are_priced_at_their_rates(conn):
    load_prices(conn)
    # input_tokens includes the cache read and write tokens (the ingestion mapping's contract)
    insert_call(conn, "oa", datetime(2026, 4, 2, tzinfo=UTC), "gpt-4o", input_tokens=3000, cache_read=2048,
                output_tokens=200)
    insert_call(conn, "an", datetime(2026, 4, 2, tzinfo=UTC), "claude-3-5-haiku-20241022", input_tokens=5000,
                cache_read=3000, cache_write=1000, output_tokens=300)
    conn.commit()
    _price_all(conn)
    rows = costs(conn)
    assert rows["oa"][1] == mtok(952, "2.5") + mtok(2048, "1.25") + mtok(200, "10")
    assert rows["an"][1] == mtok(1000, "0.8") + mtok(3000, "0.08") + mtok(1000, "1") + mtok(300, "4")


def test_unknown_model_stays_unpriced_and_reported_cost_wins(conn):
    load_prices(conn)
    insert_call(conn, "unknown", datetime(2026, 4, 3, tzinfo=UTC), "ft:gpt-4o-mini:acme:triage")
    insert_call(conn, "mystery", datetime(2026, 4, 3, tzinfo=UTC), "some-inhouse-model")
    insert_call(conn, "reported", datetime(2026, 4, 3, tzinfo=UTC), "gpt-4o", input_tokens=1000,
                output_tokens=100, reported=Decimal("0.0040"))
    conn.commit()
    _price_all(conn)
    rows = costs(conn)
    for oid in ("unknown", "mystery"):
        assert rows[oid] == (None, None, None, "unpriced", None)
    reported, computed, cost, source, version = rows["reported"]
    assert (cost, source) == (Decimal("0.0040"), "langfuse")
    assert computed == mtok(1000, "2.5") + mtok(100, "10") and version == 1


def test_repricing_twice_changes_nothing_the_second_time(conn, tmp_path, monkeypatch):
    load_prices(conn)
    for day in range(1, 6):
        insert_call(conn, f"c{day}", datetime(2026, 3, day, 12, tzinfo=UTC), "gpt-acme-2", input_tokens=2000,
                    output_tokens=100)
    conn.commit()
    first = reprice(conn)
    assert first.rows_changed == 5 and first.changed_days[0] == datetime(2026, 3, 1).date()
    before = costs(conn)
    second = reprice(conn)
    assert second.rows_changed == 0 and second.changed_days is None
    assert costs(conn) == before

    # a new override is a new price version; re-pricing moves every call once, then again nothing
    cheaper = [*CUT, {"provider": "openai", "model": "gpt-acme-*", "effective_from": "2026-03-03",
                      "input_per_mtok": 0.5, "output_per_mtok": 2.0}]
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "v2.yml", cheaper)))
    assert load_prices(conn).price_version == 2
    assert load_prices(conn).created is False  # same content: no new version
    third = reprice(conn, since=datetime(2026, 3, 1, tzinfo=UTC))
    assert third.rows_changed == 5  # all five get price_version 2; three get a lower cost too
    after = costs(conn)
    assert [after[f"c{d}"][1] for d in (1, 2)] == [before[f"c{d}"][1] for d in (1, 2)]
    assert all(after[f"c{d}"][1] == mtok(2000, "0.5") + mtok(100, "2") for d in (3, 4, 5))
    assert reprice(conn).rows_changed == 0
    versions = conn.execute("select price_version, count(*) from raw.model_prices group by 1 order by 1").fetchall()
    assert [v for v, _ in versions] == [1, 2]  # version 1 kept, never overwritten


def test_overrides_file_is_validated(tmp_path):
    bad = write_overrides(tmp_path / "bad.yml", [{"provider": "acme", "model": "x", "effective_from": "2026-01-01",
                                                  "input_per_mtok": 1, "output_per_mtok": 1}])
    with pytest.raises(ConfigError, match="provider"):
        override_rows(bad)
    dates = write_overrides(tmp_path / "d.yml", [{"provider": "openai", "model": "x", "effective_from": "2026-02-01",
                                                  "effective_to": "2026-01-01", "input_per_mtok": 1,
                                                  "output_per_mtok": 1}])
    with pytest.raises(ConfigError, match="effective_to"):
        override_rows(dates)
    rows = override_rows(write_overrides(tmp_path / "ok.yml", CUT))
    assert rows[0].valid_to == rows[1].valid_from == datetime(2026, 3, 1, tzinfo=UTC)
    assert rows[1].valid_to is None
