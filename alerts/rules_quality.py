"""Data-quality alert rules: failed or warning checks, and gaps between the warehouse and the
provider's bill.

- `data_quality`: every data-quality check (raw.data_quality_results, written by the asset checks
  on `llm_calls`) whose latest result around as_of failed; once per check per day (the ledger key
  is (rule, subject, as_of), subject = the check and its partition).
- `billing_gap`: a complete day x provider (x model) of marts.billing_reconciliation whose gap is
  above LLMCOSTS_BILLING_GAP_PCT percent (default 5) and at least LLMCOSTS_BILLING_GAP_MIN_USD
  (default 1); once ever per day x provider x model (already alerted subjects are skipped).

Environment (read at evaluation time): `LLMCOSTS_BILLING_GAP_PCT`, `LLMCOSTS_BILLING_GAP_MIN_USD`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from alerts.engine import FiredAlert, Message, Rule, RuleContext, register, register_consolidator
from alerts.formatting import code, count, money, percent, share
from llmcosts_core.settings import ConfigError, env_str


def _env_decimal(name: str, default: str) -> Decimal:
    raw = env_str(name) or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ConfigError(f"{name} must be a non-negative number, got {raw!r}")
    return value


# -- data_quality --------------------------------------------------------------------------------


def _check_subject(row: dict[str, Any]) -> str:
    return row["check_name"] + (f" [{row['partition_key']}]" if row.get("partition_key") else "")


def _window_label(row: dict[str, Any]) -> str | None:
    """'2026-11' for a month partition key ('2026-11-01'): what a reader calls it."""
    key = row.get("partition_key")
    return key[:7] if key and len(key) == 10 and key.endswith("-01") else key


def _value(check_name: str, value: Any) -> str:
    # The share checks (tag_coverage, unpriced_share, rejects_share) measure fractions of calls;
    # freshness measures hours. A bare 0.851358 means nothing at 8 am.
    if check_name.endswith(("_share", "_coverage")):
        return share(value)
    if check_name == "freshness":
        return f"{Decimal(str(value)).quantize(Decimal('0.1'))} h"
    return f"{value:g}"


def _measure(row: dict[str, Any]) -> str:
    observed, threshold = row.get("observed_value"), row.get("threshold")
    if observed is None:
        return ""
    text = _value(row["check_name"], observed)
    return text + (f" (threshold {_value(row['check_name'], threshold)})" if threshold is not None else "")


def _severity_words(row: dict[str, Any]) -> tuple[str, str]:
    if row["severity"] == "ERROR":
        return ":x:", "blocking: the marts are not rebuilt until it passes"
    return ":warning:", "a warning: the marts are built, read them with care"


def format_failed_check(row: dict[str, Any], ctx: RuleContext) -> Message:
    icon, consequence = _severity_words(row)
    where = f" for {_window_label(row)}" if row.get("partition_key") else ""
    measure = _measure(row)
    headline = (f"{icon} data-quality check {code(row['check_name'])} failed{where}"
                f"{': ' + measure if measure else ''}; {consequence}")
    details = []
    if row.get("unexpected_count"):
        details.append(f"{count(row['unexpected_count'])} offending row(s) of {count(row['element_count'] or 0)}")
    details.append("runbook: docs/runbook.md")
    return Message(headline, tuple(details))


@register_consolidator
def consolidate_failed_checks(fired: dict[str, list[FiredAlert]], ctx: RuleContext) -> dict[str, list[FiredAlert]]:
    """One line per failing check, however many month windows it failed in (the same cause, e.g.
    untagged traffic, fails tag_coverage in every month); every window's row stays in the log."""
    alerts = fired.get("data_quality", [])
    by_check: dict[tuple[str, str], list[FiredAlert]] = {}
    for alert in alerts:
        by_check.setdefault((alert.row["check_name"], alert.row["severity"]), []).append(alert)
    if all(len(group) == 1 for group in by_check.values()):
        return fired
    out: list[FiredAlert] = []
    covered: list[FiredAlert] = []
    for (check_name, _severity), group in by_check.items():
        if len(group) == 1:
            out.append(replace(group[0], position=len(out)))
            continue
        rows = sorted((a.row for a in group), key=lambda r: r.get("partition_key") or "")
        icon, consequence = _severity_words(rows[0])
        windows = ", ".join(filter(None, (_window_label(r) for r in rows)))
        values = sorted(r["observed_value"] for r in rows if r.get("observed_value") is not None)
        measure = ""
        if values:
            low, high = _value(check_name, values[0]), _value(check_name, values[-1])
            measure = low if low == high else f"{low} to {high}"
            if rows[0].get("threshold") is not None:
                measure += f" (threshold {_value(check_name, rows[0]['threshold'])})"
        line = FiredAlert(
            rule="data_quality",
            subject=f"{check_name}|summary",
            as_of=ctx.as_of,
            message=(f"{icon} data-quality check {code(check_name)} failed in {count(len(rows))} windows "
                     f"({windows}){': ' + measure if measure else ''}; {consequence}"),
            details=("runbook: docs/runbook.md",),
            position=len(out),
            row={"check_name": check_name, "windows": len(rows)},
        )
        out.append(line)
        covered.extend(replace(a, position=len(alerts) + a.position, covered_by=f"data_quality/{line.subject}")
                       for a in group)
    return {**fired, "data_quality": out + covered}


def failed_check_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    exists = ctx.conn.execute("select to_regclass('raw.data_quality_results') is not null").fetchone()[0]
    return ctx.query("quality_failed_checks.sql") if exists else []


# -- billing_gap ---------------------------------------------------------------------------------

BILLING_GAP_RULE = "billing_gap"


def billing_gap_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    conn = ctx.conn
    if not conn.execute("select to_regclass('marts.billing_reconciliation') is not null").fetchone()[0]:
        return []
    alerted: list[str] = []
    if conn.execute("select to_regclass('alerts.alert_log') is not null").fetchone()[0]:
        alerted = [row["subject"] for row in ctx.query("quality_alerted_subjects.sql", rule=BILLING_GAP_RULE)]
    return ctx.query(
        "quality_billing_gaps.sql",
        gap_pct=_env_decimal("LLMCOSTS_BILLING_GAP_PCT", "5"),
        min_gap_usd=_env_decimal("LLMCOSTS_BILLING_GAP_MIN_USD", "1"),
        alerted=alerted,
    )


def format_billing_gap(row: dict[str, Any], ctx: RuleContext) -> Message:
    model = "" if row["model"] == "(all models)" else f" {code(row['model'])}"
    headline = (
        f":receipt: {row['provider']}{model} on {row['day'].isoformat()}: warehouse {money(row['warehouse_cost_usd'])} "
        f"vs bill {money(row['billed_cost_usd'])} ({percent(row['difference_pct'])})"
    )
    details = []
    if row.get("likely_causes"):
        details.append(f"likely causes: {row['likely_causes']}")
    if row.get("cache_read_share") is not None:
        details.append(f"cache reads {share(row['cache_read_share'])} of input tokens; "
                       f"{count(row['unpriced_calls'])} unpriced call(s)")
    details.append("runbook: docs/runbook.md (numbers don't match billing)")
    return Message(headline, tuple(details))


DATA_QUALITY = register(
    Rule(
        name="data_quality",
        title="Data quality",
        query=failed_check_rows,
        formatter=format_failed_check,
        key_fn=_check_subject,
    )
)
BILLING_GAP = register(
    Rule(
        name=BILLING_GAP_RULE,
        title="Warehouse vs provider bill",
        query=billing_gap_rows,
        formatter=format_billing_gap,
        key_fn=lambda row: row["subject"],
    )
)
