"""The pricing Dagster assets materialized against the real Postgres, and the CLI's arguments."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

import dagster as dg
import psycopg

from orchestration.cli_pricing import register, reprice_run_config
from orchestration.defs.pricing import llm_call_costs, model_prices
from tests.pricing.pricing_helpers import insert_call


def _meta(result, key):
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_model_prices_then_llm_call_costs(migrated_warehouse):
    with psycopg.connect(migrated_warehouse) as conn:
        insert_call(conn, "a", datetime(2026, 4, 2, 10, tzinfo=UTC), "gpt-4o-mini")
        insert_call(conn, "b", datetime(2026, 5, 2, 10, tzinfo=UTC), "gpt-4o-mini")
    run_config = reprice_run_config(date(2026, 4, 1), date(2026, 6, 1))
    first = dg.materialize([model_prices, llm_call_costs], run_config=run_config)
    assert _meta(first, "model_prices")["new_version"] is True
    costs = _meta(first, "llm_call_costs")
    assert costs["rows_changed"] == 2
    assert (costs["changed_from"], costs["changed_to"]) == ("2026-04-01", "2026-06-01")
    again = dg.materialize([model_prices, llm_call_costs], run_config=run_config)
    assert _meta(again, "model_prices")["new_version"] is False
    assert _meta(again, "llm_call_costs")["rows_changed"] == 0
    with psycopg.connect(migrated_warehouse) as conn:
        assert {r[0] for r in conn.execute("select cost_source from raw.llm_calls")} == {"price_table"}


def test_cli_subcommands_parse():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reprice", "--since", "2026-04-01", "--no-build"])
    assert args.since == date(2026, 4, 1) and args.no_build and callable(args.func)
    args = parser.parse_args(["whatif", "--model", "gpt-4o-mini", "--feature", "search"])
    assert (args.model, args.feature) == ("gpt-4o-mini", "search")
    assert reprice_run_config(None, None) == {"ops": {"llm_call_costs": {"config": {}}}}
