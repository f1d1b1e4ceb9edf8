"""What-if: re-price the last 30 days of a feature's (or all) traffic on another model.

Token for token: the same uncached input, cache-read, cache-write and output tokens, at the other
model's list price at `as_of` (newest price version, overrides included). The 30-day window is the
"monthly" figure. `marts.whatif_model_swaps` applies the same arithmetic (raw.call_cost) to every
feature x cheaper model of the same provider; `llmcosts whatif` runs this for any model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from ingestion.mapping import provider_for_model
from ingestion.sql_files import sql
from llmcosts_core.settings import ConfigError, get_settings


@dataclass(frozen=True)
class WhatIf:
    feature: str | None
    model: str
    provider: str | None
    as_of: date
    calls: int
    priced_calls: int
    unpriced_calls: int
    current_cost_usd: Decimal
    projected_cost_usd: Decimal | None  # None: the model has no price
    priced_as: str | None
    price_version: int | None

    @property
    def monthly_saving_usd(self) -> Decimal | None:
        if self.projected_cost_usd is None:
            return None
        return self.current_cost_usd - self.projected_cost_usd


TOKEN_SUM_COLUMNS = ("calls", "priced_calls", "unpriced_calls", "current_cost_usd", "uncached_input_tokens",
                     "cache_read_tokens", "cache_write_tokens", "output_tokens")


def _load_token_sums(conn: psycopg.Connection, as_of: date, feature: str | None) -> None:
    """The 30-day token sums into the session's temporary table the what-if prices: summed where
    raw.llm_calls lives, in this Postgres or, on the Spark warehouse, on the lake."""
    conn.execute(sql("pricing_whatif_token_sums_table.sql"))
    conn.execute("truncate pg_temp.pricing_whatif_token_sums")
    if not get_settings().uses_spark:
        conn.execute("insert into pg_temp.pricing_whatif_token_sums " + sql("pricing_whatif_token_sums.sql"),
                     {"as_of": as_of, "feature": feature})
        return
    from llmcosts_core.spark import query_rows

    [sums] = query_rows(sql("spark/pricing_whatif_token_sums.sql"), {"as_of": as_of, "feature": feature or ""})
    placeholders = ", ".join(["%s"] * len(TOKEN_SUM_COLUMNS))
    conn.execute(f"insert into pg_temp.pricing_whatif_token_sums ({', '.join(TOKEN_SUM_COLUMNS)}) "
                 f"values ({placeholders})", [sums[column] for column in TOKEN_SUM_COLUMNS])


def whatif(
    conn: psycopg.Connection, model: str, feature: str | None = None, as_of: date | None = None
) -> WhatIf:
    if not model or not model.strip():
        raise ConfigError("give the model to re-price on")
    model = model.strip()
    as_of = as_of or datetime.now(UTC).date()
    provider = provider_for_model(model)
    _load_token_sums(conn, as_of, feature)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql("pricing_whatif.sql"), {"as_of": as_of, "provider": provider, "model": model})
        row = cur.fetchone()
    has_price = row["priced_as"] is not None
    return WhatIf(
        feature=feature,
        model=model,
        provider=provider,
        as_of=as_of,
        calls=row["calls"],
        priced_calls=row["priced_calls"],
        unpriced_calls=row["unpriced_calls"],
        current_cost_usd=row["current_cost_usd"],
        projected_cost_usd=(row["projected_cost_usd"] or Decimal(0)) if has_price else None,
        priced_as=row["priced_as"],
        price_version=row["price_version"],
    )
