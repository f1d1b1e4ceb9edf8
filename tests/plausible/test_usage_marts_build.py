"""dbt build with product usage loaded from a CSV: marts.feature_cost_per_use and marts.kill_review
compared with the same numbers computed in Python; then usage removed, the two marts rebuilt, and
the kill review falls back to calls. (The hand-checked small cases are dbt unit tests in the
models' .yml files; they run, and must pass, inside this build.)"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
from dbt_synthetic_calls import UNTAGGED, generate_calls, insert_calls, label  # noqa: E402
from dbt_warehouse_helpers import query, scratch_database  # noqa: E402

from ingestion.plausible.loader import load_feature_usage  # noqa: E402

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)
FEB = (date(2026, 2, 1), date(2026, 3, 1))
USED = {"search": 40, "summarize": 25, "chat": 30, "translate": 6, "onboarding_tips": 3}  # events a day


def usage_rows() -> list[tuple[date, str, int, int]]:
    rows = []
    day = date(2026, 1, 10)
    while day <= AS_OF:  # as_of itself is loaded and must not count
        for feature, base in USED.items():
            events = base + day.day % 5
            rows.append((day, feature, events, max(1, events // 3)))
        day += timedelta(days=1)
    return rows


def ratio(value) -> object:
    return pytest.approx(float(value), rel=1e-9)


def build(selection=None):
    from orchestration.defs.dbt import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    return dg.materialize(
        [llmcosts_dbt_models], selection=selection, resources={"dbt": dbt_cli_resource()},
        run_config=dbt_run_config(AS_OF.isoformat()), instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False)


@pytest.fixture(scope="module")
def warehouse(pg_admin_url, tmp_path_factory):
    with scratch_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        for key in ("PLAUSIBLE_API_KEY", "PLAUSIBLE_SITE_ID"):
            patch.delenv(key, raising=False)
        calls = generate_calls(AS_OF, days=45, per_day=80)
        insert_calls(url, calls)
        csv_path = tmp_path_factory.mktemp("usage") / "usage.csv"
        csv_path.write_text("day,feature,events,visitors\n" + "".join(
            f"{d.isoformat()},{f},{e},{v}\n" for d, f, e, v in usage_rows()))
        patch.setenv("LLMCOSTS_FEATURE_USAGE_CSV", str(csv_path))
        with psycopg.connect(url) as conn:
            assert load_feature_usage(conn).source == "csv"
        result = build()
        yield {"url": url, "calls": calls, "result": result}


def cost_and_calls(calls, start: date, end: date) -> dict:
    totals: dict = defaultdict(lambda: [Decimal(0), 0])
    for call in calls:
        day = call["ts"].astimezone(UTC).date()
        if start <= day < end and label(call["feature"]) != UNTAGGED:
            totals[call["feature"]][0] += call["cost_usd"] or Decimal(0)
            totals[call["feature"]][1] += 1
    return dict(totals)


def events_in(start: date, end: date) -> dict:
    totals: dict = defaultdict(lambda: [0, 0])
    for day, feature, events, visitors in usage_rows():
        if start <= day < end:
            totals[feature][0] += events
            totals[feature][1] += visitors
    return dict(totals)


def bottom_quartile(measure: dict, costs: dict) -> list[str]:
    ranked = sorted(costs, key=lambda f: (measure.get(f, 0), -costs[f][0], f))
    return ranked[: -(-len(ranked) // 4)]


def test_build_passes_every_check_and_unit_test(warehouse):
    result = warehouse["result"]
    assert result.success
    failed = [(c.asset_key.to_user_string(), c.check_name) for c in result.get_asset_check_evaluations()
              if not c.passed]
    assert failed == []
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"marts/feature_cost_per_use", "marts/kill_review", "staging/stg_plausible__feature_usage"} <= materialized


def test_kill_review_ranks_by_product_events(warehouse):
    costs = cost_and_calls(warehouse["calls"], *FEB)
    usage = events_in(*FEB)
    uses = {f: usage.get(f, [0, 0])[0] for f in costs}
    expected = bottom_quartile(uses, costs)
    rows = {r["feature"]: r for r in query(warehouse["url"], "select * from marts.kill_review")}
    assert set(rows) == set(expected)
    assert "legacy_export" in rows  # costs money, no usage at all
    for feature, row in rows.items():
        assert (row["month"], row["usage_source"]) == (FEB[0], "csv")
        assert (row["cost_usd"], row["calls"]) == (costs[feature][0], costs[feature][1])
        assert row["uses"] == row["events"] == uses[feature]
        assert row["usage_tracked"] is (feature in usage)
        assert row["cost_per_use"] == (ratio(costs[feature][0] / uses[feature]) if uses[feature] else None)


def test_feature_cost_per_use_matches_python(warehouse):
    rows = {(r["feature"], r["time_window"]): r for r in query(warehouse["url"], "select * from marts.feature_cost_per_use")}
    for name, days in (("7d", 7), ("30d", 30)):
        start, prev_start = AS_OF - timedelta(days=days), AS_OF - timedelta(days=2 * days)
        costs, usage = cost_and_calls(warehouse["calls"], start, AS_OF), events_in(start, AS_OF)
        prev_costs, prev_usage = cost_and_calls(warehouse["calls"], prev_start, start), events_in(prev_start, start)
        features = set(costs) | set(usage)
        assert {f for f, w in rows if w == name} == features
        for feature in features:
            row = rows[(feature, name)]
            cost, calls = costs.get(feature, [Decimal(0), 0])
            events, visitors = usage.get(feature, [0, 0])
            prev_cost = prev_costs.get(feature, [Decimal(0), 0])[0]
            prev_events = prev_usage.get(feature, [0, 0])[0]
            assert row["usage_source"] == "csv"
            assert (row["cost_usd"], row["calls"], row["events"], row["visitors"], row["uses"]) == (
                cost, calls, events, visitors, events)
            assert (row["prev_cost_usd"], row["prev_uses"]) == (prev_cost, prev_events)
            assert row["cost_per_use"] == (ratio(cost / events) if events else None)
            assert row["cost_per_visitor"] == (ratio(cost / visitors) if visitors else None)
            if events and prev_events and prev_cost:
                change = (cost / events) / (prev_cost / prev_events) - 1
                assert row["cost_per_use_change_pct"] == pytest.approx(float(change), rel=1e-6)
            else:
                assert row["cost_per_use_change_pct"] is None


def test_without_usage_the_marts_fall_back_to_calls(warehouse):
    url = warehouse["url"]
    with psycopg.connect(url) as conn:
        conn.execute("delete from raw.feature_usage")
    result = build(selection=[dg.AssetKey(["marts", "kill_review"]), dg.AssetKey(["marts", "feature_cost_per_use"])])
    assert result.success
    costs = cost_and_calls(warehouse["calls"], *FEB)
    expected = bottom_quartile({f: c[1] for f, c in costs.items()}, costs)
    rows = {r["feature"]: r for r in query(url, "select * from marts.kill_review")}
    assert set(rows) == set(expected)
    for feature, row in rows.items():
        assert row["usage_source"] == "calls" and row["uses"] == row["calls"] == costs[feature][1]
        assert row["events"] is None and row["usage_tracked"] is None
    sources = query(url, "select distinct usage_source, count(events) as with_events from marts.feature_cost_per_use "
                         "group by 1")
    assert sources == [{"usage_source": "calls", "with_events": 0}]
