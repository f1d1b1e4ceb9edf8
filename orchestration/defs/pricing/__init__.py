"""Dagster definitions for the pricing domain (see assets.py)."""

import dagster as dg

from orchestration.defs.pricing.assets import RepriceConfig, llm_call_costs, model_prices

defs = dg.Definitions(assets=[model_prices, llm_call_costs])

__all__ = ["RepriceConfig", "defs", "llm_call_costs", "model_prices"]
