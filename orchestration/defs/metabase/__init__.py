"""Metabase domain: the dashboards-as-code sync as a Dagster asset."""

import dagster as dg

from orchestration.defs.metabase.assets import metabase_dashboards

defs = dg.Definitions(assets=[metabase_dashboards])

__all__ = ["defs", "metabase_dashboards"]
