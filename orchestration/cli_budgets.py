"""`llmcosts budget ...`: validate and load the budgets file, check a user, export files.

Wired into orchestration/cli.py by `register(subparsers)`. `load` and `export-throttle`
materialize the same Dagster assets the schedules run (`budgets`, `budget_throttle_list_export`);
`check` and `export` call the plain-Python functions of `alerts.budgets` directly (read-only).

`budget check` prints the answer (JSON with --json) and exits 0 whatever it is, unless
--exit-code is given: then 0 allow/warn, 3 throttle, 4 block (for shell gateways).
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

CHECK_EXIT_CODES = {"allow": 0, "warn": 0, "throttle": 3, "block": 4}


def _decimal(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative amount: {value!r}")
    return amount


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}") from None


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO timestamp, got {value!r}") from None


def cmd_validate(args) -> int:
    from alerts.budgets.config import BudgetFileError, load_budgets

    try:
        budgets = load_budgets(args.file)
    except BudgetFileError as exc:
        print(str(exc))
        return 2
    print(f"{budgets.path}: {len(budgets.budgets)} budget(s) valid")
    for warning in budgets.warnings:
        print(f"  warning: {warning}")
    return 0


def cmd_load(args) -> int:
    import dagster as dg

    from orchestration.defs.budgets.assets import budgets
    from orchestration.lib.runs import materialize

    result = materialize([budgets])
    metadata = next(
        m.metadata for m in result.asset_materializations_for_node("budgets") if m.asset_key == dg.AssetKey("budgets")
    )
    print(f"loaded {metadata['budgets_loaded'].value} budget(s) from {metadata['path'].value}")
    for warning in metadata["hierarchy_warnings"].value:
        print(f"  warning: {warning}")
    return 0


def cmd_check(args) -> int:
    from alerts.budgets.check import check_user

    result = check_user(args.user, args.estimated_cost, at=args.at)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"{result.decision}: {result.reason}")
        fresh = result.data_through.isoformat() if result.data_through else "no data"
        ingest = result.last_ingest_finished_at.isoformat() if result.last_ingest_finished_at else "never"
        print(f"  data through {fresh} (last ingestion finished {ingest}); marts as of {result.marts_as_of or 'n/a'}")
        for usage in result.budgets:
            print(f"  [{usage.decision}] {usage.reason}")
        for note in result.notes:
            print(f"  note: {note}")
    return CHECK_EXIT_CODES[result.decision] if args.exit_code else 0


def cmd_export_throttle(args) -> int:
    from orchestration.defs.budgets.assets import budget_throttle_list_export
    from orchestration.lib.runs import materialize

    result = materialize([budget_throttle_list_export])
    metadata = result.asset_materializations_for_node("budget_throttle_list_export")[0].metadata
    print(f"{metadata['entries'].value} throttled member(s) -> {metadata['path'].value}")
    return 0


def cmd_export(args) -> int:
    from alerts.budgets.exports import export_csv
    from llmcosts_core.warehouse import connect

    mart = {"chargeback": "chargeback_monthly", "focus": "focus_cost_usage"}[args.table]
    with connect() as conn:
        rows = export_csv(conn, mart, args.csv, month=args.month)
    print(f"{rows} row(s) of marts.{mart} -> {args.csv}")
    return 0


def register(subparsers) -> None:
    """Add `budget` and its subcommands to the llmcosts CLI."""
    p = subparsers.add_parser("budget", help="budgets: validate, load, check a user, export")
    sub = p.add_subparsers(dest="budget_command", required=True)

    v = sub.add_parser("validate", help="validate the budgets file (LLMCOSTS_BUDGETS_FILE or alerts/budgets.yml)")
    v.add_argument("--file", default=None, help="another budgets file")
    v.set_defaults(func=cmd_validate)

    load = sub.add_parser("load", help="validate and load the budgets into the warehouse (the `budgets` asset)")
    load.set_defaults(func=cmd_load)

    c = sub.add_parser("check", help="allow / warn / throttle / block for a user's next call")
    c.add_argument("--user", required=True)
    c.add_argument("--estimated-cost", type=_decimal, default=Decimal(0), help="USD the next call may cost")
    c.add_argument("--at", type=_timestamp, default=None, help="ISO timestamp of the check; default now")
    c.add_argument("--json", action="store_true")
    c.add_argument("--exit-code", action="store_true", help="exit 3 on throttle, 4 on block")
    c.set_defaults(func=cmd_check)

    t = sub.add_parser("export-throttle", help="write the throttle list JSON (LLMCOSTS_THROTTLE_LIST_PATH)")
    t.set_defaults(func=cmd_export_throttle)

    e = sub.add_parser("export", help="chargeback or FOCUS table as CSV")
    e.add_argument("table", choices=["chargeback", "focus"])
    e.add_argument("--csv", required=True, help="output path")
    e.add_argument("--month", type=_month, default=None, help="only this month (YYYY-MM)")
    e.set_defaults(func=cmd_export)
