"""`llmcosts bills load`: load the provider bills of LLMCOSTS_BILLS_DIR by materializing the same
`provider_bills` asset the daily job runs. Wired into the CLI by `register(subparsers)`."""

from __future__ import annotations

import argparse


def _bills_load(args: argparse.Namespace) -> int:
    from orchestration.defs.quality.assets import provider_bills
    from orchestration.lib.runs import RunFailed, materialize

    try:
        result = materialize([provider_bills])
    except RunFailed as exc:
        print(f"loading bills failed: {exc}")
        return 1
    metadata = result.asset_materializations_for_node("provider_bills")[0].metadata
    for key in ("bills_dir", "files_loaded", "files_already_loaded", "lines_loaded", "lines_rejected"):
        print(f"{key}: {metadata[key].value}")
    return 0


def register(subparsers) -> None:
    bills = subparsers.add_parser("bills", help="provider bills (reconciliation with the warehouse)")
    actions = bills.add_subparsers(dest="bills_command", required=True)
    load = actions.add_parser("load", help="load new bill files from LLMCOSTS_BILLS_DIR (once per file content)")
    load.set_defaults(func=_bills_load)
