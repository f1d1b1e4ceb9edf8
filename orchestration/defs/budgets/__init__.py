"""Dagster definitions for the budgets domain (see assets.py)."""

import dagster as dg

from orchestration.defs.budgets.assets import budget_throttle_list_export, budgets

defs = dg.Definitions(assets=[budgets, budget_throttle_list_export])

__all__ = ["budget_throttle_list_export", "budgets", "defs"]
