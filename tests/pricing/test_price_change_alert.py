"""The list-price change alert: fires for a model the team uses when a new price version changes
its price, with the monthly impact at current volume, and only once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest

from alerts import alert_log
from alerts.config import get_alert_settings
from alerts.engine import RuleContext
from alerts.rules_pricing import PRICE_LIST_CHANGE
from ingestion.pricing.price_table import load_prices
from tests.pricing.pricing_helpers import insert_call, mtok, write_overrides

AS_OF = date(2026, 5, 20)
OLD = {"provider": "openai", "model": "gpt-acme-*", "effective_from": "2026-01-01",
       "input_per_mtok": 2.0, "output_per_mtok": 8.0}


@pytest.fixture
def conn(migrated_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "v1.yml", [OLD])))
    with psycopg.connect(migrated_warehouse) as connection:
        load_prices(connection)
        for i in range(4):
            insert_call(connection, f"c{i}", datetime(2026, 5, 1 + i, tzinfo=UTC), "gpt-acme-1",
                        input_tokens=10_000, output_tokens=1_000)
        insert_call(connection, "old", datetime(2026, 4, 1, tzinfo=UTC), "gpt-acme-1")  # not in the 30 days
        connection.commit()
        yield connection


def _fire(conn):
    ctx = RuleContext(conn=conn, as_of=AS_OF, settings=get_alert_settings())
    with conn.transaction():
        return PRICE_LIST_CHANGE.evaluate(ctx)


def test_a_list_price_change_is_posted_once_with_its_monthly_impact(conn, tmp_path, monkeypatch):
    assert _fire(conn) == []  # one version only: nothing changed
    unrelated = {"provider": "anthropic", "model": "claude-unused", "effective_from": "2026-01-01",
                 "input_per_mtok": 1, "output_per_mtok": 1}
    new = {**OLD, "input_per_mtok": 1.0, "output_per_mtok": 4.0}
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "v2.yml", [new, unrelated])))
    assert load_prices(conn).price_version == 2
    [alert] = _fire(conn)
    impact = 4 * (mtok(10_000, "1") + mtok(1_000, "4") - mtok(10_000, "2") - mtok(1_000, "8"))
    assert alert.subject == "v2:openai/gpt-acme-1"
    assert alert.row["calls_30d"] == 4
    assert alert.row["new_cost_30d"] - alert.row["old_cost_30d"] == impact
    assert impact == Decimal("-0.056") and "-$0.06 a month" in alert.message

    with conn.transaction():
        alert_log.ensure_schema(conn)
        alert_log.record(conn, [alert], "slack")
    assert _fire(conn) == []  # already in the log: not posted again, not tomorrow either
