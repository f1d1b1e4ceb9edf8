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

from decimal import Decimal, InvalidOperation
from typing import Any

from alerts.engine import Message, Rule, RuleContext, register
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


def format_failed_check(row: dict[str, Any], ctx: RuleContext) -> Message:
    icon = ":x:" if row["severity"] == "ERROR" else ":warning:"
    observed, threshold = row.get("observed_value"), row.get("threshold")
    measure = ""
    if observed is not None:
        measure = f": observed {observed:g}" + (f" (threshold {threshold:g})" if threshold is not None else "")
    headline = f"{icon} data-quality check {code(_check_subject(row))} failed ({row['severity']}){measure}"
    details = []
    if row.get("unexpected_count"):
        details.append(f"{count(row['unexpected_count'])} offending row(s) of {count(row['element_count'] or 0)}")
    details.append("runbook: docs/runbook.md")
    return Message(headline, tuple(details))


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
