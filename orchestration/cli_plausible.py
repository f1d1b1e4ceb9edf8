"""`llmcosts usage load`: load product usage (Plausible or CSV) into raw.feature_usage.

Wired into the main CLI by `register(subparsers)`; it materializes the same `feature_usage` asset
the daily job runs. `run_feature_usage()` is the plain-Python entry point (the demo calls it too).
"""

from __future__ import annotations

import argparse
from datetime import date

from llmcosts_core.settings import ConfigError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def run_feature_usage(since: date | None = None, until: date | None = None) -> dict[str, object]:
    """Materialize `feature_usage` for [since, until) (or its incremental window); its metadata."""
    from orchestration.defs.plausible.assets import feature_usage
    from orchestration.lib.runs import materialize

    config: dict[str, str] = {}
    if since:
        config["since"] = since.isoformat()
    if until:
        config["until"] = until.isoformat()
    result = materialize([feature_usage], run_config={"ops": {"feature_usage": {"config": config}}})
    metadata = result.asset_materializations_for_node("feature_usage")[0].metadata
    return {key: value.value for key, value in metadata.items()}


def cmd_usage_load(args) -> int:
    if args.since and args.until and args.until <= args.since:
        raise ConfigError("--until must be after --since (windows are half-open: [since, until))")
    summary = run_feature_usage(args.since, args.until)
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("usage", help="product usage per feature (Plausible or CSV)")
    sub = parser.add_subparsers(dest="usage_command", required=True)
    load = sub.add_parser("load", help="load daily feature usage into raw.feature_usage")
    load.add_argument("--since", type=_date, help="first day (inclusive); default: incremental")
    load.add_argument("--until", type=_date, help="end day (exclusive); default: tomorrow")
    load.set_defaults(func=cmd_usage_load)
