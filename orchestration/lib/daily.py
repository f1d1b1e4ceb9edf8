"""The warehouse jobs, defined once: what `llmcosts build`, `llmcosts run` and the daily schedule run.

- `build_warehouse`: every source upstream of the marts that is not the partitioned ingestion
  (prices, app users, product usage, the budgets file, provider bills, re-pricing) and the dbt build:
  what `llmcosts build` runs, so no mart is empty only because its input was not loaded.
- `daily_warehouse`: the same, then what reads the marts (throttle list, Slack alerts, Metabase):
  the 08:00 schedule and `llmcosts run` (after the month-partitioned ingestion, which keeps its own
  hourly job: Dagster runs one partitions definition per job, and the marts are not partitioned).
"""

import os

import dagster as dg

from orchestration.defs.alerts.assets import ALERTS_CRON
from orchestration.defs.dbt.assets import llmcosts_dbt_models

LLM_CALLS = dg.AssetSelection.assets("llm_calls")
MARTS = dg.AssetSelection.assets(llmcosts_dbt_models)
BUILD_SELECTION = MARTS.upstream() - LLM_CALLS

build_job = dg.define_asset_job(
    "build_warehouse",
    selection=BUILD_SELECTION,
    description="Loads every configured source upstream of the marts (prices, app users, product usage, "
    "budgets file, provider bills), re-prices, then dbt build of the marts. `llmcosts build` runs it.",
)

daily_job = dg.define_asset_job(
    "daily_warehouse",
    selection=dg.AssetSelection.all() - LLM_CALLS,
    description="The morning run after the hourly ingestion: everything `build_warehouse` does, then the "
    "throttle list export, the Slack alerts and the Metabase sync. `llmcosts run` runs it after ingesting.",
)

daily_schedule = dg.ScheduleDefinition(
    name="daily_warehouse_0800",
    job=daily_job,
    cron_schedule=ALERTS_CRON,
    # Read once when the definitions load; not a secret. Alerts land at 08:00 in the team's zone.
    execution_timezone=os.environ.get("LLMCOSTS_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every morning (LLMCOSTS_TIMEZONE, default UTC): the daily_warehouse job, so the Slack post "
    "and the dashboards read marts built from the night's data.",
)
