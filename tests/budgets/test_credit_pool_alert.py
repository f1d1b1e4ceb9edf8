"""Prepaid credit pools: warned once when under 10% is left, and again only after a new top-up."""

from datetime import date

import psycopg
import pytest

from alerts import run_alerts
from alerts.alert_log import ensure_schema

AS_OF = date(2026, 11, 20)


@pytest.fixture
def conn(migrated_warehouse, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/never-called")
    with psycopg.connect(migrated_warehouse) as conn:
        ensure_schema(conn)
        # Shaped like dbt_project/models/marts/budgets/credit_pool_balances.sql.
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.credit_pool_balances (pool_scope text, pool_member text, topped_up_usd numeric, "
            "spent_usd numeric, balance_usd numeric, share_left float8, low_balance boolean, "
            "first_topup_day date, last_topup_at timestamptz, as_of date)"
        )
        conn.execute(
            "insert into marts.credit_pool_balances values "
            "('tenant', 'acme', 100, 95, 5, 0.05, true, '2026-11-01', '2026-11-01 09:00+00', %(d)s), "
            "('tenant', 'globex', 100, 50, 50, 0.5, false, '2026-11-01', '2026-11-01 09:00+00', %(d)s)",
            {"d": AS_OF},
        )
        conn.commit()
        yield conn


def _pool_alerts(result):
    return [a for a in result.fired.get("credit_pool_low", [])]


def test_low_pool_fires_once_and_again_after_a_new_topup(conn):
    first = run_alerts(conn, AS_OF, dry_run=True)
    assert [a.subject.split("|")[1] for a in _pool_alerts(first)] == ["acme"]
    assert "acme" in first.payload_text and "5% left" in first.payload_text

    run_alerts(conn, AS_OF)  # records it (the webhook is unreachable: it stays pending, not lost)
    assert _pool_alerts(run_alerts(conn, AS_OF, dry_run=True)) == []  # already recorded: not again

    conn.execute("update marts.credit_pool_balances set last_topup_at = '2026-11-15 10:00+00' "
                 "where pool_member = 'acme'")
    conn.commit()
    assert [a.subject.split("|")[1] for a in _pool_alerts(run_alerts(conn, AS_OF, dry_run=True))] == ["acme"]
