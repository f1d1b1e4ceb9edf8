"""Dagster wiring of product usage (ingestion/plausible/): the `feature_usage` asset."""

import dagster as dg

from orchestration.defs.plausible.assets import feature_usage

defs = dg.Definitions(assets=[feature_usage])

__all__ = ["defs", "feature_usage"]
