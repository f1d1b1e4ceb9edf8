"""The built-in alert rules, registered in reading order of the daily post.

Each rule's query is a file in alerts/sql/ (named after the rule); the week-over-week and digest
rules are functions because they join several queries (root cause; totals and top lists).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from alerts.engine import Message, Rule, RuleContext, register
from alerts.formatting import code, count, money, percent, ratio, share, signed_money, unit_money
from alerts.root_cause import FACTOR_LABELS, FACTORS, decompose_row

TOP_CONTRIBUTORS = 3


def _feature(row: dict[str, Any]) -> str:
    return row["feature"]


# 1. Week-over-week growth, with its root cause -----------------------------------------------


def _top_contributors(ctx: RuleContext, sql_file: str, column: str, features: list[str]) -> dict:
    by_feature: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in ctx.query(sql_file, features=features, top_n=TOP_CONTRIBUTORS):
        by_feature[row["feature"]].append((row[column], row["increase"]))
    return by_feature


def wow_growth_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    rows = ctx.query("wow_growth.sql")
    if not rows:
        return rows
    features = [row["feature"] for row in rows]
    users = _top_contributors(ctx, "wow_top_users.sql", "user_id", features)
    prompts = _top_contributors(ctx, "wow_top_prompts.sql", "prompt_id", features)
    for row in rows:
        row["root_cause"] = decompose_row(row)
        row["top_users"] = users.get(row["feature"], [])
        row["top_prompts"] = prompts.get(row["feature"], [])
    return rows


def _contributors(label: str, items: list[tuple[str, Decimal]]) -> str | None:
    if not items:
        return None
    return f"{label}: " + ", ".join(f"{code(name)} {signed_money(amount)}" for name, amount in items)


def format_wow_growth(row: dict[str, Any], ctx: RuleContext) -> Message:
    headline = (
        f":fire: feature {code(row['feature'])} spend up {percent(row['growth_pct'])} WoW "
        f"({money(row['prev_cost'])} -> {money(row['current_cost'])})"
    )
    parts = row["root_cause"]
    observed = {
        "call_volume": f"{count(row['prev_calls'])} -> {count(row['current_calls'])} calls",
        "tokens_per_call": f"{count(row['prev_tokens_per_call'])} -> {count(row['current_tokens_per_call'])}",
        "unit_price": (
            f"{unit_money(_per_1k(row, 'prev'))} -> {unit_money(_per_1k(row, 'current'))} per 1k uncached tokens"
        ),
        "cache_hit_rate": f"{share(row['prev_cache_hit_rate'] or 0)} -> {share(row['current_cache_hit_rate'] or 0)}",
    }
    details = [
        "why: " + "; ".join(f"{FACTOR_LABELS[f]} {signed_money(parts[f])} ({observed[f]})" for f in FACTORS)
    ]
    for line in (
        _contributors("top users", row["top_users"]),
        _contributors("top prompt versions", row["top_prompts"]),
    ):
        if line:
            details.append(line)
    dashboard = ctx.settings.dashboard_url(row["feature"])
    if dashboard:
        details.append(f"dashboard: <{dashboard}>")
    return Message(headline, tuple(details))


def _per_1k(row: dict[str, Any], prefix: str) -> Decimal:
    """Price per 1k tokens the cache did not serve: the unit-price factor of the root cause."""
    calls = Decimal(row[f"{prefix}_calls"] or 0)
    tokens = calls * Decimal(row[f"{prefix}_tokens_per_call"] or 0)
    uncached = 1 - Decimal(row[f"{prefix}_cache_hit_rate"] or 0)
    if tokens <= 0 or uncached <= 0:
        return Decimal(0)
    return Decimal(row[f"{prefix}_cost"] or 0) / (tokens * uncached) * 1000


# 3. New spender --------------------------------------------------------------------------------


def format_new_spender(row: dict[str, Any], ctx: RuleContext) -> str:
    return (
        f":new: new feature {code(row['feature'])} spent {money(row['current_cost'])} this week "
        f"({count(row['current_calls'])} calls), nothing the week before"
    )


# 4. Spend doubled overnight --------------------------------------------------------------------


def format_overnight_doubling(row: dict[str, Any], ctx: RuleContext) -> str:
    return (
        f":chart_with_upwards_trend: feature {code(row['feature'])} spent {money(row['yesterday_cost'])} "
        f"yesterday, {ratio(row['ratio'])} its 7-day daily average ({money(row['trailing_daily_avg'])})"
    )


# 5. Feature share ------------------------------------------------------------------------------


def format_feature_share(row: dict[str, Any], ctx: RuleContext) -> Message:
    headline = (
        f":warning: feature {code(row['feature'])} crossed {percent(ctx.settings.share_pct)} of 30-day spend: "
        f"{share(row['share_of_total_30d'])} ({money(row['cost_30d'])} of {money(row['total_cost_30d'])}); "
        "please review its prompt and model"
    )
    dashboard = ctx.settings.dashboard_url(row["feature"])
    return Message(headline, (f"dashboard: <{dashboard}>",) if dashboard else ())


# 6. Expensive calls ----------------------------------------------------------------------------


def format_expensive_calls(row: dict[str, Any], ctx: RuleContext) -> str:
    calls = int(row["calls"])
    return (
        f":moneybag: {calls} call{'s' if calls != 1 else ''} over {money(ctx.settings.expensive_call_usd)} "
        f"in {code(row['feature'])} on {code(row['model'])} (max {money(row['max_cost'])}, "
        f"total {money(row['total_cost'])}, costliest {code(row['costliest_observation_id'])})"
    )


# 7. Digest -------------------------------------------------------------------------------------


def _digest_due(ctx: RuleContext) -> bool:
    mode = ctx.settings.digest
    # The weekly digest goes out on Mondays: its 7-day window is then the calendar week before.
    return mode == "daily" or (mode == "weekly" and ctx.as_of.isoweekday() == 1)


def digest_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not _digest_due(ctx):
        return []
    totals = ctx.query("digest_totals.sql")
    if not totals or totals[0]["week_cost"] is None:
        return []
    row = dict(totals[0])
    row["mode"] = ctx.settings.digest
    row["top_features"] = ctx.query("digest_top_features.sql")
    row["top_users"] = ctx.query("digest_top_users.sql")
    return [row]


def format_digest(row: dict[str, Any], ctx: RuleContext) -> Message:
    week, prev = Decimal(row["week_cost"] or 0), Decimal(row["prev_week_cost"] or 0)
    change = ""
    if prev > 0:
        growth = (week / prev - 1) * 100
        change = f" ({'+' if growth >= 0 else ''}{percent(growth)})"
    headline = (
        f":bar_chart: {row['mode']} digest: {money(row['yesterday_cost'])} spent yesterday "
        f"({count(row['yesterday_calls'] or 0)} calls); last 7 days {money(week)} vs {money(prev)} "
        f"the week before{change}"
    )
    details = []
    if row["top_features"]:
        details.append(
            "top features: "
            + ", ".join(f"{code(f['feature'])} {money(f['current_cost'])}" for f in row["top_features"])
        )
    if row["top_users"]:
        details.append(
            "top users: " + ", ".join(f"{code(u['user_id'])} {money(u['cost'])}" for u in row["top_users"])
        )
    dashboard = ctx.settings.dashboard_url()
    if dashboard:
        details.append(f"dashboard: <{dashboard}>")
    return Message(headline, tuple(details))


WOW_GROWTH = register(
    Rule(
        name="wow_growth",
        title="Week-over-week growth",
        query=wow_growth_rows,
        formatter=format_wow_growth,
        key_fn=_feature,
    )
)
NEW_SPENDER = register(
    Rule(
        name="new_spender",
        title="New spenders",
        query="new_spender.sql",
        formatter=format_new_spender,
        key_fn=_feature,
    )
)
OVERNIGHT_DOUBLING = register(
    Rule(
        name="overnight_doubling",
        title="Spend doubled overnight",
        query="overnight_doubling.sql",
        formatter=format_overnight_doubling,
        key_fn=_feature,
    )
)
FEATURE_SHARE = register(
    Rule(
        name="feature_share",
        title="Share of total spend",
        query="feature_share.sql",
        formatter=format_feature_share,
        key_fn=_feature,
        opens_github_issue=True,
    )
)
EXPENSIVE_CALLS = register(
    Rule(
        name="expensive_calls",
        title="Expensive calls",
        query="expensive_calls.sql",
        formatter=format_expensive_calls,
        key_fn=lambda row: f"{row['feature']}/{row['model']}",
    )
)
DIGEST = register(
    Rule(
        name="digest",
        title="Digest",
        query=digest_rows,
        formatter=format_digest,
        key_fn=lambda row: row["mode"],
        enabled=lambda settings: settings.digest != "off",
    )
)
