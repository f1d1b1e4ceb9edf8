"""Pricing alert rule: a list-price change of a model the team uses, posted once.

When the `model_prices` asset loads a new price version (genai-prices upgraded, an override
edited) and it changes the price at as_of of a model called in the last 30 days, one message per
model says what changed and the monthly impact at current volume (the last 30 days of that model's
calls re-priced token for token, new minus old). The subject names the version, and subjects
already in the alert log under any as_of are dropped, so each change is posted once, not daily.
"""

from __future__ import annotations

import logging
from typing import Any

from alerts.engine import Message, Rule, RuleContext, register
from alerts.formatting import code, count, money, signed_money
from llmcosts_core.settings import get_settings

log = logging.getLogger(__name__)


def price_list_change_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    if get_settings().uses_spark:
        # The rule re-prices 30 days of raw calls, which on the Spark warehouse live in the lake: run
        # on the (empty) Postgres table it would post every price change with a $0 impact.
        log.warning("price_list_change is not evaluated on the Spark warehouse yet (it re-prices raw calls; "
                    "docs/scaling.md)")
        return []
    rows = ctx.query("price_list_change.sql")
    if not rows:
        return rows
    # Read the log only if it exists: a dry run must not create it.
    if ctx.conn.execute("select to_regclass('alerts.alert_log')").fetchone()[0] is None:
        return rows
    posted = {row["subject"] for row in ctx.query("price_list_change_logged.sql")}
    return [row for row in rows if row["subject"] not in posted]


def _per_mtok(value) -> str:
    return "-" if value is None else f"${value.normalize():f}"


def format_price_list_change(row: dict[str, Any], ctx: RuleContext) -> Message:
    impact = (row["new_cost_30d"] or 0) - (row["old_cost_30d"] or 0)
    headline = (
        f":label: list price of {code(row['model'])} ({row['provider']}) changed in price version "
        f"{row['new_version']}: {signed_money(impact)} a month at current volume"
    )
    details = (
        f"input {_per_mtok(row['old_input_per_mtok'])} -> {_per_mtok(row['new_input_per_mtok'])}, "
        f"output {_per_mtok(row['old_output_per_mtok'])} -> {_per_mtok(row['new_output_per_mtok'])} per 1M tokens",
        f"last 30 days: {count(row['calls_30d'])} calls, {money(row['old_cost_30d'] or 0)} -> "
        f"{money(row['new_cost_30d'] or 0)}; run `llmcosts reprice` to apply it to history",
    )
    return Message(headline, details)


PRICE_LIST_CHANGE = register(
    Rule(
        name="price_list_change",
        title="List-price changes",
        query=price_list_change_rows,
        formatter=format_price_list_change,
        key_fn=lambda row: row["subject"],
    )
)
