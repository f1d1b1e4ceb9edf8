"""fct_llm_costs_daily is incremental by day: a rebuild touches only the lookback (or the explicit
[min_date, max_date) window), picks up late rows there, and leaves older days alone."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from dbt_synthetic_calls import generate_calls, insert_calls, make_call, utc_midnight
from dbt_warehouse_helpers import query

pytestmark = pytest.mark.slow

D = date(2026, 3, 10)


def run_fact(dbt_vars: dict) -> None:
    from orchestration.defs.dbt.project import dbt_run_environ
    from orchestration.defs.dbt.resources import dbt_cli_resource
    from orchestration.lib.environ import patched_environ

    # `run` (no tests) of the fact and its upstream views: the incremental logic is what is tested.
    with patched_environ(dbt_run_environ()):
        dbt_cli_resource().cli(
            ["run", "--select", "+fct_llm_costs_daily", "--vars", json.dumps(dbt_vars)]
        ).wait()


def day_cost(url: str) -> dict:
    return {
        row["day"]: (row["cost"], row["calls"], row["as_of"])
        for row in query(url, "select day, sum(cost_usd) as cost, sum(calls) as calls, max(as_of) as as_of "
                              "from marts.fct_llm_costs_daily group by day")
    }


def test_late_rows_inside_lookback_are_picked_up_and_older_days_need_a_window(module_database):
    from orchestration.defs.dbt.assets import build_dbt_vars

    url = module_database
    insert_calls(url, generate_calls(D, days=20, per_day=20, seed=3))
    run_fact(build_dbt_vars(D))  # first run: the whole history
    before = day_cost(url)
    assert set(before) >= {D - timedelta(days=d) for d in range(1, 21)}
    assert {as_of for _, _, as_of in before.values()} == {D}

    rng = random.Random(5)
    late = make_call(rng, utc_midnight(D - timedelta(days=2)) + timedelta(hours=5), 900_001,
                     cost_usd=Decimal("7.000000"), cost_source="price_table")
    too_late = make_call(rng, utc_midnight(D - timedelta(days=10)) + timedelta(hours=5), 900_002,
                         cost_usd=Decimal("11.000000"), cost_source="price_table")
    insert_calls(url, [late, too_late])
    # A row that vanished upstream inside the window must vanish from the fact too.
    with psycopg.connect(url) as conn:
        (gone_cost,) = conn.execute(
            "delete from raw.llm_calls where observation_id = (select min(observation_id) from raw.llm_calls "
            "where ts >= %s and ts < %s) returning coalesce(cost_usd, 0)",
            (utc_midnight(D - timedelta(days=1)), utc_midnight(D)),
        ).fetchone()

    # Next day's run: lookback 3 days rebuilds [D+1 - 3, D+2) = [D-2, D+2).
    run_fact(build_dbt_vars(D + timedelta(days=1)))
    after = day_cost(url)
    assert after[D - timedelta(days=2)][0] == before[D - timedelta(days=2)][0] + Decimal(7)
    assert after[D - timedelta(days=1)][0] == before[D - timedelta(days=1)][0] - gone_cost
    assert after[D - timedelta(days=10)] == before[D - timedelta(days=10)]  # outside the lookback
    # Only the window's days were rewritten: older days still carry the first run's as_of.
    rewritten = {day for day, (_, _, as_of) in after.items() if as_of == D + timedelta(days=1)}
    assert rewritten == {day for day in after if day >= D - timedelta(days=2)}

    # An explicit half-open window [D-10, D-9) backfills that one day, and only it.
    run_fact(build_dbt_vars(D + timedelta(days=1), D - timedelta(days=10), D - timedelta(days=9)))
    backfilled = day_cost(url)
    assert backfilled[D - timedelta(days=10)][0] == before[D - timedelta(days=10)][0] + Decimal(11)
    assert backfilled[D - timedelta(days=11)] == after[D - timedelta(days=11)]
    assert backfilled[D - timedelta(days=9)] == after[D - timedelta(days=9)]

    (totals,) = query(url, "select (select sum(coalesce(cost_usd, 0)) from raw.llm_calls) as raw_cost, "
                           "(select sum(cost_usd) from marts.fct_llm_costs_daily) as fact_cost")
    assert totals["raw_cost"] == totals["fact_cost"]
