"""The rules against the fixture marts (tests/alerts/fixtures/marts.sql), previewed with dry runs."""

from datetime import date

import psycopg
import pytest

from alerts import Message, Rule, get_alert_settings, register, run_alerts
from alerts.engine import REGISTRY

AS_OF = date(2026, 3, 10)

EXPECTED_TEXT = """\
LLM cost alerts for 2026-03-10

*Week-over-week growth* (3)
:fire: feature `chat` spend is up 231% week over week ($49.00 -> $162.00, +$113.00), largest driver: price per token
    why: call volume +$22.24 (4,900 -> 6,200 calls); tokens per call +$26.42 (1,000 -> 1,323 tokens); price per token (model mix, list prices) +$64.34 ($0.0100 -> $0.0198 per 1k tokens before cache discounts); cache +$0.00 (no cache tokens in either week)
    top users (net): `u_grace` +$120.00, `u_frank` -$7.00
    top prompt versions (net): `chat-v2` +$120.00, `chat-v1` -$7.00
    dashboard: <http://metabase.local:3000/dashboard/7?feature=chat>
:fire: feature `search` spend is up 85% week over week ($12.40 -> $22.94, +$10.54), largest driver: call volume
    why: call volume +$10.54 (1,000 -> 1,850 calls); tokens per call +$0.00 (1,240 -> 1,240 tokens); price per token (model mix, list prices) +$0.00 ($0.0100 -> $0.0100 per 1k tokens before cache discounts); cache +$0.00 (no cache tokens in either week)
    top users (net): `u_carol` +$6.20, `u_dave` +$3.10, `u_alice` +$1.24; 1 other user +$0.00
    top prompt versions (net): `search-v2` +$16.74, `search-v1` -$6.20
    dashboard: <http://metabase.local:3000/dashboard/7?feature=search>
:fire: feature `summarize` spend is up 39% week over week ($10.00 -> $13.88, +$3.88), largest driver: cache
    why: call volume +$0.00 (500 -> 500 calls); tokens per call +$0.00 (2,000 -> 2,000 tokens); price per token (model mix, list prices) +$0.00 ($0.0144 -> $0.0144 per 1k tokens before cache discounts); cache +$3.88 (cache reads 90% -> 10% of input tokens)
    top users (net): `u_erin` +$3.88
    top prompt versions (net): `summarize-v1` +$3.88
    dashboard: <http://metabase.local:3000/dashboard/7?feature=summarize>

*New spenders* (1)
:new: new feature `onboarding` spent $8.00 this week (800 calls), nothing the week before

*Spend doubled overnight* (1)
:chart_with_upwards_trend: feature `chat` spent $120.00 yesterday, 17.1x its 7-day daily average ($7.00)

*Share of total spend* (1)
:warning: feature `chat` is at 33% of 30-day spend ($211.00 of $633.92); crossed 20% today: please review its prompt and model
    dashboard: <http://metabase.local:3000/dashboard/7?feature=chat>

*Expensive calls* (3)
:moneybag: 2 calls over $0.50 in `chat` on `gpt-4o` (max $1.20, total $2.00, costliest `e2`)
:moneybag: 1 call over $0.50 in `search` on `gpt-4o-mini` (max $0.60, total $0.60, costliest `e3`)
:moneybag: 1 call over $0.50 in `(untagged)` on `claude-3-5-sonnet` (max $0.55, total $0.55, costliest `e8`)"""


def _subjects(result, rule):
    return [a.subject for a in result.fired.get(rule, [])]


def test_exact_payload_for_the_fixture_dataset(conn, alert_env, capsys):
    alert_env.setenv("METABASE_URL", "http://metabase.local:3000/")
    alert_env.setenv("LLMCOSTS_ALERT_DASHBOARD_PATH", "/dashboard/7")
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert result.errors == [] and result.warnings == []
    assert result.payload_text == EXPECTED_TEXT
    # dry run: printed, and the Slack payload carries the same text as its fallback
    assert EXPECTED_TEXT in capsys.readouterr().out
    payload = result.payloads["slack"]
    assert payload["text"] == EXPECTED_TEXT
    assert payload["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "LLM cost alerts for 2026-03-10"}}
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Week-over-week growth* (3)\n:fire: feature `chat` spend is up 231% week over week")
    assert sum(1 for b in payload["blocks"] if b["type"] == "divider") == 5  # one per rule that fired


def test_wow_rule_order_floor_and_new_features(conn):
    result = run_alerts(conn, AS_OF, dry_run=True)
    # highest growth first; translate (+20%) is under the growth threshold
    assert _subjects(result, "wow_growth") == ["chat", "search", "summarize"]
    # tagging grew 125% but to $4.50: under the $5 noise floor
    assert "tagging" not in _subjects(result, "wow_growth")
    # onboarding had no spend last week: a new spender, never a growth alert; labs is under the floor
    assert _subjects(result, "new_spender") == ["onboarding"]
    assert "onboarding" not in _subjects(result, "wow_growth")
    # a mart row for another as_of is ignored
    assert "legacy" not in str(result.fired)
    # the root-cause parts of every firing row add up to its delta, to the cent
    for alert in result.fired["wow_growth"]:
        row = alert.row
        assert sum(row["root_cause"].values()) == row["current_cost"] - row["prev_cost"]
    search = next(a.row for a in result.fired["wow_growth"] if a.subject == "search")
    assert search["root_cause"]["call_volume"] == search["current_cost"] - search["prev_cost"]
    # summarize: every call reads the cache in both weeks; the token share fell, and that is all
    summarize = next(a.row for a in result.fired["wow_growth"] if a.subject == "summarize")
    assert summarize["root_cause"]["cache"] == summarize["current_cost"] - summarize["prev_cost"]
    # the attribution lists add up to the delta, gains and losses both
    chat = next(a for a in result.fired["wow_growth"] if a.subject == "chat")
    assert "top users (net): `u_grace` +$120.00, `u_frank` -$7.00" in chat.details


def test_noise_floor_is_configurable(conn, alert_env):
    alert_env.setenv("LLMCOSTS_ALERT_FLOOR_USD", "2")
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert _subjects(result, "wow_growth") == ["chat", "tagging", "search", "summarize"]
    assert _subjects(result, "new_spender") == ["onboarding", "labs"]
    # tagging: $3 yesterday against $0.21/day, now above the floor
    assert _subjects(result, "overnight_doubling") == ["chat", "tagging"]

    alert_env.setenv("LLMCOSTS_ALERT_FLOOR_USD", "50")
    alert_env.setenv("LLMCOSTS_ALERT_WOW_GROWTH_PCT", "250")
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert "wow_growth" not in result.fired  # chat grew 231% only
    assert _subjects(result, "overnight_doubling") == ["chat"]


def test_feature_share_fires_on_the_crossing_day_only(conn):
    # chat: 18% of 30-day spend yesterday, 33% today -> crossing. support_bot is above 20% on both days.
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert _subjects(result, "feature_share") == ["chat"]
    # The day after, chat is still above the line: no second alert.
    conn.execute("update marts.feature_share set as_of = date '2026-03-11'")
    conn.execute(
        "insert into marts.fct_llm_costs_daily select day + 1, feature, user_id, prompt_id, model, environment, "
        "provider, project_id, calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
        "total_tokens, cost_usd, unpriced_calls, error_calls, cache_hits from marts.fct_llm_costs_daily "
        "where day = date '2026-03-09' and feature = 'support_bot'"
    )
    assert "feature_share" not in run_alerts(conn, date(2026, 3, 11), dry_run=True).fired


def test_expensive_calls_window_is_half_open_and_strict(conn):
    result = run_alerts(conn, AS_OF, dry_run=True)
    rows = {a.subject: a.row for a in result.fired["expensive_calls"]}
    assert list(rows) == ["chat/gpt-4o", "search/gpt-4o-mini", "(untagged)/claude-3-5-sonnet"]
    # e6 at 2026-03-10 00:00 and e7 at 03-08 23:59:59 are outside; e5 costs exactly the threshold
    assert rows["chat/gpt-4o"]["calls"] == 2
    assert rows["search/gpt-4o-mini"]["calls"] == 1


def test_digest_is_off_by_default_and_summarises_when_on(conn, alert_env):
    assert "digest" not in run_alerts(conn, AS_OF, dry_run=True).fired
    alert_env.setenv("LLMCOSTS_ALERT_DIGEST", "daily")
    digest = run_alerts(conn, AS_OF, dry_run=True).fired["digest"][0]
    assert digest.message == (
        ":bar_chart: daily digest: $133.00 spent yesterday (3,300 calls); "
        "last 7 days $309.52 vs $164.40 the week before (+88%)"
    )
    assert digest.details == (
        "top features: `chat` $162.00, `support_bot` $70.00, `translate` $24.00",
        "top users: `u_grace` $120.00, `u_ivan` $70.00, `u_frank` $42.00",
    )
    # weekly: only on Mondays (2026-03-10 is a Tuesday)
    alert_env.setenv("LLMCOSTS_ALERT_DIGEST", "weekly")
    assert "digest" not in run_alerts(conn, AS_OF, dry_run=True).fired


def test_a_failing_rule_does_not_stop_the_others(conn):
    conn.execute("drop table marts.feature_share")
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert [e.split(":")[0] for e in result.errors] == ["rule feature_share"]
    assert _subjects(result, "wow_growth") == ["chat", "search", "summarize"]


def test_marts_built_for_another_day_are_reported(conn):
    result = run_alerts(conn, date(2026, 3, 12), dry_run=True)
    assert "wow_growth" not in result.fired
    assert any("no rows for as_of 2026-03-12" in w for w in result.warnings)


@pytest.fixture
def budget_rule():
    """A rule added the way a later issue would: a query function, a formatter, a key."""

    def query(ctx):
        return ctx.query("new_spender.sql") and [{"team": "growth", "spent": 42}]

    rule = register(
        Rule(
            name="test_budget",
            title="Budgets",
            query=query,
            formatter=lambda row, ctx: Message(f"team {row['team']} spent ${row['spent']}"),
            key_fn=lambda row: row["team"],
        )
    )
    yield rule
    REGISTRY.pop("test_budget")


def test_a_registered_rule_joins_the_same_post(conn, budget_rule):
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert _subjects(result, "test_budget") == ["growth"]
    assert result.payload_text.endswith("*Budgets* (1)\nteam growth spent $42")


def test_disabled_rules_and_settings_read_at_call_time(conn, alert_env):
    alert_env.setenv("LLMCOSTS_ALERT_DISABLED_RULES", "expensive_calls, wow_growth")
    assert get_alert_settings().disabled_rules == {"expensive_calls", "wow_growth"}
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert "wow_growth" not in result.fired and "expensive_calls" not in result.fired
    assert "new_spender" in result.fired


def test_rules_read_only_the_contract_columns(marts_warehouse):
    """The rules must run against marts that hold exactly the contract's columns (the fixture has
    no extra ones); a renamed column in the dbt project fails here rather than in production."""
    with psycopg.connect(marts_warehouse) as conn:
        columns = {
            table: [r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = %s order by ordinal_position", (table,)).fetchall()]
            for table in ("feature_wow", "feature_share", "spend_summary")
        }
    assert columns["feature_wow"] == [
        "feature", "prev_cost", "current_cost", "pct_change", "as_of", "prev_calls", "current_calls",
        "prev_tokens_per_call", "current_tokens_per_call", "prev_cost_per_1k_tokens",
        "current_cost_per_1k_tokens", "prev_cache_hit_rate", "current_cache_hit_rate",
        "prev_input_tokens", "current_input_tokens", "prev_cache_read_tokens", "current_cache_read_tokens",
        "prev_cache_write_tokens", "current_cache_write_tokens", "prev_cache_read_share",
        "current_cache_read_share", "prev_cache_write_share", "current_cache_write_share",
        "prev_cache_cost_factor", "current_cache_cost_factor", "prev_unrated_cache_tokens",
        "current_unrated_cache_tokens",
    ]
    assert columns["feature_share"] == ["feature", "cost_30d", "share_of_total_30d", "over_threshold", "as_of"]
    assert columns["spend_summary"] == [
        "time_window", "total_cost", "calls", "total_tokens", "avg_cost_per_call", "active_users", "as_of",
    ]


def test_untagged_spend_among_top_contributors_reads_as_calls_with_no_user_or_prompt():
    from decimal import Decimal

    from alerts.rules import _contributors

    items = [
        {"member": "(untagged)", "is_other": False, "members": 1, "change": Decimal("0.84")},
        {"member": "user_7", "is_other": False, "members": 1, "change": Decimal("-0.20")},
        {"member": None, "is_other": True, "members": 12, "change": Decimal("1.01")},
    ]
    users = _contributors("top users", "users", items)
    assert users == "top users (net): calls with no user +$0.84, `user_7` -$0.20; 12 other users +$1.01"
    prompts = _contributors("top prompt versions", "prompt versions", items)
    assert prompts.startswith("top prompt versions (net): calls with no prompt +$0.84")
