"""The budget noise budget, on fired rows built by hand (no database): one state per member, one
line per budget and rule, every member row kept and covered by its line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from alerts.config import AlertSettings
from alerts.engine import RuleContext
from alerts.payload import group_alerts, render_text, slack_payload, webhook_payload
from alerts.rules_budgets import (
    BUDGET_FORECAST,
    BUDGET_THRESHOLD,
    consolidate_budgets,
    forecast_subject,
    threshold_subject,
)

AS_OF = date(2026, 3, 15)
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def status(budget, member, spent, limit, *, scope="user", per_member=True, crossed=(), **extra):
    pct = Decimal(spent) / Decimal(limit) * 100
    return {
        "budget_name": budget, "scope": scope, "scope_value": "*" if per_member else member, "member": member,
        "period_label": "monthly", "period_start": MARCH, "period_end": APRIL, "limit_usd": Decimal(limit),
        "hard_limit_usd": Decimal(limit), "spent_usd": Decimal(spent), "pct_used": pct, "status": "x",
        "top_threshold_pct": max(crossed) if crossed else None, **extra,
    }


def thresholds(row, totals):
    """The rows budget_thresholds.sql returns for one member: one per threshold crossed."""
    return [{**row, "threshold_pct": Decimal(t), "is_hard_limit": t >= 100, "state_totals": totals}
            for t in row_crossed(row)]


def row_crossed(row):
    return [t for t in (50, 75, 90, 100) if row["pct_used"] >= t]


def fire(ctx, rule, rows):
    """What Rule.evaluate makes of the rows its query returned."""
    return [_alert(rule, row, i, ctx) for i, row in enumerate(rows)]


def _alert(rule, row, position, ctx):
    from alerts.engine import FiredAlert, Message

    message = rule.formatter(row, ctx)
    message = message if isinstance(message, Message) else Message(message)
    return FiredAlert(rule=rule.name, subject=rule.key_fn(row), as_of=AS_OF, message=message.text,
                      details=message.details, position=position, row=row)


def test_thousands_of_members_make_one_line_and_every_row_is_kept():
    ctx = RuleContext(conn=None, as_of=AS_OF, settings=AlertSettings())
    members = [status("user_ceiling:free", f"u{i:04d}", Decimal("0.55") + Decimal(i) / 100, "0.50",
                      crossed=(50, 75, 90, 100)) for i in range(1500)]
    totals = {"exceeded": 1800}  # 300 more crossed on earlier days: in the count, not new today
    threshold_rows = [r for m in members for r in thresholds(m, totals)]
    org = status("organisation", "(all)", "2100", "3000", scope="global", per_member=False, crossed=(50,))
    org_rows = [{**org, "threshold_pct": Decimal(50), "is_hard_limit": False, "state_totals": {"50": 1}}]
    # a pro user who crossed 75% today and is also projected to run out: reported once, as a forecast
    pro = status("user_ceiling:pro", "u_pro", "4", "5", crossed=(50, 75))
    pro_rows = thresholds(pro, {"75": 1})
    pro_forecast = {**pro, "days_elapsed": 14, "projected_spend_usd": Decimal("9"),
                    "projected_limit_date": date(2026, 3, 18), "forecast_method": "trend_weekday",
                    "backtests": 6, "median_error": 0.08, "state_totals": {"forecast": 1}}
    fired = {
        "budget_threshold": fire(ctx, BUDGET_THRESHOLD, threshold_rows + org_rows + pro_rows),
        "budget_forecast": fire(ctx, BUDGET_FORECAST, [pro_forecast]),
    }
    recorded = {(a.rule, a.subject) for rows in fired.values() for a in rows}

    out = consolidate_budgets(fired, ctx)
    everything = [a for rows in out.values() for a in rows]
    lines = [a for a in everything if a.covered_by is None]
    # nothing dropped: every member's row is still there, covered by the line that tells about it
    assert {(a.rule, a.subject) for a in everything if a.covered_by is not None} == recorded - {
        ("budget_threshold", threshold_subject(org_rows[0])), ("budget_forecast", forecast_subject(pro_forecast))
    }
    assert len(lines) == 3
    free = next(a for a in lines if "user_ceiling:free" in a.message)
    assert free.subject == "user_ceiling:free|2026-03-01|summary"
    assert "): 1,800 users over the limit (1,500 new today); " in free.message
    assert "most over, of the new: `u1499` 3,108% ($15.54), `u1498` 3,106% ($15.53), `u1497`" in free.message
    assert "`llmcosts budget export-throttle`" in free.message
    assert "past 50%" not in free.message  # the lower thresholds of the same members are not repeated
    assert {a.covered_by for a in everything if a.row.get("budget_name") == "user_ceiling:free"} - {None} == {
        "budget_threshold/user_ceiling:free|2026-03-01|summary"
    }
    # a single member of a global budget keeps its own line: state, number, cause
    assert any(a.message == (
        ":money_with_wings: budget `organisation`: at 70% of $3,000.00 ($2,100.00 spent, monthly, "
        "2026-03-01 to 2026-03-31); crossed 50% today") for a in lines)
    # the pro user: once, under its most severe state, with the forecast's confidence
    pro_lines = [a for a in lines if "u_pro" in a.message]
    assert len(pro_lines) == 1 and pro_lines[0].rule == "budget_forecast"
    assert "high confidence: forecasts like this one missed by 8% (median of 6 backtests" in pro_lines[0].message
    assert all(a.covered_by == f"budget_forecast/{pro_lines[0].subject}" for a in everything
               if a.rule == "budget_threshold" and a.row.get("member") == "u_pro")

    # the post: the hard limit first; the webhook JSON still carries every member row
    groups = group_alerts(everything, max_rows_per_rule=10)
    text = render_text(AS_OF, groups)
    assert len(text.splitlines()) == 8, text
    assert text.splitlines()[3].startswith(":no_entry: budget `user_ceiling:free`")
    blocks = slack_payload(AS_OF, groups)["blocks"]
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    rows = [r for g in webhook_payload(AS_OF, groups)["alerts"] for r in g["rows"]]
    assert len(rows) == len(everything)


def test_one_member_in_a_state_reads_singular():
    # Seen on day 2 of the month with 5,000 users: "1 users over the limit ..., 2 users past 50%".
    ctx = RuleContext(conn=None, as_of=AS_OF, settings=AlertSettings())
    over = status("user_ceiling:free", "u_over", "3.43", "0.50", crossed=(50, 75, 90, 100))
    halves = [status("user_ceiling:free", f"u_half{i}", "0.30", "0.50", crossed=(50,)) for i in range(2)]
    totals = {"exceeded": 1, "50": 2}
    rows = [r for m in (over, *halves) for r in thresholds(m, totals)]
    out = consolidate_budgets({"budget_threshold": fire(ctx, BUDGET_THRESHOLD, rows)}, ctx)
    (line,) = [a for rows in out.values() for a in rows if a.covered_by is None]
    assert "1 user over the limit (1 new today)" in line.message, line.message
    assert "2 users past 50% (2 new today)" in line.message, line.message
    assert "1 users" not in line.message
