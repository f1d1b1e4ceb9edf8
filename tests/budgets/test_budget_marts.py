"""One dbt build (through the Dagster assets) on a synthetic series with known answers: spend
attributed to every containing budget, thresholds and status, period reset, a rolling window, the
forecast of a trended series, the throttle list and its JSON export, chargeback and FOCUS, the
budget alerts (once each), and the check against the built marts."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
from budget_synthetic import BUDGETS_YAML, generate, insert, query, scratch_database, spent, trend_cost
from budget_webhook import WebhookRecorder

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)
MARCH = date(2026, 3, 1)


@pytest.fixture(scope="module")
def built(pg_admin_url, tmp_path_factory):
    from orchestration.defs.budgets import budget_throttle_list_export, budgets
    from orchestration.defs.dbt import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    home = tmp_path_factory.mktemp("budgets")
    budgets_file = home / "budgets.yml"
    budgets_file.write_text(BUDGETS_YAML)
    with scratch_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("LLMCOSTS_BUDGETS_FILE", str(budgets_file))
        patch.setenv("LLMCOSTS_THROTTLE_LIST_PATH", str(home / "out" / "throttle.json"))
        calls = generate()
        insert(url, calls)
        started = time.perf_counter()
        loaded = dg.materialize([budgets])
        loaded_at = time.perf_counter()
        result = dg.materialize(
            [llmcosts_dbt_models],
            resources={"dbt": dbt_cli_resource()},
            run_config=dbt_run_config(AS_OF.isoformat()),
            raise_on_error=False,
        )
        exported = dg.materialize([budget_throttle_list_export])
        print(f"\nbudgets load {loaded_at - started:.1f}s, dbt build {time.perf_counter() - loaded_at:.1f}s")
        yield {"url": url, "calls": calls, "result": result, "loaded": loaded, "exported": exported,
               "throttle_path": home / "out" / "throttle.json", "home": home}


def status(url: str) -> dict:
    return {(r["budget_name"], r["member"]): r for r in query(url, "select * from marts.budget_status")}


BUDGET_MODELS = ["budget_status", "throttle_list", "budget_forecast_backtest", "chargeback_monthly",
                 "focus_cost_usage", "credit_pool_balances"]


def test_build_and_every_budget_check_pass(built):
    # Only the budget models are judged here: other domains' models have their own tests.
    result = built["result"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    for model in BUDGET_MODELS:
        assert f"marts/{model}" in materialized
    for model in ("int_budget_spend_daily", "int_budget_member_daily", "int_budget_forecast_daily"):
        assert f"intermediate/{model}" in materialized
    checks = [e for e in result.get_asset_check_evaluations() if "budget" in e.asset_key.to_user_string()
              or e.asset_key.path[-1] in BUDGET_MODELS]
    assert len(checks) > 20
    assert [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in checks if not e.passed] == []
    assert built["loaded"].success and built["exported"].success


def test_spend_counts_toward_every_budget_that_contains_it(built):
    url, calls = built["url"], built["calls"]
    rows = status(url)
    end = AS_OF
    expectations = {
        ("user_ceiling:free", "u_free"): spent(calls, MARCH, end, user_id="u_free"),
        # unknown users fall into the default tier, with their own ceiling
        ("user_ceiling:free", "u_unknown"): spent(calls, MARCH, end, user_id="u_unknown"),
        ("user_ceiling:pro", "u_pro"): spent(calls, MARCH, end, user_id="u_pro"),
        ("user_ceiling:enterprise", "u_ent"): spent(calls, MARCH, end, user_id="u_ent"),
        ("free_tier", "free"): spent(calls, MARCH, end, user_id="u_free") + spent(calls, MARCH, end, user_id="u_unknown"),
        ("per_tenant", "acme"): spent(calls, MARCH, end, tenant="acme"),
        ("per_tenant", "(untagged)"): spent(calls, MARCH, end, tenant=None),
        ("per_feature", "chat"): spent(calls, MARCH, end, feature="chat"),
        ("acme_chat", "acme"): spent(calls, MARCH, end, tenant="acme", feature="chat"),
        ("organisation", "(all)"): spent(calls, MARCH, end),
    }
    for key, expected in expectations.items():
        assert key in rows, key
        assert rows[key]["spent_usd"] == expected, key
    # calls without a user count toward the broader budgets but are nobody's user ceiling
    assert not any(k[1] == "(untagged)" and k[0].startswith("user_ceiling") for k in rows)
    assert sum(rows[("per_tenant", t)]["spent_usd"] for t in ("acme", "globex", "shared", "(untagged)")) == \
        rows[("organisation", "(all)")]["spent_usd"]


def test_period_reset_february_never_carries_over(built):
    rows = status(built["url"])
    free = rows[("user_ceiling:free", "u_free")]
    assert (free["period_start"], free["period_end"]) == (MARCH, date(2026, 4, 1))
    assert free["spent_usd"] == spent(built["calls"], MARCH, AS_OF, user_id="u_free")
    assert spent(built["calls"], date(2026, 2, 1), MARCH, user_id="u_free") > 0  # there was February spend


def test_status_thresholds_and_daily_figures(built):
    rows = status(built["url"])
    free = rows[("user_ceiling:free", "u_free")]
    assert free["status"] == "exceeded"
    assert [float(t) for t in free["thresholds_crossed"]] == [50, 75, 90, 100]
    assert free["exceeded_since"] == date(2026, 3, 3)  # 0.2, 0.4, 0.6 >= 0.50
    assert free["remaining_usd"] == 0
    pro = rows[("user_ceiling:pro", "u_pro")]
    assert pro["status"] == "warning"
    assert [float(t) for t in pro["thresholds_crossed"]] == [50, 75]
    assert pro["pct_used"] == pytest.approx(float(pro["spent_usd"] / 5 * 100))
    assert pro["daily_avg_usd"] == pytest.approx(Decimal("0.3"))
    assert pro["days_elapsed"] == 14 and pro["days_remaining"] == 17
    assert pro["allowed_daily_usd"] == pytest.approx((Decimal(5) - pro["spent_usd"]) / 17, abs=Decimal("0.000001"))
    # under 28 days of history: run rate; $4.20 + $0.30/day reaches $5 on the third day
    assert pro["forecast_method"] == "run_rate"
    assert pro["projected_spend_usd"] == pytest.approx(pro["spent_usd"] + Decimal("0.3") * 17)
    assert pro["projected_limit_date"] == AS_OF + timedelta(days=2)
    assert pro["projected_breach"] is True
    enterprise = rows[("user_ceiling:enterprise", "u_ent")]
    assert enterprise["status"] == "ok" and enterprise["limit_usd"] is None and enterprise["pct_used"] is None


def test_rolling_window_slides_by_day(built):
    url, calls = built["url"], built["calls"]
    roll = status(url)[("roll", "roll_feature")]
    assert (roll["period_start"], roll["period_end"]) == (AS_OF - timedelta(days=7), AS_OF)
    assert roll["spent_usd"] == spent(calls, AS_OF - timedelta(days=7), AS_OF, feature="roll_feature")
    assert roll["status"] == "exceeded"
    # what tomorrow may spend: the limit minus the six days that stay in tomorrow's window
    carry = spent(calls, AS_OF - timedelta(days=6), AS_OF, feature="roll_feature")
    assert roll["allowed_daily_usd"] == pytest.approx(max(Decimal("0.65") - carry, Decimal(0)))


def test_projection_of_a_trended_weekly_series_lands_within_10_percent(built):
    row = status(built["url"])[("per_feature", "trend_feature")]
    assert row["forecast_method"] == "trend_weekday"
    true_month = sum((trend_cost(MARCH + timedelta(days=i)) for i in range(31)), Decimal(0))
    assert row["spent_usd"] == sum((trend_cost(MARCH + timedelta(days=i)) for i in range(14)), Decimal(0))
    error = abs(row["projected_spend_usd"] - true_month) / true_month
    assert error < Decimal("0.10"), (row["projected_spend_usd"], true_month)
    # a flat run rate (spent / days so far) would not: the trend and the weekdays matter here
    assert row["projected_spend_usd"] != pytest.approx(row["spent_usd"] / 14 * 31, rel=1e-3)


def test_backtest_reports_error_on_past_months(built):
    rows = query(built["url"], "select * from marts.budget_forecast_backtest where member = 'trend_feature'")
    months = sorted({r["month_start"] for r in rows})
    assert months == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    for row in rows:
        actual = sum((trend_cost(d) for d in _days(row["month_start"], row["month_end"])), Decimal(0))
        assert row["actual_usd"] == actual
        if row["forecast_method"] == "trend_weekday":
            assert row["abs_pct_error"] < 0.10


def test_a_forecast_is_posted_only_where_it_has_earned_it(built):
    """budget_projected_breach.sql: enough days observed and a median backtested error under the
    threshold; a budget without any backtest never gets a forecast line. Run inside a transaction
    that pretends the trended member is heading for its limit, then rolled back."""
    from alerts.sql_files import sql

    def posted(conn, min_days, max_error):
        params = {"as_of": AS_OF, "forecast_min_days": min_days, "forecast_max_error": max_error}
        with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(sql("budget_projected_breach.sql"), params)
            return {(r["budget_name"], r["member"]): r for r in cur.fetchall()}

    with psycopg.connect(built["url"]) as conn:
        conn.execute("""
            update marts.budget_status
            set projected_breach = true, projected_limit_date = date '2026-03-25'
            where member in ('trend_feature', 'u_pro') and budget_name in ('per_feature', 'user_ceiling:pro')""")
        default = posted(conn, 7, 0.25)
        # the trended series: backtested on three past months within 10%, so its forecast is posted
        row = default[("per_feature", "trend_feature")]
        assert row["backtests"] >= 3 and row["median_error"] < 0.10
        # u_pro has spend in March only: no backtest, no forecast line, however alarming
        assert ("user_ceiling:pro", "u_pro") not in default
        # a stricter error threshold, or more days required than the 14 observed, and it is not
        assert ("per_feature", "trend_feature") not in posted(conn, 7, row["median_error"] / 2)
        assert ("per_feature", "trend_feature") not in posted(conn, 15, 0.25)
        conn.rollback()


def _days(start: date, end: date):
    while start < end:
        yield start
        start += timedelta(days=1)


def test_throttle_list_and_its_json_export(built):
    url = built["url"]
    listed = {(r["budget_name"], r["member"]): r for r in query(url, "select * from marts.throttle_list")}
    assert ("user_ceiling:free", "u_free") in listed
    assert ("free_tier", "free") in listed
    assert ("roll", "roll_feature") in listed
    assert ("user_ceiling:pro", "u_pro") not in listed
    assert listed[("user_ceiling:free", "u_free")]["exceeded_since"] == date(2026, 3, 3)
    document = json.loads(built["throttle_path"].read_text())
    assert document["as_of"] == AS_OF.isoformat()
    entries = {(e["budget_name"], e["member"]): e for e in document["entries"]}
    assert entries.keys() == listed.keys()
    assert entries[("user_ceiling:free", "u_free")]["exceeded_since"] == "2026-03-03"


def test_chargeback_allocates_untagged_and_shared_and_sums_to_the_month(built, tmp_path):
    from alerts.budgets.exports import export_csv

    url, calls = built["url"], built["calls"]
    rows = query(url, "select * from marts.chargeback_monthly where dimension = 'tenant' and month_start = %s",
                 (MARCH,))
    by_owner = {r["owner"]: r for r in rows}
    assert set(by_owner) == {"acme", "globex"}  # untagged and shared are allocated, not owners
    month_total = spent(calls, MARCH, AS_OF)
    assert sum(r["total_cost_usd"] for r in rows) == pytest.approx(month_total, abs=Decimal("0.000001"))
    acme_direct = spent(calls, MARCH, AS_OF, tenant="acme")
    globex_direct = spent(calls, MARCH, AS_OF, tenant="globex")
    untagged = spent(calls, MARCH, AS_OF, tenant=None)
    shared = spent(calls, MARCH, AS_OF, tenant="shared")
    acme = by_owner["acme"]
    assert acme["direct_cost_usd"] == acme_direct
    assert acme["allocated_untagged_usd"] == pytest.approx(untagged * acme_direct / (acme_direct + globex_direct))
    assert acme["allocated_shared_usd"] == pytest.approx(shared * acme_direct / (acme_direct + globex_direct))
    with psycopg.connect(url) as conn:
        count = export_csv(conn, "chargeback_monthly", tmp_path / "chargeback.csv", month=MARCH)
        focus_count = export_csv(conn, "focus_cost_usage", tmp_path / "focus.csv", month=MARCH)
    lines = (tmp_path / "chargeback.csv").read_text().splitlines()
    # tenant: acme and globex; cost centre: nobody is tagged, so one unallocated (untagged) row
    assert count == len(lines) - 1 == 3
    assert any(",cost_centre,(untagged),untagged," in line and "unallocated" in line for line in lines)
    header = (tmp_path / "focus.csv").read_text().splitlines()[0].split(",")
    for column in ("BilledCost", "EffectiveCost", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
                   "ChargePeriodEnd", "ServiceName", "ProviderName", "ResourceId", "Tags", "BillingCurrency"):
        assert column in header
    assert focus_count > 0


def test_focus_table_matches_spend(built):
    url, calls = built["url"], built["calls"]
    [row] = query(url, 'select sum("BilledCost") as billed, sum("EffectiveCost") as effective from marts.focus_cost_usage '
                       'where "ChargePeriodStart" >= %s and "ChargePeriodStart" < %s',
                  (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)))
    assert row["billed"] == row["effective"] == spent(calls, MARCH, AS_OF)


def test_check_reads_the_broader_budgets_from_the_marts(built):
    from alerts.budgets.check import check_user

    with psycopg.connect(built["url"]) as conn:
        at = datetime(2026, 3, 15, 12, tzinfo=UTC)
        # u_unknown is far below their own ceiling, but the free tier as a whole is over its limit
        unknown = check_user("u_unknown", conn=conn, at=at)
        assert unknown.decision == "block"
        assert "free_tier" in unknown.reason
        assert unknown.marts_as_of == AS_OF
        # u_pro at 90% of the pro ceiling: throttle, with the cheaper OpenAI model suggested
        pro = check_user("u_pro", conn=conn, at=at)
        assert pro.decision == "throttle"
        assert pro.suggested_model == "gpt-4o-mini" and pro.current_model == "gpt-4o"
        # a new month: the March rows of the marts no longer apply, the user's ceiling is fresh
        rolled = check_user("u_free", conn=conn, at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC))
        assert rolled.decision == "allow", rolled.reason


def test_budget_cards_run_on_the_built_marts(built):
    from metabase.card_queries import run_card
    from metabase.catalog import default_catalog

    cards = {k: c for k, c in default_catalog().cards.items() if k.startswith("budget_")}
    assert len(cards) >= 4
    with psycopg.connect(built["url"]) as conn:
        for key, card in cards.items():
            result = run_card(conn, card)
            assert result.columns == card.columns, key
            assert result.rows, key


def test_thresholds_fire_once_each_and_a_new_period_starts_clean(built, monkeypatch):
    # Last in the module: it moves the marts' as_of to simulate later builds.
    from alerts import run_alerts
    from alerts.config import get_alert_settings

    url = built["url"]
    with WebhookRecorder() as hook:
        monkeypatch.setenv("LLMCOSTS_ALERT_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("LLMCOSTS_ALERT_BACKOFF_S", "0")
        monkeypatch.setenv("LLMCOSTS_ALERT_MAX_ROWS_PER_RULE", "500")
        settings = get_alert_settings()
        with psycopg.connect(url) as conn:
            first = run_alerts(conn, AS_OF, settings=settings)
        posted = {row["subject"] for row in hook.rows("budget_threshold")}
        for threshold in ("50", "75", "90", "100"):
            assert f"user_ceiling:free|u_free|2026-03-01|{threshold}" in posted
        assert {"user_ceiling:pro|u_pro|2026-03-01|50", "user_ceiling:pro|u_pro|2026-03-01|75"} <= posted
        assert "user_ceiling:pro|u_pro|2026-03-01|90" not in posted
        assert not any("(untagged)" in s for s in posted)
        forecast = {row["subject"] for row in hook.rows("budget_forecast")}
        # u_pro is heading for its ceiling, but user_ceiling:pro has no backtest (no past month):
        # the forecast has not earned a line (see test_a_forecast_is_posted_only_where_it_has_earned_it)
        assert "user_ceiling:pro|u_pro|2026-03-01|forecast" not in forecast
        assert not any(s.startswith("user_ceiling:free|u_free") for s in forecast)  # already over: no early warning
        assert first.errors == []

        # the same run again, and the next day's build: nothing budget-related is posted again
        hook.bodies.clear()
        with psycopg.connect(url) as conn:
            run_alerts(conn, AS_OF, settings=settings)
            conn.execute("update marts.budget_status set as_of = %s", (AS_OF + timedelta(days=1),))
            conn.commit()
            run_alerts(conn, AS_OF + timedelta(days=1), settings=settings)
        assert hook.rows("budget_threshold") == [] and hook.rows("budget_forecast") == []

        # a new period: the same crossings are new alerts
        with psycopg.connect(url) as conn:
            conn.execute("update marts.budget_status set as_of = %s, period_start = %s where period_kind = 'monthly'",
                         (date(2026, 4, 16), date(2026, 4, 1)))
            conn.commit()
            run_alerts(conn, date(2026, 4, 16), settings=settings)
        again = {row["subject"] for row in hook.rows("budget_threshold")}
        assert "user_ceiling:free|u_free|2026-04-01|100" in again
