"""`dbt build` on a generated dataset, through the Dagster dbt assets, against real Postgres; every
contract mart is compared with the same numbers computed independently in Python."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal

import dagster as dg
import pytest
from dbt_synthetic_calls import (
    UNTAGGED,
    Expected,
    generate_app_users,
    generate_calls,
    insert_app_users,
    insert_calls,
    label,
)
from dbt_warehouse_helpers import Stopwatch, query

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)


@pytest.fixture(scope="module")
def built(module_database):
    from orchestration.defs.dbt import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    calls = generate_calls(AS_OF)
    app_users = generate_app_users(AS_OF)
    insert_calls(module_database, calls)
    insert_app_users(module_database, app_users)
    stopwatch = Stopwatch()
    with stopwatch.measure("dbt build"):
        result = dg.materialize(
            [llmcosts_dbt_models],
            resources={"dbt": dbt_cli_resource()},
            run_config=dbt_run_config(AS_OF.isoformat()),
            raise_on_error=False,
        )
    print(f"\ndbt build of {len(calls)} calls: {stopwatch.seconds['dbt build']:.1f}s")
    return {"url": module_database, "result": result, "expected": Expected(calls, AS_OF), "app_users": app_users}


def rows_by(url: str, table: str, *key: str) -> dict:
    return {tuple(row[k] for k in key) if len(key) > 1 else row[key[0]]: row for row in query(url, f"select * from {table}")}


def ratio(expected) -> object:
    """Ratios are double precision in the marts; sums of money are compared exactly."""
    return pytest.approx(float(expected), rel=1e-9)


def test_build_succeeds_with_every_check_passing(built):
    result = built["result"]
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks, "dbt tests should surface as asset checks"
    failed = [(c.asset_key.to_user_string(), c.check_name) for c in checks if not c.passed]
    assert failed == []
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert {"marts/feature_costs", "marts/fct_llm_costs_daily", "staging/stg_langfuse__llm_calls"} <= materialized
    checked = {(check.asset_key.to_user_string(), check.check_name) for check in checks}
    assert ("marts/spend_summary", "assert_feature_costs_add_up_to_spend_summary") in checked


def test_feature_costs_match_python(built):
    expected, url = built["expected"], built["url"]
    totals_7d = expected.totals_by(lambda c: label(c["feature"]), 7)
    totals_30d = expected.totals_by(lambda c: label(c["feature"]), 30)
    mart = rows_by(url, "marts.feature_costs", "feature")
    assert set(mart) == set(totals_30d)
    assert UNTAGGED in mart and "" not in mart
    grand_total = sum(t.cost for t in totals_30d.values())
    for feature, t30 in totals_30d.items():
        row, t7 = mart[feature], totals_7d.get(feature)
        assert row["cost_30d"] == t30.cost and row["calls_30d"] == t30.calls
        assert row["cost_7d"] == (t7.cost if t7 else 0) and row["calls_7d"] == (t7.calls if t7 else 0)
        assert row["cost_per_call_30d"] == ratio(t30.cost / t30.calls)
        assert row["share_of_total_30d"] == ratio(t30.cost / grand_total)
        assert row["as_of"] == AS_OF
    # The edge feature: 00:00:00 of as_of-7 is in the 7d window, a microsecond earlier is not;
    # as_of-30 00:00:00 is in the 30d window, and nothing at or after as_of counts.
    assert mart["edge_feature"]["calls_7d"] == 2 and mart["edge_feature"]["calls_30d"] == 4


def test_user_costs_match_python(built):
    expected, url = built["expected"], built["url"]
    totals_7d = expected.totals_by(lambda c: label(c["user_id"]), 7)
    totals_30d = expected.totals_by(lambda c: label(c["user_id"]), 30)
    mart = rows_by(url, "marts.user_costs", "user_id")
    assert set(mart) == set(totals_30d) and UNTAGGED in mart
    for user, t30 in totals_30d.items():
        row, t7 = mart[user], totals_7d.get(user)
        assert (row["cost_30d"], row["calls_30d"]) == (t30.cost, t30.calls)
        assert (row["cost_7d"], row["calls_7d"]) == ((t7.cost, t7.calls) if t7 else (0, 0))
        assert row["features_touched_30d"] == len(t30.features)


def test_prompt_costs_match_python(built):
    expected, url = built["expected"], built["url"]
    key = lambda c: (label(c["feature"]), label(c["prompt_id"]))  # noqa: E731
    totals_7d, totals_30d = expected.totals_by(key, 7), expected.totals_by(key, 30)
    mart = rows_by(url, "marts.prompt_costs", "feature", "prompt_id")
    assert set(mart) == set(totals_30d)
    assert any(prompt == UNTAGGED for _, prompt in mart)
    for prompt, t30 in totals_30d.items():
        row, t7 = mart[prompt], totals_7d.get(prompt)
        assert (row["cost_30d"], row["calls_30d"]) == (t30.cost, t30.calls)
        assert (row["cost_7d"], row["calls_7d"]) == ((t7.cost, t7.calls) if t7 else (0, 0))
        assert row["avg_tokens_30d"] == ratio(Decimal(t30.tokens) / t30.calls)


def test_feature_wow_matches_python(built):
    expected, url = built["expected"], built["url"]
    key = lambda c: label(c["feature"])  # noqa: E731
    current, previous = expected.totals_by(key, 7), expected.totals_by(key, 7, ends_days_ago=7)
    features = set(expected.totals_by(key, 30))
    mart = rows_by(url, "marts.feature_wow", "feature")
    assert set(mart) == features
    for feature in features:
        row = mart[feature]
        cur, prev = current.get(feature), previous.get(feature)
        assert row["current_cost"] == (cur.cost if cur else 0)
        assert row["prev_cost"] == (prev.cost if prev else 0)
        assert row["current_calls"] == (cur.calls if cur else 0)
        assert row["prev_calls"] == (prev.calls if prev else 0)
        if prev and prev.cost:
            assert row["pct_change"] == ratio((cur.cost if cur else 0) / prev.cost - 1)
            assert row["prev_cache_hit_rate"] == ratio(Decimal(prev.cache_hits) / prev.calls)
            assert row["prev_cost_per_1k_tokens"] == ratio(prev.cost * 1000 / prev.tokens)
        else:
            assert row["pct_change"] is None
        if cur:
            assert row["current_tokens_per_call"] == ratio(Decimal(cur.tokens) / cur.calls)
    # 00:00:00 of as_of-7 is the current week; a microsecond earlier the previous one.
    assert (mart["edge_feature"]["current_calls"], mart["edge_feature"]["prev_calls"]) == (2, 1)


def test_daily_fact_totals_and_grain_match_python(built):
    expected, url = built["expected"], built["url"]
    daily = expected.daily()
    fact = {
        row["day"]: row
        for row in query(url, """
            select day, sum(cost_usd) as cost, sum(calls) as calls, sum(unpriced_calls) as unpriced,
                   sum(error_calls) as errors, sum(cache_hits) as cache_hits, sum(total_tokens) as tokens
            from marts.fct_llm_costs_daily group by day""")
    }
    assert set(fact) == set(daily)
    for day, totals in daily.items():
        row = fact[day]
        assert (row["cost"], row["calls"], row["unpriced"], row["errors"], row["cache_hits"], row["tokens"]) == (
            totals.cost, totals.calls, totals.unpriced, totals.errors, totals.cache_hits, totals.tokens)
    (count,) = query(url, "select count(*) as n, count(distinct daily_key) as keys from marts.fct_llm_costs_daily")
    assert count["n"] == count["keys"] == expected.grain_count()
    (nulls,) = query(url, """select count(*) as n from marts.fct_llm_costs_daily
                             where feature is null or user_id is null or prompt_id is null""")
    assert nulls["n"] == 0


def test_spend_summary_windows_match_python(built):
    expected, url = built["expected"], built["url"]
    mart = rows_by(url, "marts.spend_summary", "time_window")
    assert set(mart) == {"1d", "7d", "30d"}
    for name, days in (("1d", 1), ("7d", 7), ("30d", 30)):
        totals = expected.totals_by(lambda c: "all", days)["all"]
        untagged = expected.totals_by(lambda c: label(c["feature"]), days).get(UNTAGGED)
        users = {label(c["user_id"]) for c in expected.calls if expected.in_window(c, days)} - {UNTAGGED}
        row = mart[name]
        assert (row["total_cost"], row["calls"], row["total_tokens"]) == (totals.cost, totals.calls, totals.tokens)
        assert row["active_users"] == len(users)
        assert row["untagged_cost_share"] == ratio((untagged.cost if untagged else 0) / totals.cost)
        assert row["window_start"] == AS_OF - timedelta(days=days) and row["window_end"] == AS_OF


def test_time_series_and_hourly_pattern_add_up(built):
    expected, url = built["expected"], built["url"]
    total_30d = expected.totals_by(lambda c: "all", 30)["all"]
    for table in ("feature_costs_daily", "prompt_costs_daily", "model_costs_daily"):
        (row,) = query(url, f"select sum(cost_usd) as cost, sum(calls) as calls, min(day) as first_day, "
                            f"max(day) as last_day from marts.{table}")
        assert (row["cost"], row["calls"]) == (total_30d.cost, total_30d.calls), table
        assert row["first_day"] == AS_OF - timedelta(days=30) and row["last_day"] == AS_OF - timedelta(days=1)
    hourly = query(url, "select iso_weekday, hour_of_day, calls, cost_usd from marts.hourly_pattern")
    assert len(hourly) == 7 * 24
    cells: dict = {}
    for call in expected.calls:
        if expected.in_window(call, 7):
            ts = call["ts"].astimezone(UTC)
            cells[(ts.isoweekday(), ts.hour)] = cells.get((ts.isoweekday(), ts.hour), 0) + 1
    assert {(r["iso_weekday"], r["hour_of_day"]): r["calls"] for r in hourly if r["calls"]} == cells
    top = query(url, "select user_id, spend_rank_30d from marts.user_costs_daily group by 1, 2 order by 2")
    by_cost = sorted(expected.totals_by(lambda c: label(c["user_id"]), 30).items(), key=lambda kv: -kv[1].cost)
    assert [row["user_id"] for row in top] == [user for user, _ in by_cost[:20]]


def test_kill_review_feature_share_and_prompt_versions(built):
    expected, url = built["expected"], built["url"]
    month_start, month_end = expected.last_complete_month()
    usage: dict = {}
    for call in expected.calls:
        day = call["ts"].astimezone(UTC).date()
        if month_start <= day < month_end and label(call["feature"]) != UNTAGGED:
            calls, cost = usage.get(call["feature"], (0, Decimal(0)))
            usage[call["feature"]] = (calls + 1, cost + (call["cost_usd"] or 0))
    ranked = sorted(usage.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0]))
    bottom = ranked[: -(-len(ranked) // 4)]  # ntile(4): the first quarter, rounded up
    kill = rows_by(url, "marts.kill_review", "feature")
    assert {f: (r["calls"], r["cost_usd"]) for f, r in kill.items()} == dict(bottom)
    assert {r["usage_source"] for r in kill.values()} == {"calls"}
    assert {r["month_start"] for r in kill.values()} == {month_start}

    totals_30d = expected.totals_by(lambda c: label(c["feature"]), 30)
    grand_total = sum(t.cost for t in totals_30d.values())
    share = rows_by(url, "marts.feature_share", "feature")
    assert {f for f, r in share.items() if r["over_threshold"]} == {
        f for f, t in totals_30d.items() if t.cost / grand_total > Decimal("0.2")}

    versions = query(url, "select prompt_id, version_order, previous_prompt_id, calls from "
                          "marts.prompt_version_transitions where feature = 'search' order by version_order")
    assert [v["version_order"] for v in versions] == list(range(1, len(versions) + 1))
    assert versions[0]["previous_prompt_id"] is None
    assert [v["previous_prompt_id"] for v in versions[1:]] == [v["prompt_id"] for v in versions[:-1]]
    search_calls = {}
    for call in expected.calls:
        if call["feature"] == "search" and call["prompt_id"] and call["ts"].date() < AS_OF:
            search_calls[call["prompt_id"]] = search_calls.get(call["prompt_id"], 0) + 1
    assert {v["prompt_id"]: v["calls"] for v in versions} == search_calls


def test_cohort_costs_and_segments_match_python(built):
    expected, url = built["expected"], built["url"]
    cost_30d = {u: t.cost for u, t in expected.totals_by(lambda c: label(c["user_id"]), 30).items()}
    window_start = expected.as_of - timedelta(days=30)
    cohorts: dict = {}
    for user in built["app_users"]:
        if user["signup_at"].date() >= AS_OF:
            continue
        key = (user["signup_at"].date().replace(day=1), user["tier"] or UNTAGGED)
        users, active, cost = cohorts.get(key, (0, 0, Decimal(0)))
        cohorts[key] = (users + 1, active + int(user["last_active_at"].date() >= window_start),
                        cost + cost_30d.get(user["user_id"], Decimal(0)))
    mart = rows_by(url, "marts.cohort_costs", "cohort_month", "tier")
    assert set(mart) == set(cohorts)
    for key, (users, active, cost) in cohorts.items():
        row = mart[key]
        assert (row["users"], row["active_users_30d"], row["cost_30d"]) == (users, active, cost)
        assert row["retention_30d"] == ratio(Decimal(active) / users)
        assert row["cost_per_user_30d"] == ratio(cost / users)
    segments = rows_by(url, "marts.user_value_segments", "user_id")
    assert "future_user" not in segments and "app_only_user" in segments
    assert segments["app_only_user"]["cost_30d"] == 0 and segments["app_only_user"]["segment"] == "standard"
    for row in segments.values():
        if row["segment"] != "standard":
            assert row["cost_quartile"] == 1
            assert row["segment"] == ("vip" if row["is_active_30d"] else "throttle_candidate")
