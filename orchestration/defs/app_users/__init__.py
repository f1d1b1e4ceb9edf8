"""Dagster wiring of the optional app users source (ingestion/app_users.py)."""

import dagster as dg

from orchestration.defs.app_users.assets import app_users

defs = dg.Definitions(assets=[app_users])

__all__ = ["app_users", "defs"]
