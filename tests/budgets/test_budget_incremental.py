"""int_budget_calls_daily is incremental: a daily build reads only the rebuilt days' calls (so its
cost follows the new days, not the history), a min_date/max_date build repairs older days, and a
budgets file that names another tenant key re-reads every call instead of leaving old days read
with the old key."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest
from budget_synthetic import BUDGETS_YAML, Call, generate, insert, query, scratch_database

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)
OLD_DAY = date(2026, 3, 2)  # outside the default rebuild window [as_of - 3 days, as_of + 1 day)
NEW_DAY = date(2026, 3, 14)


def dbt_build(as_of: date, min_date: date | None = None, max_date: date | None = None) -> None:
    """The budget models and their upstream, with the vars a Dagster build passes."""
    from orchestration.defs.dbt.assets import build_dbt_vars
    from orchestration.defs.dbt.project import dbt_run_environ
    from orchestration.defs.dbt.resources import dbt_cli_resource
    from orchestration.lib.environ import patched_environ

    dbt_vars = build_dbt_vars(as_of, min_date, max_date)
    with patched_environ(dbt_run_environ()):
        dbt_cli_resource().cli(["build", "--select", "+int_budget_spend_daily", "--vars", json.dumps(dbt_vars)]).wait()


def spend_by_day_and_tenant(url: str) -> dict[tuple[date, str], Decimal]:
    rows = query(url, "select day, tenant, sum(cost_usd) as cost from intermediate.int_budget_spend_daily "
                      "group by day, tenant")
    return {(r["day"], r["tenant"]): r["cost"] for r in rows}


def load_budgets(yaml_text: str, path) -> None:
    from orchestration.defs.budgets import budgets

    path.write_text(yaml_text)
    assert dg.materialize([budgets]).success


@pytest.fixture
def warehouse(pg_admin_url, tmp_path):
    budgets_file = tmp_path / "budgets.yml"
    with scratch_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("LLMCOSTS_BUDGETS_FILE", str(budgets_file))
        insert(url, generate())
        load_budgets(BUDGETS_YAML, budgets_file)
        dbt_build(AS_OF)  # the first build reads every call
        yield url, budgets_file


def late_call(observation_id: str, day: date, tenant: str) -> Call:
    return Call(observation_id, datetime(day.year, day.month, day.day, 9, tzinfo=UTC), "u_pro", "search", "gpt-4o",
                Decimal("7"), tenant)


def test_a_daily_build_reads_only_the_rebuilt_days_and_a_window_build_repairs_older_ones(warehouse):
    url, _ = warehouse
    before = spend_by_day_and_tenant(url)
    insert(url, [late_call("late-new", NEW_DAY, "initech"), late_call("late-old", OLD_DAY, "initech")], app_users=[])

    dbt_build(AS_OF)
    after = spend_by_day_and_tenant(url)
    assert after[(NEW_DAY, "initech")] == Decimal("7")
    assert (OLD_DAY, "initech") not in after  # not re-read: the daily build's cost follows the new days
    assert {k: v for k, v in after.items() if k[1] != "initech"} == before

    dbt_build(AS_OF, min_date=OLD_DAY, max_date=OLD_DAY + timedelta(days=1))
    repaired = spend_by_day_and_tenant(url)
    assert repaired[(OLD_DAY, "initech")] == Decimal("7")
    assert repaired[(NEW_DAY, "initech")] == Decimal("7")
    assert {k: v for k, v in repaired.items() if k[1] != "initech"} == before


def test_another_tenant_key_rereads_every_day(warehouse):
    url, budgets_file = warehouse
    before = spend_by_day_and_tenant(url)
    assert before[(OLD_DAY, "acme")] > 0

    # The calls carry their tenant under "tenant"; the file now names "org", which no call has.
    load_budgets(BUDGETS_YAML.replace("tenant_key: tenant", "tenant_key: org"), budgets_file)
    dbt_build(AS_OF)
    after = spend_by_day_and_tenant(url)
    assert {tenant for _, tenant in after} == {"(untagged)"}
    # nothing lost or counted twice: each day's total is what it was
    totals_before, totals_after = {}, {}
    for (day, _), cost in before.items():
        totals_before[day] = totals_before.get(day, 0) + cost
    for (day, _), cost in after.items():
        totals_after[day] = totals_after.get(day, 0) + cost
    assert totals_after == totals_before

    rows = query(url, "select distinct tenant_key from intermediate.int_budget_calls_daily")
    assert [r["tenant_key"] for r in rows] == ["org"]
