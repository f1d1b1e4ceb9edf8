"""`llmcosts prices | reprice | whatif`: the pricing subcommands (wired in by orchestration/cli.py
through `register(subparsers)`).

- `prices`: materialize the `model_prices` asset (a new price version when anything changed).
- `reprice [--since DATE] [--until DATE] [--as-of DATE] [--no-build]`: materialize `model_prices`
  and `llm_call_costs` (the same assets Dagster runs), then, when costs changed, rebuild the marts
  with dbt vars `min_date`/`max_date` covering the changed days, so the incremental daily fact
  replaces exactly those days (the other marts are tables rebuilt in full anyway).
- `whatif --model M [--feature F] [--as-of DATE]`: the last 30 days re-priced on model M.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _metadata(result, key: str) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == key:
            return {name: value.value for name, value in event.materialization.metadata.items()}
    return {}


def cmd_prices(args) -> int:
    from orchestration.defs.pricing.assets import model_prices
    from orchestration.lib.runs import materialize

    meta = _metadata(materialize([model_prices]), "model_prices")
    state = "new" if meta.get("new_version") else "unchanged"
    print(f"price version {meta.get('price_version')} ({state}): {meta.get('rows')} prices, "
          f"{meta.get('overrides')} overrides")
    return 0


def reprice_run_config(since: date | None, until: date | None) -> dict:
    config = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
    return {"ops": {"llm_call_costs": {"config": config}}}


def cmd_reprice(args) -> int:
    from llmcosts_core.settings import ConfigError
    from orchestration.defs.dbt.assets import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.pricing.assets import llm_call_costs, model_prices
    from orchestration.lib.runs import materialize

    if args.since and args.until and args.until <= args.since:
        raise ConfigError("--until must be after --since (windows are half-open: [since, until))")
    result = materialize([model_prices, llm_call_costs], run_config=reprice_run_config(args.since, args.until))
    meta = _metadata(result, "llm_call_costs")
    print(f"re-priced with price version {meta.get('price_version')}: {meta.get('rows_changed')} calls changed")
    if not meta.get("changed_from") or args.no_build:
        return 0
    as_of = args.as_of or datetime.now(UTC).date()
    min_date, max_date = meta["changed_from"], meta["changed_to"]
    print(f"rebuilding the marts for [{min_date}, {max_date}) as of {as_of.isoformat()}")
    materialize(
        [llmcosts_dbt_models],
        run_config=dbt_run_config(as_of.isoformat(), min_date=min_date, max_date=max_date),
    )
    return 0


def cmd_whatif(args) -> int:
    from ingestion.pricing.whatif import whatif
    from llmcosts_core.warehouse import connect

    with connect() as conn:
        result = whatif(conn, args.model, feature=args.feature, as_of=args.as_of)
    scope = f"feature {args.feature}" if args.feature else "all features"
    print(f"{scope}, 30 days before {result.as_of.isoformat()}: {result.priced_calls} priced calls "
          f"({result.unpriced_calls} unpriced, not compared)")
    print(f"  today:        ${result.current_cost_usd:,.2f}")
    if result.projected_cost_usd is None:
        print(f"  on {result.model}: no price for this model in the price table")
        return 1
    print(f"  on {result.model} (priced as {result.priced_as}): ${result.projected_cost_usd:,.2f}")
    print(f"  monthly saving: ${result.monthly_saving_usd:,.2f}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("prices", help="load the price table (genai-prices + overrides) as a new version")
    p.set_defaults(func=cmd_prices)

    p = subparsers.add_parser("reprice", help="recompute call costs after prices or overrides changed")
    p.add_argument("--since", type=_date, help="first day to re-price (default: all history)")
    p.add_argument("--until", type=_date, help="day after the last one (exclusive)")
    p.add_argument("--as-of", type=_date, help="as_of of the marts rebuild (default today, UTC)")
    p.add_argument("--no-build", action="store_true", help="do not rebuild the marts")
    p.set_defaults(func=cmd_reprice)

    p = subparsers.add_parser("whatif", help="the last 30 days re-priced on another model")
    p.add_argument("--model", required=True, help="the model to re-price on, e.g. gpt-4o-mini")
    p.add_argument("--feature", help="one feature (default: all traffic)")
    p.add_argument("--as-of", type=_date, help="end of the 30-day window, exclusive (default today, UTC)")
    p.set_defaults(func=cmd_whatif)
