"""Dagster wiring for data quality and billing reconciliation: the checks on `llm_calls` (Great
Expectations suite per month partition, freshness) and the `provider_bills` asset."""

import dagster as dg

from orchestration.defs.quality.assets import provider_bills
from orchestration.defs.quality.checks import llm_calls_freshness, llm_calls_window_quality

defs = dg.Definitions(assets=[provider_bills], asset_checks=[llm_calls_window_quality, llm_calls_freshness])

__all__ = ["defs", "llm_calls_freshness", "llm_calls_window_quality", "provider_bills"]
