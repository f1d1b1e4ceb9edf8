"""The daily job: everything downstream of the hourly ingestion (app users, the dbt build, the
alerts, the Metabase sync), every morning. The ingestion keeps its own hourly, month-partitioned
job: Dagster runs one partitions definition per job, and the marts are not partitioned."""

import os

import dagster as dg

from orchestration.defs.alerts.assets import ALERTS_CRON

daily_job = dg.define_asset_job(
    "daily_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets("llm_calls"),
    description="app users, dbt build (marts), Slack alerts, Metabase dashboards",
)

daily_schedule = dg.ScheduleDefinition(
    name="daily_warehouse_0800",
    job=daily_job,
    cron_schedule=ALERTS_CRON,
    # Read once when the definitions load; not a secret. Alerts land at 08:00 in the team's zone.
    execution_timezone=os.environ.get("LLMCOSTS_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
