"""Dagster definitions for the alerts domain (see assets.py)."""

import dagster as dg

from orchestration.defs.alerts.assets import ALERTS_CRON, AlertsConfig, slack_alerts

defs = dg.Definitions(assets=[slack_alerts])

__all__ = ["ALERTS_CRON", "AlertsConfig", "defs", "slack_alerts"]
