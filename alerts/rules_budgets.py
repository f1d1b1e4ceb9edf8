"""Budget alert rules: thresholds crossed and projected breaches, from marts.budget_status.

The once-only ledger (alerts.alert_log) is keyed by (rule, subject, as_of, channel), and as_of
changes every day; a budget alert must instead go out once per budget, member and PERIOD. So the
subject carries the period start (`budget|member|period_start|threshold`), and each rule drops the
rows whose subject it has already recorded on an earlier run (delivered, or still owed and so
delivered by the next run anyway). A new period has new subjects: it starts clean.

The noise budget. Every member's crossing is a row (the ledger keeps one per member, threshold and
period), but the post is read in 30 seconds: `consolidate_budgets` gives each member ONE state,
its most severe one today (over the hard limit, then projected to run out, then the highest soft
threshold), and a budget with several members in a rule gets ONE line (how many crossed, how many
of them are new today, the top few by overshoot, where to see the rest). The member rows are
recorded `covered_by` that line, so nothing is lost by aggregating: the throttle list,
`llmcosts budget check`, the dashboard and the alert log still list every member.

Forecasts go out only where they have earned it (budget_projected_breach.sql): enough days of the
period observed (LLMCOSTS_ALERT_FORECAST_MIN_DAYS, default 7) and a median backtested error for the
budget at most LLMCOSTS_ALERT_FORECAST_MAX_ERROR_PCT (default 25%); the line says how good it was.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from alerts.engine import FiredAlert, Message, Rule, RuleContext, register, register_consolidator
from alerts.formatting import code, count, money, percent, share

THRESHOLD_RULE = "budget_threshold"
FORECAST_RULE = "budget_forecast"
TOP_MEMBERS = 3
PLURALS = {"user": "users", "tenant": "tenants", "feature": "features", "model": "models",
           "project": "projects", "environment": "environments", "provider": "providers", "tier": "tiers"}


def _pct(value: Any) -> str:
    return percent(value) if value is not None else "n/a"


def threshold_subject(row: dict[str, Any]) -> str:
    threshold = format(Decimal(str(row["threshold_pct"])).normalize(), "f")
    return f"{row['budget_name']}|{row['member']}|{row['period_start'].isoformat()}|{threshold}"


def forecast_subject(row: dict[str, Any]) -> str:
    return f"{row['budget_name']}|{row['member']}|{row['period_start'].isoformat()}|forecast"


def _recorded(ctx: RuleContext, rule: str, subjects: list[str]) -> set[str]:
    if not subjects or not ctx.query("budget_alert_log_exists.sql")[0]["exists"]:
        return set()
    return {r["subject"] for r in ctx.query("budget_alert_log_subjects.sql", rule=rule, subjects=subjects)}


def _not_yet_recorded(ctx: RuleContext, rule: str, rows: list[dict[str, Any]], subject) -> list[dict[str, Any]]:
    subjects = [subject(row) for row in rows]
    seen = _recorded(ctx, rule, subjects)
    return [row for row, s in zip(rows, subjects, strict=True) if s not in seen]


def _budgets_built(ctx: RuleContext) -> bool:
    # Before the first dbt build with budgets (or on a warehouse without them) there is nothing to
    # check: skip quietly rather than fail the whole alerts run.
    return ctx.conn.execute("select to_regclass('marts.budget_status') is not null").fetchone()[0]


def _state_of(row: dict[str, Any]) -> str:
    return "exceeded" if row["is_hard_limit"] else format(Decimal(str(row["threshold_pct"])).normalize(), "f")


def threshold_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not _budgets_built(ctx):
        return []
    rows = ctx.query("budget_thresholds.sql")
    # How many members are in each state in all (their highest crossing), new today or not.
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row["threshold_pct"] == row["top_threshold_pct"]:
            totals[(row["budget_name"], _state_of(row))] += 1
    for row in rows:
        row["state_totals"] = {state: n for (budget, state), n in totals.items() if budget == row["budget_name"]}
    return _not_yet_recorded(ctx, THRESHOLD_RULE, rows, threshold_subject)


def forecast_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not _budgets_built(ctx) or not ctx.conn.execute(
        "select to_regclass('marts.budget_forecast_backtest') is not null"
    ).fetchone()[0]:
        return []
    rows = ctx.query("budget_projected_breach.sql")
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["budget_name"]] += 1
    for row in rows:
        row["state_totals"] = {"forecast": totals[row["budget_name"]]}
    return _not_yet_recorded(ctx, FORECAST_RULE, rows, forecast_subject)


def _per_member(row: dict[str, Any]) -> bool:
    return row["scope"] != "global" and row.get("scope_value") == "*"


def _who(row: dict[str, Any]) -> str:
    return f"budget {code(row['budget_name'])}" + ("" if row["scope"] == "global" else f" for {row['scope']} {code(row['member'])}")


def _period(row: dict[str, Any]) -> str:
    # period_end is exclusive: the period's last day is the day before
    last = row["period_end"] - timedelta(days=1)
    if last == row["period_start"]:
        return f"{row['period_label']}, {last.isoformat()}"
    return f"{row['period_label']}, {row['period_start'].isoformat()} to {last.isoformat()}"


def format_threshold(row: dict[str, Any], ctx: RuleContext) -> Message:
    """One member: state, then number, then cause -
    `budget x is at 70% of $5.00 ($3.49, monthly, 2026-03-01 to 2026-03-31); crossed 50% today`."""
    if row["is_hard_limit"]:
        state = f":no_entry: {_who(row)} is over its limit"
        crossed = f"reached {_pct(row['threshold_pct'])} today"
    else:
        state = f":money_with_wings: {_who(row)}"
        crossed = f"crossed {_pct(row['threshold_pct'])} today"
    return Message(
        f"{state}: at {_pct(row['pct_used'])} of {money(row['limit_usd'])} ({money(row['spent_usd'])} spent, "
        f"{_period(row)}); {crossed}"
    )


def _confidence(row: dict[str, Any]) -> str:
    error = Decimal(str(row["median_error"])) * 100
    level = "high" if error <= 10 else "medium"
    n = int(row["backtests"])
    return (f"{level} confidence: forecasts like this one missed by {percent(error)} (median of {count(n)} "
            f"backtest{'s' if n != 1 else ''} on past months)")


def format_forecast(row: dict[str, Any], ctx: RuleContext) -> Message:
    return Message(
        f":crystal_ball: {_who(row)} is projected to reach its {money(row['limit_usd'])} limit on "
        f"{row['projected_limit_date'].isoformat()}, before its period ends ({_period(row)}): "
        f"{money(row['spent_usd'])} spent after {count(row['days_elapsed'])} days, {money(row['projected_spend_usd'])} "
        f"projected; {_confidence(row)}"
    )


# -- one line per budget ---------------------------------------------------------------------------

_SEVERITY = {"exceeded": 1000}


def _severity(alert: FiredAlert) -> Decimal:
    if alert.rule == FORECAST_RULE:
        return Decimal(500)  # above any soft threshold, below the hard limit
    return Decimal(1000) if alert.row["is_hard_limit"] else Decimal(str(alert.row["threshold_pct"]))


def _overshoot(alert: FiredAlert) -> Decimal:
    return Decimal(str(alert.row.get("pct_used") or 0))


def _members_hint(row: dict[str, Any], exceeded: bool, ctx: RuleContext) -> str:
    hints = []
    dashboard = ctx.settings.dashboard_url()
    if dashboard:
        hints.append(f"<{dashboard}|dashboard>")
    if exceeded:
        hints.append("`llmcosts budget export-throttle` (every member to throttle)")
    if row["scope"] == "user":
        hints.append("`llmcosts budget check --user <id>`")
    return "the rest: " + ", ".join(hints) if hints else "every member: marts.budget_status"


def _threshold_summary(budget: str, winners: list[FiredAlert], ctx: RuleContext) -> Message:
    first = winners[0].row
    plural = PLURALS.get(first["scope"], "members")
    new_by_state: dict[str, int] = defaultdict(int)
    for alert in winners:
        new_by_state[_state_of(alert.row)] += 1
    totals = first["state_totals"]
    states = sorted(set(new_by_state) | ({"exceeded"} if totals.get("exceeded") else set()),
                    key=lambda s: Decimal(1000) if s == "exceeded" else Decimal(s), reverse=True)
    counts = []
    for state in states:
        label = "over the limit" if state == "exceeded" else f"past {state}%"
        members = totals.get(state, new_by_state[state])
        # "1 user", never "1 users": a 5,000-user post on day 2 of the month reads "1 users" otherwise.
        noun = first["scope"] if members == 1 and first["scope"] in PLURALS else plural
        counts.append(f"{count(members)} {noun} {label} ({count(new_by_state[state])} new today)")
    exceeded = "exceeded" in new_by_state
    icon = ":no_entry:" if exceeded else ":money_with_wings:"
    top = sorted(winners, key=lambda a: (-_overshoot(a), a.row["member"]))[:TOP_MEMBERS]
    top_text = ", ".join(
        f"{code(a.row['member'])} {_pct(a.row['pct_used'])} ({money(a.row['spent_usd'])})" for a in top
    )
    headline = (
        f"{icon} budget {code(budget)} ({money(first['limit_usd'])} per {first['scope']}, {_period(first)}): "
        + ", ".join(counts) + f"; most over, of the new: {top_text}; "
        + _members_hint(first, exceeded, ctx)
    )
    return Message(headline)


def _forecast_summary(budget: str, winners: list[FiredAlert], ctx: RuleContext) -> Message:
    first = winners[0].row
    plural = PLURALS.get(first["scope"], "members")
    total = first["state_totals"]["forecast"]
    soonest = sorted(winners, key=lambda a: (a.row["projected_limit_date"], a.row["member"]))[:TOP_MEMBERS]
    soonest_text = ", ".join(
        f"{code(a.row['member'])} on {a.row['projected_limit_date'].isoformat()} ({money(a.row['spent_usd'])} spent, "
        f"{money(a.row['projected_spend_usd'])} projected)"
        for a in soonest
    )
    headline = (
        f":crystal_ball: budget {code(budget)} ({money(first['limit_usd'])} per {first['scope']}, {_period(first)}): "
        f"{count(total)} {plural} projected to reach the limit before the period ends ({count(len(winners))} new today); "
        f"soonest: {soonest_text}; {_confidence(first)}"
    )
    return Message(headline)


def _state_total(alert: FiredAlert) -> int:
    state = "forecast" if alert.rule == FORECAST_RULE else _state_of(alert.row)
    return int(alert.row.get("state_totals", {}).get(state, 1))


@register_consolidator
def consolidate_budgets(fired: dict[str, list[FiredAlert]], ctx: RuleContext) -> dict[str, list[FiredAlert]]:
    """One state per member (its most severe), one line per budget and rule; every row kept."""
    alerts = [*fired.get(THRESHOLD_RULE, []), *fired.get(FORECAST_RULE, [])]
    if not alerts:
        return fired
    best: dict[tuple[str, str], FiredAlert] = {}
    for alert in alerts:
        key = (alert.row["budget_name"], alert.row["member"])
        if key not in best or _severity(alert) > _severity(best[key]):
            best[key] = alert
    winners_by_line: dict[tuple[str, str], list[FiredAlert]] = defaultdict(list)
    for alert in best.values():
        winners_by_line[(alert.rule, alert.row["budget_name"])].append(alert)

    lines: dict[tuple[str, str], FiredAlert] = {}  # (rule, budget) -> the line of the post
    for (rule, budget), winners in winners_by_line.items():
        if len(winners) == 1 and (not _per_member(winners[0].row) or _state_total(winners[0]) <= 1):
            lines[(rule, budget)] = winners[0]  # a single member: its own line says it all
            continue
        summarize = _threshold_summary if rule == THRESHOLD_RULE else _forecast_summary
        message = summarize(budget, winners, ctx)
        lines[(rule, budget)] = FiredAlert(
            rule=rule,
            subject=f"{budget}|{winners[0].row['period_start'].isoformat()}|summary",
            as_of=ctx.as_of,
            message=message.text,
            details=message.details,
            row={"budget_name": budget, "members": len(winners)},
        )

    def severity_of_line(key: tuple[str, str]) -> tuple:
        winners = winners_by_line[key]
        return (-max(_severity(a) for a in winners), key[1])

    ordered = sorted(lines, key=severity_of_line)
    out = {name: rows for name, rows in fired.items() if name not in (THRESHOLD_RULE, FORECAST_RULE)}
    for position, key in enumerate(ordered):
        line = lines[key]
        out.setdefault(key[0], []).append(_replace(line, position=position, covered_by=None))
    for alert in alerts:
        line = lines[(best[(alert.row["budget_name"], alert.row["member"])].rule, alert.row["budget_name"])]
        if alert is line:
            continue
        out.setdefault(alert.rule, []).append(
            _replace(alert, position=len(ordered) + alert.position, covered_by=f"{line.rule}/{line.subject}")
        )
    return out


def _replace(alert: FiredAlert, **changes: Any) -> FiredAlert:
    from dataclasses import replace

    return replace(alert, **changes)


BUDGET_THRESHOLD = register(
    Rule(
        name=THRESHOLD_RULE,
        title="Budget thresholds",
        query=threshold_rows,
        formatter=format_threshold,
        key_fn=threshold_subject,
    )
)
BUDGET_FORECAST = register(
    Rule(
        name=FORECAST_RULE,
        title="Budgets projected to run out",
        query=forecast_rows,
        formatter=format_forecast,
        key_fn=forecast_subject,
    )
)


CREDIT_POOL_RULE = "credit_pool_low"


def credit_pool_subject(row: dict[str, Any]) -> str:
    # The last top-up is part of the subject: a pool topped up again is warned again when it runs low.
    return f"{row['pool_scope']}|{row['pool_member']}|{row['last_topup_at'].isoformat()}"


def credit_pool_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not ctx.conn.execute("select to_regclass('marts.credit_pool_balances') is not null").fetchone()[0]:
        return []
    return _not_yet_recorded(ctx, CREDIT_POOL_RULE, ctx.query("budget_credit_pools_low.sql"), credit_pool_subject)


def format_credit_pool(row: dict[str, Any], ctx: RuleContext) -> Message:
    return Message(
        f":battery: prepaid credit of {row['pool_scope']} `{row['pool_member']}` is running out: "
        f"{money(row['balance_usd'])} left of {money(row['topped_up_usd'])} topped up "
        f"({share(row['share_left'] or 0)} left)",
        ("top it up, or its calls will be throttled once the balance is gone",),
    )


CREDIT_POOL_LOW = register(
    Rule(
        name=CREDIT_POOL_RULE,
        title="Prepaid credit running out",
        query=credit_pool_rows,
        formatter=format_credit_pool,
        key_fn=credit_pool_subject,
    )
)
