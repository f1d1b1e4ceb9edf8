"""Pricing alert rule: a list-price change of a model the team uses, posted once.

When the `model_prices` asset loads a new price version (genai-prices upgraded, an override
edited) and it changes the price at as_of of a model called in the last 30 days, one message per
model says what changed and the monthly impact at current volume (the last 30 days of that model's
calls re-priced token for token, new minus old). The subject names the version, and subjects
already in the alert log under any as_of are dropped, so each change is posted once, not daily.
"""

from __future__ import annotations

from typing import Any

from alerts.engine import Message, Rule, RuleContext, register
from alerts.formatting import code, count, money, signed_money
from alerts.spark_queries import spark_query
from alerts.sql_files import sql
from llmcosts_core.settings import get_settings

TOKEN_MIX_COLUMNS = ("provider", "model", "calls", "uncached_input_tokens", "cache_read_tokens",
                     "cache_write_tokens", "output_tokens")


def _load_token_mix(ctx: RuleContext) -> None:
    """The 30-day token sums per model into the session's temporary table the rule prices: from
    raw.llm_calls where it lives, the control Postgres or, on the Spark warehouse, the lake."""
    ctx.conn.execute(sql("price_list_change_token_mix_table.sql"))
    ctx.conn.execute("truncate pg_temp.price_list_change_token_mix")
    if not get_settings().uses_spark:
        ctx.conn.execute("insert into pg_temp.price_list_change_token_mix " + sql("price_list_change_token_mix.sql"),
                         ctx.params())
        return
    mix = spark_query("price_list_change_token_mix.sql", ctx.params())
    with ctx.conn.cursor().copy("copy pg_temp.price_list_change_token_mix from stdin") as copy:
        for row in mix:
            copy.write_row([row[column] for column in TOKEN_MIX_COLUMNS])


def price_list_change_rows(ctx: RuleContext) -> list[dict[str, Any]]:
    _load_token_mix(ctx)
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
