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
from alerts.root_cause import (
    COST_PER_CALL,
    FACTOR_LABELS,
    FACTORS,
    PRICE_AND_CACHE,
    decompose_row,
    round_preserving_sum,
)

TOP_CONTRIBUTORS = 3


def _feature(row: dict[str, Any]) -> str:
    return row["feature"]


# 1. Week-over-week growth, with its root cause -----------------------------------------------


def _contributions(ctx: RuleContext, sql_file: str, features: list[str]) -> dict[str, list[dict[str, Any]]]:
    by_feature: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ctx.query(sql_file, features=features, top_n=TOP_CONTRIBUTORS):
        by_feature[row["feature"]].append(row)
    return by_feature


def wow_growth_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    rows = ctx.query("wow_growth.sql")
    if not rows:
        return rows
    features = [row["feature"] for row in rows]
    users = _contributions(ctx, "wow_top_users.sql", features)
    prompts = _contributions(ctx, "wow_top_prompts.sql", features)
    for row in rows:
        row["root_cause"], row["root_cause_notes"] = decompose_row(row)
        row["top_users"] = users.get(row["feature"], [])
        row["top_prompts"] = prompts.get(row["feature"], [])
    return rows


# The marts' label for a missing tag (dbt macro untagged_label). Among top users it would read as a
# user called "(untagged)"; the post says what it is.
UNTAGGED = "(untagged)"


def _member_name(member: str, plural: str) -> str:
    if member == UNTAGGED:
        return f"calls with no {plural.rstrip('s').replace(' version', '')}"
    return code(member)


def _contributors(label: str, plural: str, items: list[dict[str, Any]]) -> str | None:
    """`top users (net): a +$5.00, b -$1.00; 12 other users +$0.52`: net changes, gains and losses,
    rounded so that they add up to the delta to the cent."""
    if not items:
        return None
    keys = [("other" if item["is_other"] else f"m:{item['member']}") for item in items]
    total = sum((Decimal(item["change"]) for item in items), Decimal(0))
    rounded = round_preserving_sum(
        {key: float(item["change"]) for key, item in zip(keys, items, strict=True)}, total
    )
    named = [f"{_member_name(item['member'], plural)} {signed_money(rounded[key])}"
             for key, item in zip(keys, items, strict=True) if not item["is_other"]]
    line = f"{label} (net): " + ", ".join(named) if named else f"{label} (net): none changed"
    other = next((item for item in items if item["is_other"]), None)
    if other is not None:
        n = int(other["members"])
        line += f"; {count(n)} other {plural if n != 1 else plural.rstrip('s')} {signed_money(rounded['other'])}"
    return line


def _cache_observed(row: dict[str, Any]) -> str:
    def pair(name: str) -> tuple[Any, Any]:
        return row.get(f"prev_{name}"), row.get(f"current_{name}")

    reads, writes = pair("cache_read_share"), pair("cache_write_share")
    if all(not v for v in (*reads, *writes)):
        return "no cache tokens in either week"
    text = f"cache reads {_share_or_none(reads[0])} -> {_share_or_none(reads[1])} of input tokens"
    if any(writes):
        text += f", writes {_share_or_none(writes[0])} -> {_share_or_none(writes[1])}"
    unrated = int(row.get("prev_unrated_cache_tokens") or 0) + int(row.get("current_unrated_cache_tokens") or 0)
    if unrated:
        text += f"; {count(unrated)} cache tokens on models without a list price counted at the input rate"
    return text


def _share_or_none(value: Any) -> str:
    return "n/a" if value is None else share(value)


def _observed(row: dict[str, Any]) -> dict[str, str]:
    return {
        "call_volume": f"{count(row['prev_calls'])} -> {count(row['current_calls'])} calls",
        "tokens_per_call": (
            f"{count(row['prev_tokens_per_call'] or 0)} -> {count(row['current_tokens_per_call'] or 0)} tokens"
        ),
        "price_per_token": (
            f"{unit_money(_per_1k(row, 'prev'))} -> {unit_money(_per_1k(row, 'current'))} "
            "per 1k tokens before cache discounts"
        ),
        "cache": _cache_observed(row),
        COST_PER_CALL: f"{unit_money(_per_call(row, 'prev'))} -> {unit_money(_per_call(row, 'current'))} per call",
        PRICE_AND_CACHE: (
            f"{unit_money(_per_1k(row, 'prev', cache=False))} -> {unit_money(_per_1k(row, 'current', cache=False))} "
            "per 1k tokens paid"
        ),
    }


def format_wow_growth(row: dict[str, Any], ctx: RuleContext) -> Message:
    parts = row["root_cause"]
    driver = max(parts, key=lambda name: (parts[name], name))
    headline = (
        f":fire: feature {code(row['feature'])} spend is up {percent(row['growth_pct'])} week over week "
        f"({money(row['prev_cost'])} -> {money(row['current_cost'])}, {signed_money(sum(parts.values()))}), "
        f"largest driver: {FACTOR_LABELS[driver].split(' (')[0]}"
    )
    observed = _observed(row)
    # in the order of the identity: calls x tokens per call x price per token x cache
    order = [f for f in (*FACTORS, COST_PER_CALL, PRICE_AND_CACHE) if f in parts]
    why = "why: " + "; ".join(f"{FACTOR_LABELS[f]} {signed_money(parts[f])} ({observed[f]})" for f in order)
    if row.get("root_cause_notes"):
        why += " (" + "; ".join(row["root_cause_notes"]) + ")"
    details = [why]
    for line in (
        _contributors("top users", "users", row["top_users"]),
        _contributors("top prompt versions", "prompt versions", row["top_prompts"]),
    ):
        if line:
            details.append(line)
    dashboard = ctx.settings.dashboard_url(row["feature"])
    if dashboard:
        details.append(f"dashboard: <{dashboard}>")
    return Message(headline, tuple(details))


def _per_1k(row: dict[str, Any], prefix: str, cache: bool = True) -> Decimal:
    """Price per 1k tokens before the cache's discount (the price factor of the root cause); with
    cache=False, what 1k tokens actually cost."""
    calls = Decimal(row[f"{prefix}_calls"] or 0)
    tokens = calls * Decimal(row[f"{prefix}_tokens_per_call"] or 0)
    factor = Decimal(str(row.get(f"{prefix}_cache_cost_factor") or 0)) if cache else Decimal(1)
    if tokens <= 0 or factor <= 0:
        return Decimal(0)
    return Decimal(row[f"{prefix}_cost"] or 0) / (tokens * factor) * 1000


def _per_call(row: dict[str, Any], prefix: str) -> Decimal:
    calls = Decimal(row[f"{prefix}_calls"] or 0)
    return Decimal(row[f"{prefix}_cost"] or 0) / calls if calls > 0 else Decimal(0)


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
        f":warning: feature {code(row['feature'])} is at {share(row['share_of_total_30d'])} of 30-day spend "
        f"({money(row['cost_30d'])} of {money(row['total_cost_30d'])}); crossed {percent(ctx.settings.share_pct)} "
        "today: please review its prompt and model"
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
