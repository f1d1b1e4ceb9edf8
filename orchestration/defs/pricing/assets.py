"""Dagster wiring for pricing: the price table and the re-pricing of history.

Thin on purpose: the logic is plain Python in `ingestion.pricing`. `model_prices` loads a new
raw.model_prices version when genai-prices or the overrides file changed (idempotent otherwise);
`llm_call_costs` re-prices raw.llm_calls over a window with the newest version and reports the
day range that changed, which `llmcosts reprice` then rebuilds in dbt with min_date/max_date.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
from datetime import UTC, date, datetime
from typing import Optional

import dagster as dg

from ingestion.pricing.price_table import load_prices, overrides_path
from ingestion.pricing.repricing import reprice
from ingestion.schema import migrate
from llmcosts_core.warehouse import connect


@dg.asset(
    key="model_prices",
    group_name="ingestion",
    kinds={"postgres"},
    description=(
        "raw.model_prices: dated USD per million tokens from genai-prices, with local overrides "
        "(LLMCOSTS_PRICE_OVERRIDES, default ingestion/pricing/price_overrides.yml) winning. A change "
        "of prices is a new price_version, never an in-place overwrite."
    ),
)
def model_prices(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with connect() as conn:
        migrate(conn)
        conn.commit()
        result = load_prices(conn)
    if result.created:
        context.log.info(f"new price version {result.price_version} ({result.row_count} rows)")
    return dg.MaterializeResult(
        metadata={
            "price_version": result.price_version,
            "new_version": result.created,
            "rows": result.row_count,
            "overrides": result.override_count,
            "overrides_file": overrides_path().name,
        }
    )


class RepriceConfig(dg.Config):
    since: Optional[str] = None  # noqa: UP045  ISO date; default: all history
    until: Optional[str] = None  # noqa: UP045  ISO date, exclusive; default: the newest call


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise dg.Failure(f"expected an ISO date (YYYY-MM-DD), got {value!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dg.asset(
    key="llm_call_costs",
    deps=[dg.AssetKey("model_prices"), dg.AssetKey("llm_calls")],
    group_name="ingestion",
    kinds={"postgres", "parquet"},
    description=(
        "Re-prices raw.llm_calls (computed_cost_usd, effective cost_usd / cost_source, price_version) "
        "over [since, until) with the newest price version (on the Spark warehouse, by rewriting the "
        "lake's month partitions whose costs change). Idempotent."
    ),
)
def llm_call_costs(context: dg.AssetExecutionContext, config: RepriceConfig) -> dg.MaterializeResult:
    since, until = _day(config.since), _day(config.until)
    if since and until and until <= since:
        raise dg.Failure("until must be after since (the window is half-open [since, until))")
    with connect() as conn:
        migrate(conn)
        conn.commit()
        result = reprice(conn, since, until)
    context.log.info(f"re-priced with version {result.price_version}: {result.rows_changed} rows changed")
    changed = result.changed_days
    return dg.MaterializeResult(
        metadata={
            "price_version": result.price_version,
            "rows_changed": result.rows_changed,
            "changed_from": changed[0].isoformat() if changed else "",
            "changed_to": changed[1].isoformat() if changed else "",
        }
    )
