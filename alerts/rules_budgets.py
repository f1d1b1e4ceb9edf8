"""Budget alert rules: thresholds crossed and projected breaches, from marts.budget_status.

The once-only ledger (alerts.alert_log) is keyed by (rule, subject, as_of, channel), and as_of
changes every day; a budget alert must instead go out once per budget, member and PERIOD. So the
subject carries the period start (`budget|member|period_start|threshold`), and each rule drops the
rows whose subject it has already recorded on an earlier run (delivered, or still owed and so
delivered by the next run anyway). A new period has new subjects: it starts clean.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alerts.engine import Message, Rule, RuleContext, register
from alerts.formatting import code, money

THRESHOLD_RULE = "budget_threshold"
FORECAST_RULE = "budget_forecast"


def _pct(value: Any) -> str:
    return f"{Decimal(str(value)):.0f}%" if value is not None else "n/a"


def threshold_subject(row: dict[str, Any]) -> str:
    threshold = format(Decimal(str(row["threshold_pct"])).normalize(), "f")
    return f"{row['budget_name']}|{row['member']}|{row['period_start'].isoformat()}|{threshold}"


def forecast_subject(row: dict[str, Any]) -> str:
    return f"{row['budget_name']}|{row['member']}|{row['period_start'].isoformat()}|forecast"


def _not_yet_recorded(ctx: RuleContext, rule: str, rows: list[dict[str, Any]], subject) -> list[dict[str, Any]]:
    if not rows:
        return rows
    if not ctx.query("budget_alert_log_exists.sql")[0]["exists"]:
        return rows
    subjects = [subject(row) for row in rows]
    seen = {r["subject"] for r in ctx.query("budget_alert_log_subjects.sql", rule=rule, subjects=subjects)}
    return [row for row, s in zip(rows, subjects, strict=True) if s not in seen]


def _budgets_built(ctx: RuleContext) -> bool:
    # Before the first dbt build with budgets (or on a warehouse without them) there is nothing to
    # check: skip quietly rather than fail the whole alerts run.
    return ctx.conn.execute("select to_regclass('marts.budget_status') is not null").fetchone()[0]


def threshold_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not _budgets_built(ctx):
        return []
    return _not_yet_recorded(ctx, THRESHOLD_RULE, ctx.query("budget_thresholds.sql"), threshold_subject)


def forecast_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if not _budgets_built(ctx):
        return []
    return _not_yet_recorded(ctx, FORECAST_RULE, ctx.query("budget_projected_breach.sql"), forecast_subject)


def _who(row: dict[str, Any]) -> str:
    return f"budget {code(row['budget_name'])}" + ("" if row["scope"] == "global" else f" for {row['scope']} {code(row['member'])}")


def format_threshold(row: dict[str, Any], ctx: RuleContext) -> Message:
    icon = ":no_entry:" if row["is_hard_limit"] else ":money_with_wings:"
    crossed = "hit its limit" if row["is_hard_limit"] else f"crossed {_pct(row['threshold_pct'])}"
    headline = (
        f"{icon} {_who(row)} {crossed}: {money(row['spent_usd'])} of {money(row['limit_usd'])} "
        f"({_pct(row['pct_used'])}) in {row['period_label']} {row['period_start'].isoformat()}..{row['period_end'].isoformat()}"
    )
    details = []
    if row["projected_spend_usd"] is not None and not row["is_hard_limit"]:
        details.append(f"projected {money(row['projected_spend_usd'])} by period end")
    return Message(headline, tuple(details))


def format_forecast(row: dict[str, Any], ctx: RuleContext) -> Message:
    headline = (
        f":crystal_ball: {_who(row)} is projected to reach its {money(row['limit_usd'])} limit on "
        f"{row['projected_limit_date'].isoformat()}, before its {row['period_label']} period ends "
        f"({row['period_end'].isoformat()}): {money(row['spent_usd'])} spent, {money(row['projected_spend_usd'])} projected"
    )
    return Message(headline, (f"forecast method: {row['forecast_method']}",))


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
        f"({float(row['share_left'] or 0):.0%} left)",
        ("top it up, or its calls will be throttled once the balance is gone",),
    )


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
CREDIT_POOL_LOW = register(
    Rule(
        name=CREDIT_POOL_RULE,
        title="Prepaid credit running out",
        query=credit_pool_rows,
        formatter=format_credit_pool,
        key_fn=credit_pool_subject,
    )
)
